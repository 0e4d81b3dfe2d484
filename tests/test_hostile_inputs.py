"""Hostile input: every bad file is quarantined whole with a readable reason; good files load exactly."""

from __future__ import annotations

import csv
import io
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagster_project.ingest import SOURCES
from dagster_project.ingest.registry import ingest_source
from dagster_project.warehouse import open_warehouse
from tests.cur_fixtures import BASE, usage, write_cur_rows
from tests.helpers import query, run_pipeline

GOOD_ROWS = [usage("60.00", "0.40", "150", "Hrs", "payments"), usage("30.00", "0.40", "75", "Hrs", "search")]
INJECTED_TAG_HEADER = "resourceTags/user:tenant') || read_text('/proc/self/environ') || ('"


def _csv_text(rows: list[dict], delimiter: str = ",") -> str:
    cols = list(BASE)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=cols, delimiter=delimiter, extrasaction="ignore")
    w.writeheader()
    for i, r in enumerate(rows):
        w.writerow(dict(BASE, identity_line_item_id=f"h{i}", **r))
    return out.getvalue()


def _hostile_files(root: Path) -> dict[str, tuple[bytes, str | None]]:
    """relative path -> (content, expected reason fragment; None = must load)."""
    good = _csv_text(GOOD_ROWS)
    cases: dict[str, tuple[bytes, str | None]] = {
        "empty.csv": (b"", "empty file (0 bytes)"),
        "header_only.csv": (good.splitlines()[0].encode() + b"\n", "no data rows"),
        "truncated.parquet": (b"PAR1\x00\x01garbage", "cannot read parquet file"),
        "shift_jis.csv": (good.replace("payments", "需要予測").encode("shift_jis"), "cannot read csv file"),
        "missing_cost.csv": (good.replace("line_item_unblended_cost", "line_item_blended_cost").encode(), "missing required column(s): line_item_unblended_cost"),
        "thousands_sep.csv": (_csv_text([usage('"1,234.00"', "0.40", "1", "Hrs", "payments")]).replace('"""1,234.00"""', '"1,234.00"').encode(),
                              "line_item_unblended_cost"),
        "absurd.csv": (_csv_text([usage("1e30", "0.40", "1", "Hrs", "payments")]).encode(), "line_item_unblended_cost"),
        "big_but_castable.csv": (_csv_text([usage("5e15", "0.40", "1", "Hrs", "payments")]).encode(), "absurd cost"),
        "nan.csv": (_csv_text([usage("NaN", "0.40", "1", "Hrs", "payments")]).encode(), "line_item_unblended_cost"),
        "bad_date.csv": (_csv_text([usage("1.00", "1", "1", "Hrs", "payments", line_item_usage_start_date="yesterday")]).encode(),
                         "line_item_usage_start_date"),
        "out_of_period.csv": (_csv_text([usage("1.00", "1", "1", "Hrs", "payments", line_item_usage_start_date="2026-12-05T00:00:00Z",
                                               line_item_usage_end_date="2026-12-05T01:00:00Z")]).encode(), "outside the file's billing period"),
        "duplicates.csv": (_csv_text([dict(GOOD_ROWS[0], identity_time_interval="x")] * 2).replace("h1,", "h0,").encode(), "duplicate rows"),
        "empty_account.csv": (_csv_text([usage("1.00", "1", "1", "Hrs", "payments", line_item_usage_account_id="")]).encode(),
                              "line_item_usage_account_id is empty: 1 row(s)"),
        "tags_not_json.csv": (_csv_text([usage("1.00", "1", "1", "Hrs", None, resource_tags="{not json")]).encode(), "resource_tags"),
        # must load: BOM, semicolons (sniffed), hostile but valid tag values, an unknown extra column
        "bom.csv": ("\ufeff".encode() + good.encode(), None),
        "semicolon.csv": (_csv_text(GOOD_ROWS, delimiter=";").encode(), None),
        "hostile_tags.csv": (_csv_text([usage("2.00", "1", "2", "Hrs", None, resource_tags=json.dumps({
            "user_tenant": "payments", "user_note": "it's \"quoted\"\nnew line; drop table raw.x; --",
            "user_formula": "=HYPERLINK(\"http://x\")", "user_plus": "+1", "user_at": "@SUM(A1)", "user_long": "x" * 5000}))]).encode(), None),
        "extra_column.csv": (good.replace("line_item_resource_id", "line_item_resource_id,x_new_column").replace("\r\n", ",extra\r\n")
                             .replace("x_new_column,extra", "x_new_column", 1).encode(), None),
        # issue #19: a file name that is a glob reads only itself; tag keys from legacy headers are data, not SQL
        "glob_*.csv": (_csv_text([usage("3.00", "1", "3", "Hrs", "search")]).encode(), None),
        "legacy_tag_header.csv": (_csv_text([usage("4.00", "1", "4", "Hrs", None, resource_tags="payments")]).replace(
            "resource_tags", INJECTED_TAG_HEADER, 1).encode(), None),
        "apostrophe_tag_header.csv": (_csv_text([usage("5.00", "1", "5", "Hrs", None, resource_tags="x")]).replace(
            "resource_tags", "resourceTags/user:o'brien", 1).encode(), None),
    }
    return cases


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("hostile")
    landing, warehouse = root / "landing", root / "w.duckdb"
    folder = landing / "aws_cur" / "hostile"
    folder.mkdir(parents=True)
    cases = _hostile_files(root)
    for name, (content, _) in cases.items():
        (folder / name).write_bytes(content)
    outside = root / "outside.csv"
    outside.write_text(_csv_text(GOOD_ROWS))
    os.symlink(outside, folder / "symlink_out.csv")
    cases["symlink_out.csv"] = (b"", "symlink points outside the landing folder")
    write_cur_rows(landing / "aws_cur" / "good" / "data" / "BILLING_PERIOD=2026-10" / "good.csv", GOOD_ROWS)
    proc = run_pipeline(landing, warehouse, check=False)
    return {"landing": landing, "warehouse": warehouse, "cases": cases, "proc": proc}


def test_every_hostile_file_gets_its_reason_and_nothing_partial(hostile):
    w = hostile["warehouse"]
    registry = {Path(p).name: (status, reason, rows) for p, status, reason, rows in query(
        w, "select path, status, reason, rows from ops.ingest_files")}
    tried = quarantined_ok = 0
    wrong = []
    for name, (_, expected) in hostile["cases"].items():
        status, reason, _rows = registry[name]
        tried += 1
        if expected is None:
            if status != "loaded":
                wrong.append((name, status, reason))
            continue
        if status != "quarantined" or expected not in (reason or ""):
            wrong.append((name, status, reason))
            continue
        quarantined_ok += 1
        assert query(w, "select count(*) from marts.focus_costs where x_source_file like ?", [f"%/{name}"])[0][0] == 0
    assert wrong == []
    expected_bad = sum(1 for _, e in hostile["cases"].values() if e)
    print(f"\nhostile input: {tried} cases tried, {quarantined_ok}/{expected_bad} quarantined with the expected reason, "
          f"0 rows from bad files loaded")
    assert quarantined_ok == expected_bad
    alerts = query(w, "select count(*) from ops.alerts where check_name = 'file_quarantined'")[0][0]
    assert alerts == expected_bad


def test_good_files_load_exactly(hostile):
    w = hostile["warehouse"]
    assert query(w, "select sum(BilledCost) from marts.focus_costs where x_source_file like '%/good.csv'")[0][0] == Decimal("90.00")
    # the hostile-but-valid tags survive as data, never as SQL
    tags = query(w, "select Tags from marts.focus_costs where x_source_file like '%/hostile_tags.csv'")[0][0]
    parsed = json.loads(tags)
    assert parsed["note"].startswith("it's \"quoted\"\nnew line; drop table")
    assert parsed["formula"].startswith("=HYPERLINK")
    assert query(w, "select count(*) from information_schema.tables where table_schema = 'raw'")[0][0] >= 1
    # a glob-named file is read alone: its 1 row, not its 20 siblings'
    assert query(w, "select count(*), sum(BilledCost) from marts.focus_costs where x_source_file like '%/glob_*.csv'") == [
        (1, Decimal("3.00"))]
    # the tag key from the header is a string in Tags; the environment was never read
    [(injected,)] = query(w, "select Tags from marts.focus_costs where x_source_file like '%/legacy_tag_header.csv'")
    assert list(json.loads(injected).values()) == ["payments"] and "read_text" in next(iter(json.loads(injected)))
    assert "PATH=" not in injected
    [(apostrophe,)] = query(w, "select Tags from marts.focus_costs where x_source_file like '%/apostrophe_tag_header.csv'")
    assert json.loads(apostrophe) == {"o'brien": "x"}


# --- generated variations, straight through the loader (no dbt): whole file in or whole file out ---

cost_text = st.one_of(
    st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=4, allow_nan=False).map(str),
    st.sampled_from(["", "NaN", "inf", "1,234", "1e40", "abc", "12.5.3", "--1", "0x1F", " 7 "]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(costs=st.lists(cost_text, min_size=1, max_size=6),
       tag=st.text(min_size=0, max_size=40))
def test_generated_files_load_whole_or_not_at_all(tmp_path, costs, tag):
    landing = tmp_path / f"l{abs(hash((tuple(costs), tag))) % 10**9}"
    rows = [usage(c, "1", "1", "Hrs", tag or None) for c in costs]
    write_cur_rows(landing / "aws_cur" / "gen" / "f.csv", rows)
    with open_warehouse(tmp_path / f"{landing.name}.duckdb") as conn:
        report = ingest_source(conn, landing, SOURCES["aws_cur"])
        loaded = conn.execute("select count(*) from raw.aws_cur_line_items").fetchone()[0]
        status, reason = conn.execute("select status, reason from ops.ingest_files").fetchone()
    parseable = []
    for c in costs:
        try:
            # an empty cost is a missing required value: the file is quarantined too
            v = Decimal(c.strip())
            parseable.append(v.is_finite() and abs(v) < Decimal("1e12"))
        except ArithmeticError:
            parseable.append(False)
    assert not report.loaded or not report.quarantined
    if all(parseable):
        assert status == "loaded" and loaded == len(rows), reason
    else:
        assert status == "quarantined" and loaded == 0
        assert reason
