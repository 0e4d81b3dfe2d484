"""One good file next to each kind of bad one, through the real CLI: the good file is charged
back in full and balances, every bad one is quarantined (or ignored) with its reason and an
alert, and the run's summary names what was left out."""

from __future__ import annotations

import json

import pytest

from tests.cur_fixtures import usage, write_cur_rows
from tests.helpers import D, query, run_pipeline

PERIOD = "BILLING_PERIOD=2026-10"
# payments 60.00 + search 30.00 variable, tax 1.00 split 60 : 30 -> 0.67 / 0.33 (largest remainder)
GOOD = [
    usage("60.00", "0.40", "150", "Hrs", "payments"),
    usage("30.00", "0.40", "75", "Hrs", "search"),
    dict(line_item_line_item_type="Tax", line_item_unblended_cost="1.00"),
]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("mixed")
    landing, warehouse = root / "landing", root / "wh" / "finops.duckdb"
    data = landing / "aws_cur" / "cur2" / "data" / PERIOD
    write_cur_rows(data / "good.csv", GOOD)
    # a row that would map to NULL in a FOCUS-mandatory column (BillingAccountId)
    write_cur_rows(data / "null_account.csv", [usage("7.00", "0.70", "10", "Hrs", "payments", bill_payer_account_id="",
                                                      identity_line_item_id="n1")])
    # a currency the ECB publishes no rate for
    write_cur_rows(data / "xyz.csv", [usage("5.00", "0.50", "10", "Hrs", "search", line_item_currency_code="XYZ",
                                            identity_line_item_id="x1")])
    # a format the CUR source does not read
    (data / "costs.xlsx").write_bytes(b"PK\x03\x04 spreadsheet")
    proc = run_pipeline(landing, warehouse)
    return {"warehouse": warehouse, "stdout": proc.stdout}


def test_the_good_file_is_charged_back_in_full(mixed):
    w = mixed["warehouse"]
    rows = query(w, "select tenant, variable_cost, common_cost, total_cost from marts.fct_chargeback_monthly order by tenant")
    assert rows == [("payments", D("60.00"), D("0.67"), D("60.67")), ("search", D("30.00"), D("0.33"), D("30.33"))]
    assert query(w, "select platform_cost, charged_back, balance from marts.fct_platform_balance_monthly") == [
        (D("91.00"), D("91.00"), D("0"))]


def test_each_bad_file_is_excluded_with_its_reason_and_an_alert(mixed):
    w = mixed["warehouse"]
    status = {p.rsplit("/", 1)[-1]: (s, r) for p, s, r in query(w, "select path, status, reason from ops.ingest_files")}
    assert status["good.csv"] == ("loaded", None)
    assert status["null_account.csv"][0] == "quarantined"
    assert "bill_payer_account_id is empty: 1 row(s)" in status["null_account.csv"][1]
    assert status["xyz.csv"][0] == "quarantined"
    assert "no ECB exchange rate for currency XYZ" in status["xyz.csv"][1]
    assert status["costs.xlsx"][0] == "ignored"
    alerts = {json.loads(d)["path"].rsplit("/", 1)[-1]: c for c, d in query(
        w, "select check_name, details_json from ops.alerts where check_name in ('file_quarantined', 'file_ignored')")}
    assert alerts == {"null_account.csv": "file_quarantined", "xyz.csv": "file_quarantined",
                      "costs.xlsx": "file_ignored"}


def test_the_summary_lists_the_excluded_files_and_their_cost(mixed):
    out = mixed["stdout"]
    assert "excluded files:     3 (in no chargeback; see ops.ingest_files)" in out
    assert "quarantined aws_cur/cur2/data/BILLING_PERIOD=2026-10/null_account.csv (7.00 USD)" in out
    assert "quarantined aws_cur/cur2/data/BILLING_PERIOD=2026-10/xyz.csv (5.00 XYZ)" in out
    assert "ignored aws_cur/cur2/data/BILLING_PERIOD=2026-10/costs.xlsx (cost unknown)" in out
