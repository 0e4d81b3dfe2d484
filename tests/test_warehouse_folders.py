"""Issue #26: each warehouse owns its stored files, and damage to them heals.

Two warehouses in one folder (`runs/w1.duckdb`, `runs/w12.duckdb`) built in turn keep exact
totals; a deleted raw copy is loaded again from the landing folder, a deleted model file makes
the next run rebuild the marts instead of skipping the build."""

from __future__ import annotations

import shutil

from tests.cur_fixtures import usage, write_cur_rows
from tests.helpers import D, query, run_pipeline

# hand totals: 60.00 + 30.00 (tenants) and 12.50 + 7.25 + 1.00 tax
ROWS_1 = [usage("60.00", "0.40", "150", "Hrs", "payments"), usage("30.00", "0.40", "75", "Hrs", "search")]
ROWS_12 = [usage("12.50", "0.50", "25", "Hrs", "payments"), usage("7.25", "0.25", "29", "Hrs", "analytics"),
           dict(line_item_line_item_type="Tax", line_item_unblended_cost="1.00")]


def _landing(root, name, rows):
    landing = root / f"landing_{name}"
    write_cur_rows(landing / "aws_cur" / "cur" / "data" / "BILLING_PERIOD=2026-10" / "part-0.csv", rows)
    return landing


def _totals(w):
    return (query(w, "select count(*), sum(BilledCost) from marts.focus_costs")[0],
            query(w, "select platform_cost, charged_back, balance from marts.fct_platform_balance_monthly"),
            query(w, "select count(*) from raw.aws_cur_line_items")[0][0])


def test_two_warehouses_in_one_folder_keep_their_own_files_and_heal(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    w1, w12 = runs / "w1.duckdb", runs / "w12.duckdb"
    land1, land12 = _landing(tmp_path, "1", ROWS_1), _landing(tmp_path, "12", ROWS_12)
    expected1 = ((2, D("90.00")), [(D("90.00"), D("90.00"), D("0"))], 2)
    expected12 = ((3, D("20.75")), [(D("20.75"), D("20.75"), D("0"))], 3)

    run_pipeline(land1, w1)
    run_pipeline(land12, w12)
    run_pipeline(land1, w1)  # interleaved: a run of one never prunes the other's files
    assert _totals(w1) == expected1
    assert _totals(w12) == expected12
    assert {p.name for p in runs.iterdir() if p.is_dir()} >= {"w1.raw_files", "w1.model_files", "w12.raw_files", "w12.model_files"}
    assert not (runs / "raw_files").exists() and not (runs / "model_files").exists()

    # damage: w1's stored raw copy and its charges model file (marts.focus_costs reads it) are deleted
    for p in (runs / "w1.raw_files" / "aws_cur").iterdir():
        p.unlink()
    # the model's build: a folder of month folders (README "Partitions")
    shaped = list((runs / "w1.model_files").glob("intermediate.int_charges_shaped.*"))
    assert shaped
    for p in shaped:
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    out = run_pipeline(land1, w1).stdout
    assert "the raw store's copy of aws_cur/cur/data/BILLING_PERIOD=2026-10/part-0.csv is missing" in out
    assert "model file(s) missing or unreadable" in out and "dbt build skipped" not in out
    assert _totals(w1) == expected1
    assert _totals(w12) == expected12

    # the landing folder no longer has the file either: quarantined with the reason, not silent
    for p in (runs / "w1.raw_files" / "aws_cur").iterdir():
        p.unlink()
    shutil.rmtree(land1 / "aws_cur")
    run_pipeline(land1, w1)
    [(status, reason)] = query(w1, "select status, reason from ops.ingest_files where path like '%part-0.csv'")
    assert status == "quarantined" and "landing folder no longer has it" in reason
    assert query(w1, "select count(*) from ops.alerts where check_name = 'file_quarantined'") == [(1,)]
    assert _totals(w12) == expected12
