"""The file registry: quarantine with reasons, duplicate skip, restatement, newest delivery wins."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.helpers import D, finops, query, run_pipeline, scalar
from tests.test_aws_cur import CASES, EXPECTED_BILLED_TOTAL, write_cur_csv

MAIN = "aws_cur/platform-cur2/data/BILLING_PERIOD=2026-10/platform-cur2-00001.snappy.parquet"


def _file_totals(warehouse: Path, path: str) -> tuple[int, object]:
    return query(warehouse, "select count(*), sum(BilledCost) from marts.focus_costs where x_source_file = ?", [path])[0]


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("messy")
    landing, warehouse = root / "landing", root / "w.duckdb"
    finops("sample", "--out", str(landing), "--month", "2026-10", "--seed", "3", "--rows", "500", "--source", "aws_cur")
    good = landing / MAIN
    # a truncated parquet: the first half of a real one
    trunc = landing / "aws_cur" / "broken" / "data" / "BILLING_PERIOD=2026-10" / "broken-00001.snappy.parquet"
    trunc.parent.mkdir(parents=True)
    trunc.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    # a CSV without line_item_unblended_cost
    nocost = landing / "aws_cur" / "nocost" / "nocost.csv"
    write_cur_csv(nocost)
    lines = nocost.read_text().splitlines()
    header = lines[0].split(",")
    idx = header.index("line_item_unblended_cost")
    import csv
    import io

    out = io.StringIO()
    w = csv.writer(out)
    for row in csv.reader(lines):
        w.writerow(row[:idx] + row[idx + 1 :])
    nocost.write_text(out.getvalue())
    # the same file twice, at another path
    dup = landing / "aws_cur" / "copy" / "platform-copy.snappy.parquet"
    dup.parent.mkdir(parents=True)
    shutil.copy(good, dup)
    proc = run_pipeline(landing, warehouse)
    return {"landing": landing, "warehouse": warehouse, "proc": proc, "good": good}


def test_bad_files_are_quarantined_with_reasons_and_alerts(messy):
    w = messy["warehouse"]
    rows = dict(query(w, "select path, reason from ops.ingest_files where status = 'quarantined'"))
    assert set(rows) == {
        "aws_cur/broken/data/BILLING_PERIOD=2026-10/broken-00001.snappy.parquet",
        "aws_cur/nocost/nocost.csv",
    }
    assert "cannot read parquet file" in rows["aws_cur/broken/data/BILLING_PERIOD=2026-10/broken-00001.snappy.parquet"]
    assert rows["aws_cur/nocost/nocost.csv"] == "missing required column(s): line_item_unblended_cost"
    alerts = query(w, "select subject, severity from ops.alerts where check_name = 'file_quarantined' order by subject")
    assert [a[0] for a in alerts] == ["aws_cur: aws_cur/broken/data/BILLING_PERIOD=2026-10/broken-00001.snappy.parquet",
                                      "aws_cur: aws_cur/nocost/nocost.csv"]
    assert {a[1] for a in alerts} == {"error"}
    assert "quarantined" in messy["proc"].stdout


def test_good_files_load_and_the_duplicate_is_skipped(messy):
    w = messy["warehouse"]
    loaded = query(w, "select path, rows from ops.ingest_files where status = 'loaded' order by path")
    assert [p for p, _ in loaded] == [
        "aws_cur/jp-payer-cur2/data/BILLING_PERIOD=2026-10/jp-payer-cur2-00001.snappy.parquet",
        MAIN,
    ]
    # nothing counted twice: focus rows are exactly the two good files' rows
    assert scalar(w, "select count(*) from marts.focus_costs") == sum(r for _, r in loaded)
    assert scalar(w, "select count(*) from marts.focus_costs where x_source_file like 'aws_cur/copy/%'") == 0


def test_rerun_is_idempotent(messy):
    w = messy["warehouse"]
    before = query(w, "select count(*), sum(BilledCost) from marts.focus_costs")[0]
    run_pipeline(messy["landing"], w)
    assert query(w, "select count(*), sum(BilledCost) from marts.focus_costs")[0] == before
    assert scalar(w, "select count(*) from ops.alerts where check_name = 'file_quarantined'") == 2  # no repeat alert


def test_restated_month_replaces_the_earlier_delivery(messy, tmp_path):
    w, good = messy["warehouse"], messy["good"]
    old_rows, _ = _file_totals(w, MAIN)
    # AWS rewrites the period's file in place with new content
    fresh = tmp_path / "fresh"
    finops("sample", "--out", str(fresh), "--month", "2026-10", "--seed", "99", "--rows", "1500", "--source", "aws_cur")
    new_file = fresh / MAIN
    shutil.copy(new_file, good)
    os.utime(good, (time.time() + 5, time.time() + 5))
    run_pipeline(messy["landing"], w)
    new_rows = scalar(w, "select rows from ops.ingest_files where path = ? and status = 'loaded'", [MAIN])
    assert new_rows != old_rows
    assert _file_totals(w, MAIN)[0] == new_rows
    assert scalar(w, "select count(*) from ops.ingest_files where path = ? and status = 'superseded'", [MAIN]) == 1
    total_loaded = scalar(w, "select sum(rows) from ops.ingest_files where status = 'loaded'")
    assert scalar(w, "select count(*) from marts.focus_costs") == total_loaded


def test_a_newer_delivery_folder_of_the_same_period_supersedes_the_older(tmp_path):
    landing, w = tmp_path / "landing", tmp_path / "w.duckdb"
    first = landing / "aws_cur" / "snap" / "data" / "BILLING_PERIOD=2026-10" / "20261015T0100Z" / "part-1.csv"
    write_cur_csv(first)
    os.utime(first, (time.time() - 100, time.time() - 100))
    second = landing / "aws_cur" / "snap" / "data" / "BILLING_PERIOD=2026-10" / "20261016T0100Z" / "part-1.csv"
    write_cur_csv(second)
    # the later snapshot restates one line: the usage row costs 3.0240 instead of 2.0160
    second.write_text(second.read_text().replace("2.0160", "3.0240", 1))
    run_pipeline(landing, w)
    statuses = dict(query(w, "select path, status from ops.ingest_files"))
    assert statuses == {
        "aws_cur/snap/data/BILLING_PERIOD=2026-10/20261015T0100Z/part-1.csv": "superseded",
        "aws_cur/snap/data/BILLING_PERIOD=2026-10/20261016T0100Z/part-1.csv": "loaded",
    }
    assert query(w, "select count(*), sum(BilledCost) from marts.focus_costs")[0] == (
        len(CASES), EXPECTED_BILLED_TOTAL + D("1.008"))
