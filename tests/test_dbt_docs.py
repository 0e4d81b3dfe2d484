"""`dbt docs generate` works from the shipped project and every model and column is described."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.helpers import BIN, REPO


@pytest.fixture(scope="module")
def docs(demo, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("docs")
    warehouse = root / "docs.duckdb"
    shutil.copy(demo["warehouse"], warehouse)
    target = root / "target"
    proc = subprocess.run(
        [str(BIN / "dbt"), "docs", "generate", "--profiles-dir", ".", "--target-path", str(target)],
        cwd=REPO / "dbt_project", capture_output=True, text=True, timeout=600,
        env={**os.environ, "FINOPS_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"},
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    return {"manifest": json.loads((target / "manifest.json").read_text()),
            "catalog": json.loads((target / "catalog.json").read_text())}


def test_docs_generate_and_every_model_and_column_is_described(docs):
    manifest, catalog = docs["manifest"], docs["catalog"]
    undocumented = []
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert len(models) > 40
    for node in models:
        if not node["description"].strip():
            undocumented.append(node["name"])
        documented = {c.lower(): (c_props.get("description") or "").strip() for c, c_props in node["columns"].items()}
        built = catalog["nodes"].get(node["unique_id"], {}).get("columns", {})
        for column in built:
            if not documented.get(column.lower()):
                undocumented.append(f"{node['name']}.{column}")
    assert undocumented == [], f"{len(undocumented)} undocumented: {undocumented[:40]}"


def test_the_graph_runs_one_way(docs):
    """staging -> intermediate -> marts: nothing reads a layer above its own. No staging model
    reads intermediate or marts, no intermediate model reads a mart (a mart may read marts: the
    TEI valuation, marts/tei, reads the chargeback and token marts it values)."""
    nodes = docs["manifest"]["nodes"]
    layer = {uid: n["original_file_path"].split("/")[1] for uid, n in nodes.items() if n["resource_type"] == "model"}
    assert set(layer.values()) == {"staging", "intermediate", "marts"}
    rank = {"staging": 0, "intermediate": 1, "marts": 2}
    upward = sorted(
        f"{layer[uid]}/{nodes[uid]['name']} -> {layer[dep]}/{nodes[dep]['name']}"
        for uid in layer for dep in nodes[uid]["depends_on"]["nodes"]
        if dep in layer and rank[layer[dep]] > rank[layer[uid]]
    )
    assert upward == []
    # the TEI valuation reads the marts it values from marts/tei
    assert "model.finops.fct_chargeback_monthly" in nodes["model.finops.fct_tei_actuals_unioned"]["depends_on"]["nodes"]
    # the allocation reads the charges from the intermediate layer, the public mart is a view of it
    assert "model.finops.int_charges_shaped" in nodes["model.finops.int_charges_converted"]["depends_on"]["nodes"]


def _dbt_test(warehouse, target, select: str) -> list[dict]:
    proc = subprocess.run(
        [str(BIN / "dbt"), "test", "--profiles-dir", ".", "--target-path", str(target), "--select", select],
        cwd=REPO / "dbt_project", capture_output=True, text=True, timeout=600,
        env={**os.environ, "FINOPS_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"},
        check=False,
    )
    results = [r for r in json.loads((target / "run_results.json").read_text())["results"]
               if r["unique_id"].startswith("test.")]
    assert results, proc.stdout[-3000:]
    return results


def test_not_null_columns_counts_the_null_cells_of_every_listed_column(demo, tmp_path):
    """One test per model checks all its never-null columns; a null anywhere fails it, counted per cell."""
    import duckdb

    warehouse = tmp_path / "nulls.duckdb"
    shutil.copy(demo["warehouse"], warehouse)
    select = "fct_chargeback_daily,test_name:not_null_columns"
    [clean] = _dbt_test(warehouse, tmp_path / "t1", select)
    assert (clean["status"], clean["failures"]) == ("pass", 0)

    with duckdb.connect(str(warehouse)) as conn:
        assert conn.execute("select count(*) from marts.fct_chargeback_daily").fetchone()[0] > 10
        # 3 null currencies and 2 null tenants, on different rows: 5 null cells in 2 columns
        conn.execute("""update marts.fct_chargeback_daily set currency = null where (charge_date, tenant) in
                        (select charge_date, tenant from marts.fct_chargeback_daily order by charge_date, tenant limit 3)""")
        conn.execute("""update marts.fct_chargeback_daily set tenant = null where (charge_date, tenant) in
                        (select charge_date, tenant from marts.fct_chargeback_daily where currency is not null
                         order by charge_date desc, tenant limit 2)""")
    [broken] = _dbt_test(warehouse, tmp_path / "t2", select)
    assert (broken["status"], broken["failures"]) == ("fail", 5)
    [compiled] = [p.read_text() for p in (tmp_path / "t2" / "compiled").rglob("*.sql")]
    assert compiled.count("fct_chargeback_daily") == 1  # one scan for all the columns
    assert "count(tenant)" in compiled and "count(currency)" in compiled


def test_each_build_records_dbt_node_times(demo):
    """ops.dbt_node_timings holds one row per node of the demo's build, with dbt's status."""
    import duckdb

    with duckdb.connect(str(demo["warehouse"]), read_only=True) as conn:
        conn.execute("""create temp view last_build as select * from ops.dbt_node_timings where invocation_id =
                        (select invocation_id from ops.dbt_node_timings order by recorded_at desc limit 1)""")
        by_type = dict(conn.execute("select resource_type, count(*) from last_build group by 1").fetchall())
        statuses = {r[0] for r in conn.execute("select distinct status from last_build").fetchall()}
        focus = conn.execute("select status, execution_s > 0 from last_build "
                             "where unique_id = 'model.finops.focus_costs'").fetchall()
    manifest = json.loads((REPO / "dbt_project" / "target" / "manifest.json").read_text())
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed", "test")]
    assert by_type["model"] == sum(n["resource_type"] == "model" for n in nodes)
    assert by_type["test"] == sum(n["resource_type"] == "test" for n in nodes)
    assert by_type["seed"] == sum(n["resource_type"] == "seed" for n in nodes)
    assert statuses <= {"success", "pass", "warn"}
    assert focus == [("success", True)]


TAG_CASES = [
    '{"user_tenant":"payments","user_team":"core"}',             # DuckDB's to_json of a tag map
    '{"user_tenant": "payments", "user_team": "core"}',          # text from a CSV: spaces
    '{"user_a":"x,\\"user_b\\":1","other":"user_c"}',           # escaped quotes in a value
    '{"user_list":["user_x","user_y"],"user_z":"1"}',            # an array
    '{"user_":"empty key","user_user_k":"v","team":"user_t"}',   # prefix only, twice, in a value
    '{"user_o":{"user_inner":"v"}}',                             # nested
    '{"user_a":1,\n"user_b":2}',                                  # a newline between members
    '{\t"user_a":1,\r\n"user_b":{ "user_c":3}}',                  # tab, CR LF, space after {
    '{"user_note":"Tokyo, Japan","user_b":"x"}',                 # ", " inside a value only
    '{}',
]


def test_tag_prefix_strip_matches_a_json_reference(tmp_path):
    """json_strip_key_prefix (fast path for to_json output, regex otherwise) against Python's json."""
    import duckdb

    def strip(obj):
        if isinstance(obj, dict):
            return {(k.removeprefix("user_")): strip(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [strip(v) for v in obj]
        return obj

    proc = subprocess.run(
        [str(BIN / "dbt"), "compile", "--profiles-dir", ".", "--target-path", str(tmp_path / "t"), "--quiet",
         "--inline", "select {{ json_strip_key_prefix('tags', 'user_') }} as stripped from cases"],
        cwd=REPO / "dbt_project", capture_output=True, text=True, timeout=600,
        env={**os.environ, "FINOPS_WAREHOUSE": str(tmp_path / "none.duckdb"), "DO_NOT_TRACK": "1"},
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    sql = proc.stdout.strip()
    assert "replace(" in sql and "regexp_replace(" in sql
    conn = duckdb.connect()
    conn.execute("create table cases (i integer, tags varchar)")
    conn.executemany("insert into cases values (?, ?)", list(enumerate(TAG_CASES)))
    got = [r[0] for r in conn.execute(sql.replace("from cases", "from cases order by i")).fetchall()]
    assert [json.loads(g) for g in got] == [strip(json.loads(c)) for c in TAG_CASES]
