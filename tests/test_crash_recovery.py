"""A run killed at any point is followed by a run with exactly the right totals; runs do not overlap."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.helpers import BIN, REPO, finops, query, run_pipeline

KILL_AFTER_SECONDS = [1.0, 3.0, 6.0, 12.0]


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("crash")
    landing = root / "landing"
    finops("sample", "--out", str(landing), "--month", "2026-10", "--seed", "11", "--rows", "60000", "--source", "aws_cur")
    glob = str(landing / "aws_cur" / "**" / "*.parquet")
    # the truth, read straight from the files
    rows, billed = duckdb.sql(
        f"select count(*), sum(cast(coalesce(line_item_net_unblended_cost, line_item_unblended_cost) as decimal(38, 10))) "
        f"from read_parquet('{glob}')").fetchall()[0]
    return {"root": root, "landing": landing, "rows": rows, "billed": billed}


def _start_run(landing: Path, warehouse: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "FINOPS_SLACK_WEBHOOK_URL"}
    return subprocess.Popen([str(BIN / "finops"), "run", "--landing", str(landing), "--warehouse", str(warehouse)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=REPO, start_new_session=True)


@pytest.mark.parametrize("kill_after", KILL_AFTER_SECONDS)
def test_killed_run_then_rerun_gives_exact_totals(landing, tmp_path, kill_after):
    warehouse = tmp_path / "w.duckdb"
    proc = _start_run(landing["landing"], warehouse)
    time.sleep(kill_after)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group: dbt's child process too
    proc.wait()
    run_pipeline(landing["landing"], warehouse)
    assert query(warehouse, "select count(*), sum(BilledCost) from marts.focus_costs")[0] == (landing["rows"], landing["billed"])
    # one loaded registry row per file, no orphans either way
    assert query(warehouse, "select count(*), count(distinct path) from ops.ingest_files where status = 'loaded'")[0] == (2, 2)
    assert query(warehouse, """
        select count(*) from raw.aws_cur_line_items r
        where not exists (select 1 from ops.ingest_files f where f.file_id = r._file_id and f.status = 'loaded')""")[0][0] == 0
    assert query(warehouse, "select sum(balance) from marts.fct_platform_balance_monthly")[0][0] == Decimal(0)


def test_a_second_run_waits_or_exits_with_a_clear_message(landing, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    first = _start_run(landing["landing"], warehouse)
    try:
        time.sleep(1.5)
        second = finops("run", "--landing", str(landing["landing"]), "--warehouse", str(warehouse), check=False)
        assert second.returncode != 0
        assert "another finops run holds the lock" in second.stderr
    finally:
        first.wait(timeout=600)
    assert first.returncode == 0
    # the second one, allowed to wait, runs after the first and changes nothing
    again = finops("run", "--landing", str(landing["landing"]), "--warehouse", str(warehouse), "--wait", "600")
    assert again.returncode == 0
    assert query(warehouse, "select count(*) from marts.focus_costs")[0][0] == landing["rows"]
