"""Shared harness for the tests on files providers and other projects wrote (tests/fixtures/real_exports).

Each file is laid, unedited, into the landing layout (`<source>/<file>`), the real CLI runs on it,
and the assertions compare the warehouse with values the test computes from the file itself.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from dagster_project.conformance import run_validator, validator_executable
from tests.helpers import REPO, query, run_pipeline

REAL = REPO / "tests" / "fixtures" / "real_exports"


def lay_out(tmp_path: Path, *rel_files: str) -> Path:
    """Copy real exports (paths relative to REAL, e.g. 'aws_cur/x.parquet') into a landing folder."""
    landing = tmp_path / "landing"
    for rel in rel_files:
        target = landing / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REAL / rel, target)
    return landing


def run_real(tmp_path: Path, *rel_files: str, check: bool = True, env: dict | None = None):
    """Run `finops run` on the given real exports; returns (warehouse, completed process)."""
    landing = lay_out(tmp_path, *rel_files)
    warehouse = tmp_path / "wh" / "finops.duckdb"
    proc = run_pipeline(landing, warehouse, env=env, check=check)
    return warehouse, proc


def assert_completed(warehouse: Path) -> None:
    """The chargeback and balance marts are built and every day and month balances to zero."""
    for table in ("marts.fct_chargeback_daily", "marts.fct_chargeback_monthly",
                  "marts.fct_platform_balance_daily", "marts.fct_platform_balance_monthly"):
        query(warehouse, f"select count(*) from {table}")  # raises if the model was not built
    out_of_balance = query(warehouse, """
        select 'day' as grain, cast(charge_date as varchar), currency, balance from marts.fct_platform_balance_daily where balance <> 0
        union all
        select 'month', cast(billing_month as varchar), currency, balance from marts.fct_platform_balance_monthly where balance <> 0""")
    assert out_of_balance == [], out_of_balance


def assert_file_conserved(warehouse: Path, rel: str, rows: int, billed: Decimal) -> None:
    """The file is loaded with the rows and billed cost the test computed from it, and
    marts.focus_costs holds exactly those rows and that cost."""
    registry = query(warehouse, "select status, reason, rows, cost_total from ops.ingest_files where path = ?", [rel])
    assert registry and registry[0][0] == "loaded", registry
    assert registry[0][2:] == (rows, billed), registry
    mart = query(warehouse, "select count(*), sum(BilledCost) from marts.focus_costs where x_source_file = ?", [rel])
    assert mart[0] == (rows, billed), mart


def quarantine_reason(warehouse: Path, rel: str) -> str:
    registry = query(warehouse, "select status, reason from ops.ingest_files where path = ?", [rel])
    assert registry and registry[0][0] == "quarantined", registry
    return registry[0][1]


def validator_unexpected(warehouse: Path, tmp_path: Path, where: str = "true") -> dict[str, str]:
    """The official focus-validator (FOCUS 1.2) on the selected rows of marts.focus_costs:
    failures not in dagster_project/focus_validator_allowlist.yml (empty dict = conformant)."""
    import pytest

    if not validator_executable().exists():
        pytest.skip("the official validator is missing: `make validator` creates .venv-focus-validator")
    out = tmp_path / "focus_rows.parquet"
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        conn.execute("set TimeZone = 'UTC'")
        table = conn.sql(f"select * from marts.focus_costs where {where}").to_arrow_table()
    finally:
        conn.close()
    assert table.num_rows > 0
    pq.write_table(table, out)
    return run_validator(out).unexpected
