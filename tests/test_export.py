"""`finops export`: every public mart as parquet; with --tenant, that tenant's rows only and
no other tenant's name anywhere in the files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from dagster_project.export import ExportError, export, name_pattern
from tests.helpers import finops, query, scalar

PLATFORM_WIDE = ("fct_platform_balance_daily", "fct_platform_balance_monthly")


def tenants(wh: Path) -> set[str]:
    names = {t for (t,) in query(wh, "select distinct tenant from marts.fct_chargeback_monthly")}
    names |= {t for (t,) in query(wh, "select distinct tenant from reference.tenant_map")}
    return names


def read_strings(path: Path) -> list[tuple[str, str]]:
    """(column, value) for every string value of a parquet file, nested values as text."""
    conn = duckdb.connect()
    try:
        cols = conn.execute("select column_name, column_type from (describe select * from read_parquet(?))", [str(path)]).fetchall()
        out = []
        for col, typ in cols:
            if "VARCHAR" in typ or "STRUCT" in typ or "MAP" in typ:
                out += [(col, v) for (v,) in conn.execute(
                    f'select distinct cast("{col}" as varchar) from read_parquet(?) where "{col}" is not null', [str(path)]).fetchall()]
        return out
    finally:
        conn.close()


def foreign_mentions(folder: Path, tenant: str, others: set[str]) -> list[str]:
    hits = []
    for f in sorted(folder.rglob("*.parquet")):
        for col, value in read_strings(f):
            for other in others - {tenant}:
                # our own name may hold another's ('ml-research' holds 'search'); a longer name holding ours is searched as is
                text = value if tenant in other else value.replace(tenant, " ")
                pat = (re.compile(rf"(?<!\w){re.escape(other)}(?!\w)", re.IGNORECASE) if other.isascii() else re.compile(re.escape(other)))
                if pat.search(text):
                    hits.append(f"{f.parent.name}.{col}: {other} in {value[:80]!r}")
    manifest = (folder / "_manifest.json").read_text(encoding="utf-8")
    hits += [f"manifest: {o}" for o in others - {tenant} if re.search(rf"(?<!\w){re.escape(o)}(?!\w)", manifest.replace(tenant, " "))]
    return hits


def parquet_rows(path: Path, sql_where: str = "", params: list | None = None) -> int:
    conn = duckdb.connect()
    try:
        return conn.execute(f"select count(*) from read_parquet(?) {sql_where}", [str(path), *(params or [])]).fetchone()[0]
    finally:
        conn.close()


def test_full_export_writes_every_mart(demo, tmp_path):
    wh, out = demo["warehouse"], tmp_path / "bi"
    proc = finops("export", "--warehouse", str(wh), "--out", str(out))
    marts = [t for (t,) in query(wh, "select table_name from information_schema.tables where table_schema = 'marts' order by 1")]
    for needed in ("focus_costs", "fct_chargeback_daily", "fct_chargeback_monthly", *PLATFORM_WIDE, "fct_allocation_detail", "tei_summary"):
        assert needed in marts
    for table in marts:
        f = out / table / "data.parquet"
        assert f.is_file(), table
        assert parquet_rows(f) == scalar(wh, f'select count(*) from marts."{table}"'), table
        assert f"{table}:" in proc.stdout
    manifest = json.loads((out / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["tenant"] is None and {t["table"] for t in manifest["tables"]} == set(marts)
    # money stays DECIMAL in the files, not double
    conn = duckdb.connect()
    typ = dict(conn.execute("select column_name, column_type from (describe select * from read_parquet(?))",
                            [str(out / "fct_chargeback_monthly" / "data.parquet")]).fetchall())
    conn.close()
    assert typ["total_cost"].startswith("DECIMAL")


@pytest.mark.parametrize("tenant", ["需要予測", "ml-research"])
def test_tenant_export_has_only_that_tenant(demo, tmp_path, tenant):
    wh, out = demo["warehouse"], tmp_path / "tenant"
    proc = finops("export", "--warehouse", str(wh), "--out", str(out), "--tenant", tenant)
    assert "skipped (not per tenant)" in proc.stderr
    written = {p.parent.name for p in out.rglob("data.parquet")}
    for table in PLATFORM_WIDE:
        assert table not in written
    assert not any(t.startswith("tei_") for t in written)

    focus = out / "focus_costs" / "data.parquet"
    n = scalar(wh, "select count(*) from marts.focus_costs where x_tenant = ?", [tenant])
    assert n > 0
    assert parquet_rows(focus) == n
    assert parquet_rows(focus, "where x_tenant is distinct from ?", [tenant]) == 0
    for table in ("fct_chargeback_daily", "fct_chargeback_monthly", "fct_allocation_detail", "fct_token_usage_daily",
                  "fct_model_switch_whatif"):
        if scalar(wh, "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = ?", [table]):
            f = out / table / "data.parquet"
            expected = scalar(wh, f"select count(*) from marts.{table} where tenant = ?", [tenant])
            assert parquet_rows(f) == expected, table
            if table.startswith("fct_chargeback"):
                assert expected > 0, table
            assert parquet_rows(f, "where tenant is distinct from ?", [tenant]) == 0, table

    others = tenants(wh) - {tenant}
    assert len(others) >= 4
    assert foreign_mentions(out, tenant, others) == []


def test_every_tenant_export_is_clean(demo, tmp_path):
    wh = demo["warehouse"]
    all_tenants = tenants(wh)
    for i, tenant in enumerate(sorted(all_tenants)):
        out = tmp_path / f"t{i}"
        done = export(wh, out, tenant)
        assert done, tenant
        assert foreign_mentions(out, tenant, all_tenants) == [], tenant


def test_tenant_value_is_data_not_sql(demo, tmp_path):
    out = tmp_path / "inj"
    proc = finops("export", "--warehouse", str(demo["warehouse"]), "--out", str(out), "--tenant", "x' or '1'='1", check=False)
    assert proc.returncode == 1
    assert "unknown tenant" in proc.stderr and "Traceback" not in proc.stderr
    assert not list(out.rglob("*.parquet")) if out.exists() else True


def test_tenant_export_replaces_a_previous_full_export(demo, tmp_path):
    wh, out = demo["warehouse"], tmp_path / "reuse"
    finops("export", "--warehouse", str(wh), "--out", str(out))
    assert (out / "fct_platform_balance_daily" / "data.parquet").is_file()
    finops("export", "--warehouse", str(wh), "--out", str(out), "--tenant", "payments")
    # the stale platform-wide tables of the full export are gone
    assert not (out / "fct_platform_balance_daily").exists()
    assert not (out / "tei_summary").exists()
    assert foreign_mentions(out, "payments", tenants(wh)) == []


def test_refuses_a_folder_that_is_not_an_export(demo, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    proc = finops("export", "--warehouse", str(demo["warehouse"]), "--out", str(out), "--tenant", "payments", check=False)
    assert proc.returncode == 1 and "not empty" in proc.stderr and "Traceback" not in proc.stderr
    assert (out / "notes.txt").read_text() == "mine"


def test_missing_warehouse_is_a_readable_error(tmp_path):
    proc = finops("export", "--warehouse", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path / "o"), check=False)
    assert proc.returncode == 1 and "does not exist" in proc.stderr and "Traceback" not in proc.stderr


def test_export_is_withdrawn_when_a_row_names_another_tenant(tmp_path):
    wh = tmp_path / "w.duckdb"
    conn = duckdb.connect(str(wh))
    conn.execute("create schema marts")
    conn.execute("create table marts.fct_chargeback_monthly as select * from (values "
                 "('payments', '{\"tenant\":\"payments\",\"shared_with\":\"search\"}'), ('search', null)) t(tenant, note)")
    conn.close()
    with pytest.raises(ExportError, match="names 'search'"):
        export(wh, tmp_path / "out", "payments")
    assert not list((tmp_path / "out").rglob("*.parquet"))


def test_a_longer_name_holding_the_tenants_is_still_caught(tmp_path):
    wh = tmp_path / "w.duckdb"
    conn = duckdb.connect(str(wh))
    conn.execute("create schema marts")
    conn.execute("create table marts.fct_chargeback_monthly as select * from (values "
                 "('ml', 'shared with ml-research'), ('ml-research', null)) t(tenant, note)")
    conn.close()
    with pytest.raises(ExportError, match="names 'ml-research'"):
        export(wh, tmp_path / "out", "ml")


def test_name_pattern_matches_whole_names():
    p = name_pattern("search")
    assert p.search('{"tenant":"search"}') and p.search("team Search")
    assert p.search("search-infra")  # conservative: a hyphenated name still names the tenant
    assert not p.search("research") and not p.search("Amazon OpenSearch Service")
    assert name_pattern("需要予測").search("需要予測チーム")


@pytest.mark.parametrize("note, other", [
    ('{"tenant": "payments", "shared_with": "\\u0073earch"}', "search"),
    ('{"owner": "\\u9700\\u8981\\u4e88\\u6e2c"}', "需要予測"),
    ("shared with ｓｅａｒｃｈ", "search"),  # full-width letters: the same name once normalized
])
def test_a_name_written_with_escapes_is_still_caught(tmp_path, note, other):
    wh = tmp_path / "w.duckdb"
    conn = duckdb.connect(str(wh))
    conn.execute("create schema marts")
    conn.execute("create table marts.fct_chargeback_monthly as select * from (values "
                 "('payments', ?), ('search', null), ('需要予測', null)) t(tenant, note)", [note])
    conn.close()
    with pytest.raises(ExportError, match=f"names '{other}'"):
        export(wh, tmp_path / "out", "payments")
    assert not list((tmp_path / "out").rglob("*.parquet"))


def _small_warehouse(path: Path) -> Path:
    conn = duckdb.connect(str(path))
    conn.execute("create schema marts")
    conn.execute("create table marts.fct_chargeback_monthly as select * from (values ('payments', 60.67), ('search', 30.33)) t(tenant, cost)")
    conn.execute("create table marts.fct_platform_balance_monthly as select 91.00 as platform_cost, 0.00 as balance")
    conn.close()
    return path


def test_an_export_that_fails_midway_leaves_the_previous_one_whole(tmp_path, monkeypatch):
    """Issue #19 item 6: exports are atomic; a failure leaves no partial folder for the next to refuse."""
    import dagster_project.export as export_module

    wh, out = _small_warehouse(tmp_path / "w.duckdb"), tmp_path / "out"
    first = export(wh, out)
    assert sorted(e.table for e in first) == ["fct_chargeback_monthly", "fct_platform_balance_monthly"]
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    real_copy, calls = export_module._copy, []

    def copy_then_fail(conn, sql, params, dest):
        calls.append(dest)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_copy(conn, sql, params, dest)

    monkeypatch.setattr(export_module, "_copy", copy_then_fail)
    with pytest.raises(OSError, match="No space left"):
        export(wh, out)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "w.duckdb"]  # no staging folder left

    monkeypatch.setattr(export_module, "_copy", real_copy)
    again = export(wh, out, "payments")
    assert [(e.table, e.rows) for e in again] == [("fct_chargeback_monthly", 1)]
    assert sorted(p.name for p in out.iterdir()) == ["_manifest.json", "fct_chargeback_monthly"]
