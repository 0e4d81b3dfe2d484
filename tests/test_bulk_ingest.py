"""Issue #19: a month delivered as many parquet files of one layout is checked together, with
exactly the registry rows, totals and reasons the one-file path gives."""

from __future__ import annotations

import os
from decimal import Decimal

import duckdb
import pytest

from dagster_project.ingest import SOURCES, bulk, registry
from dagster_project.warehouse import open_warehouse
from tests.cur_fixtures import usage, write_cur_rows

SPEC = SOURCES["aws_cur"]
REGISTRY_COLUMNS = ("path, status, rows, cost_total, currency, billing_periods, columns_json, export_key, delivery_key, "
                    "coalesce(reason, '')")


def write_parquet(path, rows, mtime):
    csv_path = path.with_suffix(".csv.tmp")
    write_cur_rows(csv_path, rows)
    conn = duckdb.connect()
    conn.execute(f"copy (select * from read_csv('{csv_path}', all_varchar = true)) to '{path}' (format parquet)")
    conn.close()
    csv_path.unlink()
    os.utime(path, (mtime, mtime))


def month(landing, delivery=""):
    folder = landing / "aws_cur" / "big" / "data" / "BILLING_PERIOD=2026-10"
    return folder / delivery if delivery else folder


def lay_out(landing):
    # parts 0..11 cost 1.00 .. 12.00: payments the odd amounts (36.00), search the even (42.00)
    for i in range(12):
        write_parquet(month(landing) / f"part-{i:02d}.parquet",
                      [usage(f"{i + 1}.00", "1", str(i + 1), "Hrs", "payments" if i % 2 == 0 else "search",
                             identity_line_item_id=f"li-{i}")], 1_790_000_000 + i)
    # a cost that does not parse, and a copy of part 0's bytes under another name
    write_parquet(month(landing) / "part-12.parquet", [usage("1,234", "1", "1", "Hrs", "search")], 1_790_000_100)
    (month(landing) / "part-13.parquet").write_bytes((month(landing) / "part-00.parquet").read_bytes())
    os.utime(month(landing) / "part-13.parquet", (1_790_000_200, 1_790_000_200))


def ingest(tmp_path, landing, name="w.duckdb"):
    with open_warehouse(tmp_path / name) as conn:
        report = registry.ingest_source(conn, landing, SPEC)
        regs = conn.execute(f"select {REGISTRY_COLUMNS} from ops.ingest_files order by path").fetchall()
        raw = conn.execute("select count(*), sum(line_item_unblended_cost) from raw.aws_cur_line_items").fetchone()
    return report, regs, raw


def test_many_files_load_together_with_the_one_file_paths_outcome(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    lay_out(landing)
    seen = []
    real_group = bulk._load_group
    monkeypatch.setattr(bulk, "_load_group", lambda *a, **k: seen.append(len(a[3])) or real_group(*a, **k))
    report, regs, raw = ingest(tmp_path, landing)
    assert seen == [14]  # the whole month offered to the bulk path
    assert (len(report.loaded), len(report.quarantined), len(report.skipped)) == (12, 1, 1)
    assert raw == (12, Decimal("78.00"))
    by_path = {r[0].rsplit("/", 1)[-1]: r for r in regs}
    assert by_path["part-03.parquet"][1:4] == ("loaded", 1, Decimal("4.00"))
    assert by_path["part-12.parquet"][1] == "quarantined" and "line_item_unblended_cost" in by_path["part-12.parquet"][9]
    assert "part-13.parquet" not in by_path  # the same content again is skipped, not recorded twice

    # the one-file path on the same landing writes the same registry
    monkeypatch.setattr(bulk, "BULK_MIN_FILES", 10**9)
    _, one_by_one, raw_one = ingest(tmp_path, landing, "one_by_one.duckdb")
    assert one_by_one == regs and raw_one == raw


def test_a_restatement_and_a_new_delivery_after_a_bulk_load(tmp_path):
    landing = tmp_path / "landing"
    lay_out(landing)
    ingest(tmp_path, landing)
    # part 3 restated in place: 4.00 -> 100.00
    write_parquet(month(landing) / "part-03.parquet", [usage("100.00", "1", "1", "Hrs", "search", identity_line_item_id="li-3")],
                  1_790_000_300)
    report, _, raw = ingest(tmp_path, landing)
    assert report.superseded == ["aws_cur/big/data/BILLING_PERIOD=2026-10/part-03.parquet"]
    assert raw == (12, Decimal("174.00"))
    # a later delivery of the whole period (AWS's snapshot folders): only it counts, 10 x 2.50
    for i in range(10):
        write_parquet(month(landing, "20261201T000000Z") / f"part-{i:02d}.parquet",
                      [usage("2.50", "1", "1", "Hrs", "payments", identity_line_item_id=f"new-{i}")], 1_790_001_000 + i)
    report, regs, raw = ingest(tmp_path, landing)
    assert len(report.loaded) == 10 and raw == (10, Decimal("25.00"))
    statuses = {}
    for r in regs:
        statuses[r[1]] = statuses.get(r[1], 0) + 1
    assert statuses == {"loaded": 10, "superseded": 13, "quarantined": 1}


@pytest.mark.parametrize("bad", ["empty", "no_period"])
def test_a_file_failing_a_check_in_the_bulk_scan_gets_its_own_reason(tmp_path, bad):
    landing = tmp_path / "landing"
    lay_out(landing)
    row = usage("5.00", "1", "1", "Hrs", "search", bill_billing_period_start_date="") if bad == "no_period" else None
    path = month(landing) / "part-99.parquet"
    if row:
        write_parquet(path, [row], 1_790_000_400)
    else:
        write_parquet(path, [usage("5.00", "1", "1", "Hrs", "search")], 1_790_000_400)
        conn = duckdb.connect()
        conn.execute(f"copy (select * from read_parquet('{path}') where false) to '{path}.tmp' (format parquet)")
        conn.close()
        os.replace(f"{path}.tmp", path)
    report, _regs, raw = ingest(tmp_path, landing)
    reasons = dict(report.quarantined)
    key = "aws_cur/big/data/BILLING_PERIOD=2026-10/part-99.parquet"
    assert key in reasons
    assert ("no data rows" if bad == "empty" else "no billing period") in reasons[key]
    assert raw == (12, Decimal("78.00"))
