"""Monthly partitions (issue #21, README "Partitions"): a restated month replaces exactly its
rows, a backfill of a range equals the full build, the sensor asks for the changed months only.

The reference for every comparison is a from-scratch build of the same landing files in a new
warehouse: each marts relation must hold the same rows (as multisets, every column, to the last
digit), and the per-month totals are compared on their own so a failure names the month.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.helpers import finops, query, run_pipeline

MONTHS = ("2026-09", "2026-10")
ROWS = 1500


def _sample(landing: Path, month: str, seed: int, *sources: str) -> None:
    args = ["sample", "--out", str(landing), "--month", month, "--seed", str(seed), "--rows", str(ROWS)]
    for source in sources:
        args += ["--source", source]
    finops(*args)


def _restate(landing: Path, month: str, seed: int, source: str, scratch: Path) -> None:
    """The provider re-delivers `month` of `source`: same paths, new content."""
    _sample(scratch, month, seed, source)
    for f in scratch.rglob("*"):
        if f.is_file():
            target = landing / f.relative_to(scratch)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)
    shutil.rmtree(scratch)


def mart_differences(a: Path, b: Path) -> dict[str, tuple[int, int]]:
    """marts relation -> (rows only in a, rows only in b); empty when every relation is equal."""
    conn = duckdb.connect()
    try:
        conn.execute("set TimeZone = 'UTC'")
        conn.execute(f"attach '{a}' as a (read_only)")
        conn.execute(f"attach '{b}' as b (read_only)")
        names = [n for (n,) in conn.execute(
            "select table_name from duckdb_tables() where database_name = 'a' and schema_name = 'marts' union "
            "select view_name from duckdb_views() where database_name = 'a' and schema_name = 'marts' order by 1").fetchall()]
        assert len(names) > 20
        found = {}
        for name in names:
            only_a = conn.execute(f'select count(*) from (from a.marts."{name}" except all from b.marts."{name}")').fetchone()[0]
            only_b = conn.execute(f'select count(*) from (from b.marts."{name}" except all from a.marts."{name}")').fetchone()[0]
            if only_a or only_b:
                found[name] = (only_a, only_b)
        return found
    finally:
        conn.close()


MONTHLY_TOTALS = """
    select strftime(ChargePeriodStart, '%Y-%m') as month, count(*), sum(BilledCost), sum(EffectiveCost)
    from marts.{relation} group by 1 order by 1
"""


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> dict:
    """Two months of every source built, then October's CUR restated and built again."""
    root = tmp_path_factory.mktemp("partitions")
    landing, warehouse = root / "landing", root / "incremental" / "finops.duckdb"
    for month in MONTHS:
        _sample(landing, month, 7)
    run_pipeline(landing, warehouse)
    before = query(warehouse, MONTHLY_TOTALS.format(relation="focus_costs"))
    builds_before = dict(query(warehouse, "select month, built_at from ops.month_builds"))
    _restate(landing, "2026-10", 8, "aws_cur", root / "restated")
    restated = run_pipeline(landing, warehouse)
    scratch = root / "scratch" / "finops.duckdb"
    run_pipeline(landing, scratch)
    return {"root": root, "landing": landing, "warehouse": warehouse, "scratch": scratch, "before": before,
            "builds_before": builds_before, "restated": restated}


def test_a_restated_month_is_rebuilt_alone(history):
    out = history["restated"].stdout + history["restated"].stderr
    assert "dbt build (duckdb) of 1 month(s): 2026-10" in out, out[-3000:]
    builds = dict(query(history["warehouse"], "select month, built_at from ops.month_builds"))
    # September (and the older commitment month) kept their build; October was built again
    assert {m for m in builds if builds[m] != history["builds_before"].get(m)} == {"2026-10"}


def test_a_restated_month_replaces_exactly_its_rows(history):
    incremental, scratch = history["warehouse"], history["scratch"]
    for relation in ("focus_costs", "focus_costs_allocated"):
        totals = query(incremental, MONTHLY_TOTALS.format(relation=relation))
        assert totals == query(scratch, MONTHLY_TOTALS.format(relation=relation)), relation
    after = {m: rest for m, *rest in query(incremental, MONTHLY_TOTALS.format(relation="focus_costs"))}
    before = {m: rest for m, *rest in history["before"]}
    # the restatement changed October and nothing else
    assert after["2026-10"] != before["2026-10"] and after["2026-09"] == before["2026-09"]
    monthly = "select billing_month, sum(total_cost) from marts.fct_chargeback_monthly group by 1 order by 1"
    assert query(incremental, monthly) == query(scratch, monthly)
    balance = "select billing_month, platform_cost, charged_back, balance from marts.fct_platform_balance_monthly order by 1"
    assert query(incremental, balance) == query(scratch, balance)
    assert all(row[-1] == 0 for row in query(incremental, balance))


def test_every_mart_equals_the_from_scratch_build(history):
    assert mart_differences(history["warehouse"], history["scratch"]) == {}


def test_a_backfill_of_a_range_equals_the_full_build(history, tmp_path):
    warehouse = tmp_path / "backfill" / "finops.duckdb"
    shutil.copytree(history["warehouse"].parent, warehouse.parent, ignore=shutil.ignore_patterns("published"))
    # a copied warehouse's views read the original's model files: the first run repairs that
    # with a full build; the backfill after it rebuilds the range
    run_pipeline(history["landing"], warehouse)
    proc = finops("run", "--landing", str(history["landing"]), "--warehouse", str(warehouse), "--month", "2026-09..2026-10")
    assert "of 2 month(s): 2026-09, 2026-10" in proc.stdout + proc.stderr
    assert mart_differences(warehouse, history["scratch"]) == {}
    # nothing changed since: the next run builds nothing
    again = run_pipeline(history["landing"], warehouse)
    assert "dbt build skipped" in again.stdout + again.stderr


def test_month_arguments_are_checked(history):
    proc = finops("run", "--landing", str(history["landing"]), "--warehouse", str(history["warehouse"]),
                  "--month", "2026-13", check=False)
    assert proc.returncode == 2 and "'2026-13' is not a month (YYYY-MM)" in proc.stderr


def test_the_sensor_requests_only_the_changed_months(history, tmp_path, monkeypatch):
    from dagster_project.definitions import defs
    from dagster_project.jobs import changed_months_sensor
    from dagster_project.settings import Settings

    warehouse = tmp_path / "sensor" / "finops.duckdb"
    landing = tmp_path / "landing"
    shutil.copytree(history["landing"], landing)
    run_pipeline(landing, warehouse)
    monkeypatch.setenv("FINOPS_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("FINOPS_LANDING_DIR", str(landing))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert isinstance(changed_months_sensor(dg.build_sensor_context()), dg.SkipReason)

    # September's CUR restated and only ingested (the nightly schedule's job)
    _restate(landing, "2026-09", 9, "aws_cur", tmp_path / "restated")
    settings = Settings.from_env()
    result = defs.resolve_job_def("ingest_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
        run_config={"resources": {"warehouse": {"config": settings.resource_config()}}})
    assert result.success
    request = changed_months_sensor(dg.build_sensor_context())
    assert isinstance(request, dg.RunRequest)
    assert request.tags["finops/months"] == "2026-09"
    assert (request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"]) == (
        "2026-09", "2026-09")


def test_the_dbt_assets_are_partitioned_by_month():
    from dagster_project.definitions import defs
    from dagster_project.partitions import monthly_partitions

    focus = defs.resolve_assets_def(dg.AssetKey(["marts", "focus_costs"]))
    assert focus.partitions_def == monthly_partitions
    assert isinstance(monthly_partitions, dg.MonthlyPartitionsDefinition)
    build = defs.resolve_job_def("build_job")
    assert build.partitions_def == monthly_partitions
    assert "2026-10" in monthly_partitions.get_partition_keys()
    # the ingest loads files, not months: its job has no partitions
    assert defs.resolve_job_def("ingest_job").partitions_def is None


def test_month_lists_and_ranges_parse_exactly():
    from dagster_project.partitions import months_from_tag, parse_months

    assert parse_months("2026-11..2027-02,2026-09") == ["2026-09", "2026-11", "2026-12", "2027-01", "2027-02"]
    assert parse_months("2026-10, 2026-10") == ["2026-10"]
    for bad, message in (("2026-1", "'2026-1' is not a month"), ("2026-10..2026-09", "the range ends before it starts")):
        with pytest.raises(ValueError, match=message):
            parse_months(bad)
    assert months_from_tag("all") == ("full", None) and months_from_tag("none") == ("skip", [])
    assert months_from_tag("2026-09,2026-10") == ("months", ["2026-09", "2026-10"]) and months_from_tag("") is None


def test_a_file_names_its_charge_months_beside_its_billing_period(history):
    # AWS CUR: the billing period, and the months of the usage days (the sample's are inside it)
    rows = query(history["warehouse"], "select billing_periods, charge_months from ops.ingest_files "
                                       "where source = 'aws_cur' and status = 'loaded' order by 1")
    assert rows == [("2026-09", "2026-09"), ("2026-09", "2026-09"), ("2026-10", "2026-10"), ("2026-10", "2026-10")]
    # what the build saw: every loaded CUR file's rows are in the months the ingest named
    seen = query(history["warehouse"], "select f.billing_periods, m.month from ops.file_months m "
                                       "join ops.ingest_files f using (file_id) where f.source = 'aws_cur' and f.status = 'loaded'")
    assert seen and all(month == periods for periods, month in seen)


def test_the_month_folders_add_no_column(history):
    # the views read the month folders with hive_partitioning off: partition_month is a folder name
    for relation in ("focus_costs", "focus_costs_allocated"):
        columns = [r[0] for r in query(history["warehouse"], f"describe marts.{relation}")]
        assert "partition_month" not in columns and "x_file_id" in columns


def test_a_build_in_chunks_of_months_equals_one_build(history, tmp_path):
    """FINOPS_BUILD_CHUNK_ROWS: a build whose months hold more rows than that runs dbt once per
    chunk of consecutive months (the first refreshes, the others append); 1 makes every month
    its own chunk. The result is the one-invocation build's, every mart, every column."""
    warehouse = tmp_path / "chunked" / "finops.duckdb"
    proc = run_pipeline(history["landing"], warehouse, env={"FINOPS_BUILD_CHUNK_ROWS": "1"})
    out = proc.stdout + proc.stderr
    found = re.search(r"of every month, in (\d+) dbt builds of at most 1 rows \(FINOPS_BUILD_CHUNK_ROWS\)", out)
    assert found, out[-3000:]
    chunks = int(found.group(1))
    # the two months of every source, and the days around them (AWS usage on the last day before)
    assert chunks >= 3 and f"dbt build {chunks}/{chunks}: " in out
    assert mart_differences(warehouse, history["scratch"]) == {}


def test_chunks_follow_the_rows_of_each_month():
    from dagster_project import partitions

    conn = duckdb.connect()
    conn.execute("create schema ops")
    conn.execute("create table ops.ingest_files (file_id varchar, status varchar, rows bigint, billing_periods varchar, "
                 "charge_months varchar)")
    conn.executemany("insert into ops.ingest_files values (?, ?, ?, ?, ?)", [
        ("a", "loaded", 100, "2026-08", "2026-07,2026-08"),  # 50 rows to each month
        ("b", "loaded", 300, "2026-09", "2026-09"),
        ("c", "loaded", 200, "2026-10", "2026-10"),
        ("d", "quarantined", 9999, "2026-10", "2026-10"),
    ])
    assert partitions.month_rows(conn) == {"2026-07": 50, "2026-08": 50, "2026-09": 300, "2026-10": 200}
    assert partitions.build_chunks(conn, None, 400) == [(["2026-07", "2026-08", "2026-09"], True), (["2026-10"], False)]
    assert partitions.build_chunks(conn, None, 600) == [(None, True)]
    assert partitions.build_chunks(conn, None, 0) == [(None, True)]
    assert partitions.build_chunks(conn, ["2026-09", "2026-10"], 400) == [(["2026-09"], False), (["2026-10"], False)]
    # a month bigger than the limit is a chunk of its own, never split
    assert partitions.build_chunks(conn, None, 100) == [
        (["2026-07", "2026-08"], True), (["2026-09"], False), (["2026-10"], False)]
