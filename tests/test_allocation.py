"""Chargeback: a hand-computed allocation, zero balance, and breaking it on purpose."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.cur_fixtures import usage, write_cur_rows
from tests.helpers import BIN, REPO, D, finops, query, run_pipeline, scalar

# Three tenants on 2026-10-05 (USD, so the FX rate is 1):
#   payments  EC2 150 h x 0.40 = 60.00
#   search    EC2  75 h x 0.40 = 30.00, and a credit of -5.00  -> variable 25.00
#   analytics S3   25 GB-Mo x 0.40 = 10.00
# Common pools, split by variable cost 60 : 25 : 10 (total 95):
#   shared_tag (NAT, tag tenant=shared) 10.00 -> 6.3157.. / 2.6315.. / 1.0526..
#       floors 6.31 / 2.63 / 1.05 = 9.99; largest remainder (.5789) -> payments: 6.32 / 2.63 / 1.05
#   tax 1.00 -> 0.6315.. / 0.2631.. / 0.1052..; floors 0.63 / 0.26 / 0.10 = 0.99;
#       largest remainder (.5263) -> analytics: 0.63 / 0.26 / 0.11
EXPECTED = {
    # tenant: (variable, common, total)
    "payments": (D("60.00"), D("6.95"), D("66.95")),
    "search": (D("25.00"), D("2.89"), D("27.89")),
    "analytics": (D("10.00"), D("1.16"), D("11.16")),
}
EXPECTED_POOLS = {
    ("shared_platform", "payments"): D("6.32"), ("shared_platform", "search"): D("2.63"), ("shared_platform", "analytics"): D("1.05"),
    ("tax", "payments"): D("0.63"), ("tax", "search"): D("0.26"), ("tax", "analytics"): D("0.11"),
}

ROWS = [
    usage("60.00", "0.40", "150", "Hrs", "payments"),
    usage("30.00", "0.40", "75", "Hrs", "search"),
    usage("10.00", "0.40", "25", "GB-Mo", "analytics", product="AmazonS3"),
    dict(line_item_line_item_type="Credit", line_item_unblended_cost="-5.00", resource_tags=json.dumps({"user_tenant": "search"})),
    usage("10.00", "0.05", "200", "Hrs", "shared", product="AmazonVPC"),
    dict(line_item_line_item_type="Tax", line_item_unblended_cost="1.00"),
]


@pytest.fixture(scope="module")
def hand(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("alloc")
    landing, warehouse = root / "landing", root / "w.duckdb"
    write_cur_rows(landing / "aws_cur" / "hand" / "data" / "BILLING_PERIOD=2026-10" / "hand.csv", ROWS)
    run_pipeline(landing, warehouse)
    return {"root": root, "landing": landing, "warehouse": warehouse}


def test_hand_computed_chargeback(hand):
    rows = query(hand["warehouse"], "select tenant, variable_cost, common_cost, total_cost from marts.fct_chargeback_monthly")
    assert {r[0]: (r[1], r[2], r[3]) for r in rows} == EXPECTED


def test_hand_computed_pool_shares_and_rules(hand):
    rows = query(hand["warehouse"], """
        select pool, tenant, allocated_amount, driver, rule_id from marts.fct_allocation_detail where cost_kind = 'common'""")
    assert {(p, t): a for p, t, a, _, _ in rows} == EXPECTED_POOLS
    assert {(p, d, r) for p, _, _, d, r in rows} == {("shared_platform", "variable_cost", "shared_tag"), ("tax", "variable_cost", "tax")}
    variable = query(hand["warehouse"], "select tenant, rule_id, allocated_amount from marts.fct_allocation_detail where cost_kind = 'variable' order by tenant")
    assert variable == [("analytics", "tenant_map:tag", D("10")), ("payments", "tenant_map:tag", D("60")), ("search", "tenant_map:tag", D("25"))]


def test_balance_is_exactly_zero(hand):
    assert query(hand["warehouse"], "select platform_cost, charged_back, balance from marts.fct_platform_balance_monthly") == [
        (D("106.00"), D("106.00"), D("0"))]
    assert scalar(hand["warehouse"], "select count(*) from marts.fct_platform_balance_daily where balance <> 0") == 0


def _copy(hand, tmp_path: Path) -> Path:
    w = tmp_path / "broken.duckdb"
    shutil.copy(hand["warehouse"], w)
    return w


def _dbt(warehouse: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "dbt"), *args, "--profiles-dir", "."], cwd=REPO / "dbt_project",
                          env={**__import__("os").environ, "FINOPS_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1", **(env or {})},
                          capture_output=True, text=True, timeout=600, check=False)


def _rebuild_balance(w: Path) -> subprocess.CompletedProcess:
    return _dbt(w, "build", "--select", "fct_platform_balance_daily+")


def _tamper_focus_costs(w: Path, rows_sql: str) -> None:
    """Replace marts.focus_costs (a view over its parquet file) by a table of `rows_sql`."""
    with duckdb.connect(str(w)) as conn:
        conn.execute(f"create table marts.focus_costs_tampered as {rows_sql}")
        conn.execute("drop view marts.focus_costs")
        conn.execute("alter table marts.focus_costs_tampered rename to focus_costs")


def test_a_dropped_row_is_detected(hand, tmp_path):
    w = _copy(hand, tmp_path)
    _tamper_focus_costs(w, "select * from marts.focus_costs where ChargeCategory <> 'Tax'")
    proc = _rebuild_balance(w)
    assert proc.returncode != 0
    assert "assert_platform_balance_is_zero" in proc.stdout
    assert query(w, "select platform_cost, charged_back, balance from marts.fct_platform_balance_monthly") == [
        (D("105.00"), D("106.00"), D("-1.00"))]


def test_an_extra_charge_is_detected(hand, tmp_path):
    w = _copy(hand, tmp_path)
    _tamper_focus_costs(w, """select * from marts.focus_costs union all
        select * replace (cast(2.50 as decimal(38, 10)) as EffectiveCost) from marts.focus_costs where ChargeCategory = 'Tax'""")
    proc = _rebuild_balance(w)
    assert proc.returncode != 0
    assert query(w, "select balance from marts.fct_platform_balance_daily") == [(D("2.50"),)]


def test_a_missing_fx_rate_is_an_error_naming_currency_and_day(hand, tmp_path):
    # USD is 1 on every day, so a USD charge in USD needs no rate: report in EUR instead, with
    # the ECB's rates up to the charge day gone (EUR's USD rate starts the day after)
    w = _copy(hand, tmp_path)
    with duckdb.connect(str(w)) as conn:
        conn.execute("delete from raw.fx_ecb_rates where currency = 'USD' and rate_date <= '2026-10-05'")
    proc = _dbt(w, "build", "--select", "int_fx_rates_ranged+", env={"FINOPS_REPORTING_CURRENCY": "EUR"})
    assert proc.returncode != 0
    assert "missing FX rate: no ECB rate for USD or EUR on or before 2026-10-05" in proc.stdout


def test_estimate_against_hand_computed_figures(hand):
    # EC2 unit price over the window: (60 + 30) / (150 + 75) h = 0.40 per hour -> 100 h = 40.00
    # common ratio: common 11.00 / variable 95.00; 40.00 x 11 / 95 = 4.6315.. -> 4.63; total 44.63
    proc = finops("estimate", "--warehouse", str(hand["warehouse"]), "--item", "Amazon Elastic Compute Cloud@Hours=100", "--json")
    out = json.loads(proc.stdout)
    assert out["currency"] == "USD"
    assert out["lines"] == [{"item": "Amazon Elastic Compute Cloud@Hours", "quantity": "100", "unit_price": "0.4",
                             "variable_cost": "40.00", "observed_quantity": "225", "observed_cost": "90.00"}]
    assert (out["variable_cost"], out["common_cost"], out["total_cost"]) == ("40.00", "4.63", "44.63")
    assert out["assumptions"]["common_to_variable_ratio"] == "0.1157894737"
    human = finops("estimate", "--warehouse", str(hand["warehouse"]), "--item", "Amazon Elastic Compute Cloud@Hours=100")
    assert "44.63 USD" in human.stdout


def test_estimate_rejects_an_unknown_item(hand):
    proc = finops("estimate", "--warehouse", str(hand["warehouse"]), "--item", "Quantum Annealer@Hours=3", check=False)
    assert proc.returncode != 0
    assert "no recent usage priced for 'Quantum Annealer@Hours'" in proc.stderr
