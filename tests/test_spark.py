"""Scale out (README "Scaling out"): the same dbt project built on Apache Spark (dbt-spark's
session method, PySpark in local mode) from the demo's landed raw data exported as parquet,
gives the FOCUS, allocation/chargeback, balance, token and TEI marts of the DuckDB build row
for row and to the last digit. `make test-spark` runs only this module; `make test` runs it too.

Spark builds the seeds, the models and the singular tests (the zero balance, the pool splits
and the per-source conservation); the ~600 generic column tests run on DuckDB in the rest of
the suite (on Spark they would add ~10 minutes of per-query overhead on the CI machine)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from decimal import Decimal

import duckdb
import pytest

from tests.helpers import BIN, REPO, finops, run_pipeline

pytestmark = [pytest.mark.spark, pytest.mark.slow]

DBT_DIR = REPO / "dbt_project"

# the marts the issue names, and every other dbt mart must match too
REQUIRED_MARTS = [
    "focus_costs",
    "fct_allocation_detail",
    "fct_chargeback_daily",
    "fct_chargeback_monthly",
    "fct_platform_balance_daily",
    "fct_platform_balance_monthly",
    "tei_benefits",
    "tei_costs",
    "tei_cash_flow",
    "tei_summary",
    "tei_sensitivity",
]


def _dbt_marts() -> list[str]:
    return sorted(p.stem for p in (DBT_DIR / "models" / "marts").rglob("*.sql"))


def _build_on_spark(warehouse, root) -> dict:
    """Export `warehouse`'s raw tables as parquet under `root` and build the project on Spark
    there (a second call with the same root builds again on the same Spark catalog)."""
    assert shutil.which("java"), "the Spark test needs a Java runtime (17) on PATH"
    from dagster_project.raw_parquet import export_raw_parquet

    raw_dir, spark_dir = root / "raw_parquet", root / "spark"
    shutil.rmtree(raw_dir, ignore_errors=True)
    started = time.monotonic()
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        exported = export_raw_parquet(conn, raw_dir)
    finally:
        conn.close()
    export_seconds = time.monotonic() - started

    env = dict(
        os.environ,
        DO_NOT_TRACK="1",
        FINOPS_DBT_TARGET="spark",
        FINOPS_WAREHOUSE=str(warehouse),
        FINOPS_RAW_PARQUET_DIR=str(raw_dir),
        FINOPS_SPARK_DIR=str(spark_dir),
    )
    # int_charges_shaped numbers every charge in one window: at the profile's 4g default the demo
    # sometimes sat in full GCs for 10+ minutes (608 full GCs, 749 s of GC); the box has 24 GB
    env.setdefault("FINOPS_SPARK_DRIVER_MEMORY", "8g")
    started = time.monotonic()
    proc = subprocess.run(
        [
            str(BIN / "dbt"), "build", "--target", "spark", "--profiles-dir", str(DBT_DIR),
            "--target-path", str(root / "target"), "--log-path", str(root / "logs"),
            "--exclude", "test_type:generic", "test_type:unit",
        ],
        cwd=DBT_DIR, env=env, capture_output=True, text=True, timeout=1800, check=False,
    )
    build_seconds = time.monotonic() - started
    assert proc.returncode == 0, f"dbt build on Spark failed:\n{proc.stdout[-8000:]}\n{proc.stderr[-4000:]}"
    print(f"\nSpark: raw parquet export {export_seconds:.1f} s, dbt build {build_seconds:.1f} s")
    return {"root": root, "spark_dir": spark_dir, "raw_dir": raw_dir, "exported": exported, "stdout": proc.stdout}


@pytest.fixture(scope="module")
def spark_build(demo) -> dict:
    """Export the demo warehouse's raw tables as parquet and build the project on Spark."""
    root = demo["root"] / "spark_target"
    shutil.rmtree(root, ignore_errors=True)
    return _build_on_spark(demo["warehouse"], root)


def _canonical(value):
    """Exact comparison: decimals by value (Decimal equality is exact), everything else as is."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    assert not isinstance(value, float), f"float in a mart: {value!r}"
    return value


def _rows(conn, sql: str) -> tuple[list[str], list[str], list[tuple]]:
    cur = conn.execute(sql)
    names = [d[0] for d in cur.description]
    types = [str(d[1]) for d in cur.description]
    rows = [tuple(_canonical(v) for v in row) for row in cur.fetchall()]
    # a full key: every column, nulls first
    rows.sort(key=lambda row: tuple((v is not None, str(v)) for v in row))
    return names, types, rows


def test_raw_parquet_holds_every_source_table(demo, spark_build):
    conn = duckdb.connect(str(demo["warehouse"]), read_only=True)
    try:
        for name, count in spark_build["exported"].items():
            schema, table = name.split(".")
            assert conn.execute(f"select count(*) from {schema}.{table}").fetchone()[0] == count
            path = spark_build["raw_dir"] / schema / table / "data.parquet"
            assert conn.execute(f"select count(*) from read_parquet('{path}')").fetchone()[0] == count
    finally:
        conn.close()
    assert {"raw.aws_cur_line_items", "raw.focus_export_rows", "ops.ingest_files"} <= set(spark_build["exported"])


def test_singular_tests_pass_on_spark(spark_build):
    out = spark_build["stdout"]
    for test in ("assert_platform_balance_is_zero", "assert_pool_splits_sum_to_pools", "assert_source_totals_conserved"):
        assert f"PASS {test}" in out, f"{test} did not pass on Spark"


@pytest.mark.parametrize("mart", _dbt_marts())
def test_spark_mart_equals_duckdb_mart(demo, spark_build, mart):
    files = spark_build["spark_dir"] / "warehouse" / "marts.db" / mart
    assert any(files.glob("*.parquet")), f"Spark wrote no parquet for marts.{mart}"
    conn = duckdb.connect(str(demo["warehouse"]), read_only=True)
    try:
        conn.execute("set TimeZone = 'UTC'")
        duck_names, duck_types, duck_rows = _rows(conn, f"select * from marts.{mart}")
        spark_names, spark_types, spark_rows = _rows(conn, f"select * from read_parquet('{files}/*.parquet')")
    finally:
        conn.close()
    assert spark_names == duck_names
    assert spark_types == duck_types, [(n, d, s) for n, d, s in zip(duck_names, duck_types, spark_types) if d != s]
    assert len(spark_rows) == len(duck_rows)
    if mart in ("focus_costs", "fct_chargeback_daily", "fct_platform_balance_daily", "tei_summary"):
        assert duck_rows, f"marts.{mart} is empty on the demo data: the comparison would prove nothing"
    differing = [(d, s) for d, s in zip(duck_rows, spark_rows) if d != s]
    assert not differing, f"{len(differing)} rows differ; first:\nduckdb {differing[0][0]}\nspark  {differing[0][1]}"


def test_the_issue_marts_are_compared():
    assert set(REQUIRED_MARTS) <= set(_dbt_marts())


def test_spark_marts_publish_into_duckdb(tmp_path, demo, spark_build, monkeypatch):
    """FINOPS_DBT_TARGET=spark in Dagster: Spark computes, DuckDB serves the same tables."""
    from dagster_project import spark_target

    monkeypatch.setenv("FINOPS_SPARK_DIR", str(spark_build["spark_dir"]))
    warehouse = tmp_path / "served.duckdb"
    conn = duckdb.connect(str(warehouse))
    try:
        published = spark_target.publish_to_duckdb(conn, warehouse)
        assert {f"marts.{m}" for m in _dbt_marts()} <= set(published)
        assert "reference.currencies" in published
        served = conn.execute("select count(*), sum(EffectiveCost) from marts.focus_costs").fetchone()
    finally:
        conn.close()
    original = duckdb.connect(str(demo["warehouse"]), read_only=True)
    try:
        assert served == original.execute("select count(*), sum(EffectiveCost) from marts.focus_costs").fetchone()
    finally:
        original.close()


def test_dagster_selects_the_dbt_target_from_the_environment():
    code = (
        "from dagster_project.dbt_project import dbt_project; "
        "from dagster_project.resources import build_resources; "
        "print(dbt_project.target, build_resources()['dbt'].target)"
    )
    for target in ("spark", "duckdb"):
        env = dict(os.environ, FINOPS_DBT_TARGET=target, DO_NOT_TRACK="1")
        proc = subprocess.run([str(BIN / "python"), "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert proc.stdout.split()[-2:] == [target, target]


# --- a restated month on Spark (issue #21) ---------------------------------------------------

RESTATED_MONTH = "2026-11"  # the month after the demo's
MONTHLY_TOTALS = {
    "focus_costs": "select strftime(ChargePeriodStart, '%Y-%m') as month, count(*), sum(BilledCost), sum(EffectiveCost) "
                   "from {rel} group by 1 order by 1",
    "focus_costs_allocated": "select strftime(ChargePeriodStart, '%Y-%m') as month, count(*), sum(EffectiveCost), "
                             "sum(x_chargeback_amount) from {rel} group by 1 order by 1",
    "fct_chargeback_monthly": "select billing_month, count(*), sum(total_cost) from {rel} group by 1 order by 1",
    "fct_platform_balance_monthly": "select billing_month, platform_cost, charged_back, balance from {rel} order by 1",
}


def _spark_totals(spark_dir) -> dict[str, list[tuple]]:
    conn = duckdb.connect()
    try:
        conn.execute("set TimeZone = 'UTC'")
        return {mart: [tuple(_canonical(v) for v in row) for row in conn.execute(sql.format(
                    rel=f"read_parquet('{spark_dir / 'warehouse' / 'marts.db' / mart}/*.parquet')")).fetchall()]
                for mart, sql in MONTHLY_TOTALS.items()}
    finally:
        conn.close()


def _duckdb_totals(warehouse) -> dict[str, list[tuple]]:
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        conn.execute("set TimeZone = 'UTC'")
        return {mart: [tuple(_canonical(v) for v in row) for row in conn.execute(sql.format(rel=f"marts.{mart}")).fetchall()]
                for mart, sql in MONTHLY_TOTALS.items()}
    finally:
        conn.close()


def _sample_cur(landing, month: str, seed: int) -> None:
    finops("sample", "--out", str(landing), "--month", month, "--seed", str(seed), "--rows", "1500", "--source", "aws_cur")


@pytest.fixture(scope="module")
def spark_restated(demo, tmp_path_factory) -> dict:
    """The demo plus November's CUR built on Spark; then November's CUR re-delivered (same
    paths, other content), landed, and built again on the same Spark catalog, where the
    chargeback and balance tables take their incremental path (replace the months, append)."""
    root = tmp_path_factory.mktemp("spark_restated")
    landing, warehouse = root / "landing", root / "warehouse" / "finops.duckdb"
    shutil.copytree(demo["landing"], landing)
    _sample_cur(landing, RESTATED_MONTH, 11)
    run_pipeline(landing, warehouse)
    spark_root = root / "spark_target"
    _build_on_spark(warehouse, spark_root)
    before = _spark_totals(spark_root / "spark")
    staged = root / "restated"
    _sample_cur(staged, RESTATED_MONTH, 12)
    for f in staged.rglob("*.parquet"):
        target = landing / f.relative_to(staged)
        assert target.exists(), f"{target} is not a file of the first delivery"
        shutil.copyfile(f, target)
    run_pipeline(landing, warehouse)  # lands the restated file
    second = _build_on_spark(warehouse, spark_root)
    scratch = root / "scratch" / "finops.duckdb"
    run_pipeline(landing, scratch)
    assert "PASS assert_platform_balance_is_zero" in second["stdout"]
    return {"before": before, "after": _spark_totals(spark_root / "spark"), "scratch": _duckdb_totals(scratch)}


def test_spark_restated_month_replaces_exactly_its_rows(spark_restated):
    before, after, scratch = spark_restated["before"], spark_restated["after"], spark_restated["scratch"]
    for mart in MONTHLY_TOTALS:
        assert after[mart] == scratch[mart], mart
    months = [row[0] for row in after["focus_costs"]]
    assert RESTATED_MONTH in months and "2026-10" in months
    by_month = {mart: {row[0]: row for row in rows} for mart, rows in (("before", before["focus_costs"]), ("after", after["focus_costs"]))}
    # November changed, October (the demo's month) did not, and nothing doubled
    assert by_month["after"][RESTATED_MONTH] != by_month["before"][RESTATED_MONTH]
    assert by_month["after"]["2026-10"] == by_month["before"]["2026-10"]
    assert after["fct_platform_balance_monthly"] and all(row[-1] == "0" for row in after["fct_platform_balance_monthly"])
