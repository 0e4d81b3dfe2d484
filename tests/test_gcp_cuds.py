"""GCP committed use discounts (CUDs) as FOCUS commitments.

Google documents two shapes. The new spend-based CUD data model puts the commitment's
`subscription.instance_id` on its fee rows and on the usage it covered (priced at the discounted
rate), and offsets the fee with a FEE_UTILIZATION_OFFSET credit. The legacy model bills a fee SKU
("Commitment v1: ...") that names no commitment and puts a COMMITTED_USAGE_DISCOUNT credit on the
usage row it covered. Both must come out as FOCUS Purchase / Used / Credit rows with the commitment
on them, ContractApplied on the covered usage, and a row in the Contract Commitment mart.
"""

from __future__ import annotations

import json

import duckdb
import pyarrow.parquet as pq
import pytest

from dagster_project.conformance import run_validator, validator_executable
from tests.helpers import D, query, run_pipeline
from tests.test_gcp_billing import _row, write_jsonl

PATH = "gcp_billing/01A2B3-C4D5E6-F7A8B9/data/BILLING_PERIOD=2026-10/cud-export-000000000000.json"
NEW_CUD = "769c55ea-c50f-4258-bcf5-04b6688fa5fa"
LEGACY_CUD = "cud-cpu-asia-northeast1"
HOUR = {"amount": 3600, "unit": "seconds", "amount_in_pricing_units": 1, "pricing_unit": "hour"}


def _usd(**kw) -> dict:
    return _row(currency="USD", currency_conversion_rate=1, usage=HOUR, **kw)


def _price(p: float) -> dict:
    return {"effective_price": p, "tier_start_amount": 0, "unit": "hour", "pricing_unit_quantity": 1}


ROWS = [
    # new data model: the fee 10.00, offset by the 8.00 of usage the commitment covered
    _usd(sku={"id": "5515-81A8-03A2", "description": "Commitment - dollar based v1: GCE for 1 year"},
         subscription={"instance_id": NEW_CUD}, cost=10.0, cost_at_list=10.0, price=_price(10.0),
         credits=[{"name": "Fee utilization offset", "amount": -8.0, "full_name": "Fee utilization offset",
                   "id": "fuo-1", "type": "FEE_UTILIZATION_OFFSET"}]),
    _usd(subscription={"instance_id": NEW_CUD}, cost=8.0, cost_at_list=11.0, price=_price(8.0),
         labels=[{"key": "tenant", "value": "search"}]),
    # legacy resource-based CUD: a fee of 5.00; usage of 7.00 with its CUD credit -4.00 and a SUD -0.50
    _usd(sku={"id": "CF4E-A0C5-B77D", "description": "Commitment v1: Cpu in Tokyo for 1 Year"},
         cost=5.0, cost_at_list=5.0, price=_price(5.0)),
    _usd(cost=7.0, cost_at_list=7.0, price=_price(7.0), labels=[{"key": "tenant", "value": "search"}],
         credits=[{"name": "Committed Usage Discount: CPU", "amount": -4.0, "full_name": "Committed use discount: CPU in Tokyo",
                   "id": LEGACY_CUD, "type": "COMMITTED_USAGE_DISCOUNT"},
                  {"name": "Sustained Usage Discount", "amount": -0.5, "full_name": "Sustained usage discount",
                   "id": "sud-1", "type": "SUSTAINED_USAGE_DISCOUNT"}]),
    # on demand, no commitment
    _usd(cost=1.0, cost_at_list=1.0, price=_price(1.0)),
]
ROW_COUNT = 5 + 3  # export rows + credits
BILLED = D("10") - D("8") + D("8") + D("5") + D("7") - D("4") - D("0.5") + D("1")  # 18.5

COLS = """x_line_item_type, ChargeCategory, ChargeFrequency, CommitmentDiscountId, CommitmentDiscountCategory,
    CommitmentDiscountStatus, CommitmentDiscountType, PricingCategory, BilledCost"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("gcp_cuds")
    landing, warehouse = root / "landing", root / "w.duckdb"
    write_jsonl(landing / PATH, ROWS)
    run_pipeline(landing, warehouse)
    return {"warehouse": warehouse, "root": root}


def test_file_loads_and_conserves(built):
    w = built["warehouse"]
    assert query(w, "select status, rows, cost_total from ops.ingest_files where path = ?", [PATH]) == [("loaded", ROW_COUNT, BILLED)]
    assert query(w, "select count(*), sum(BilledCost), sum(EffectiveCost) from marts.focus_costs where x_source_file = ?", [PATH]) == [
        (ROW_COUNT, BILLED, BILLED)]


def test_fees_are_recurring_purchases_and_covered_usage_is_committed(built):
    got = sorted(query(built["warehouse"], f"select {COLS} from marts.focus_costs where x_source_file = ?", [PATH]),
                 key=lambda r: (r[0], r[8]))
    spend, resource = "Spend-based Committed Use Discount", "Resource-based Committed Use Discount"
    assert got == [
        ("COMMITTED_USAGE_DISCOUNT", "Credit", "Usage-Based", LEGACY_CUD, "Usage", None, resource, None, D("-4")),
        ("FEE_UTILIZATION_OFFSET", "Credit", "Usage-Based", NEW_CUD, "Spend", None, spend, None, D("-8")),
        ("SUSTAINED_USAGE_DISCOUNT", "Credit", "Usage-Based", None, None, None, None, None, D("-0.5")),
        ("regular", "Usage", "Usage-Based", None, None, None, None, "Standard", D("1")),
        # the legacy fee names no commitment: a Purchase all the same
        ("regular", "Purchase", "Recurring", None, None, None, None, "Standard", D("5")),
        ("regular", "Usage", "Usage-Based", LEGACY_CUD, "Usage", "Used", resource, "Committed", D("7")),
        ("regular", "Usage", "Usage-Based", NEW_CUD, "Spend", "Used", spend, "Committed", D("8")),
        ("regular", "Purchase", "Recurring", NEW_CUD, "Spend", None, spend, "Standard", D("10")),
    ]


def test_covered_usage_carries_contract_applied(built):
    rows = query(built["warehouse"], """select CommitmentDiscountId, ContractApplied from marts.focus_costs
        where x_source_file = ? and ContractApplied is not null order by BilledCost""", [PATH])
    assert [(cid, json.loads(ca)) for cid, ca in rows] == [
        (LEGACY_CUD, {"Elements": [{"ContractId": LEGACY_CUD, "ContractCommitmentId": LEGACY_CUD, "ContractCommitmentAppliedCost": 7}]}),
        (NEW_CUD, {"Elements": [{"ContractId": NEW_CUD, "ContractCommitmentId": NEW_CUD, "ContractCommitmentAppliedCost": 8}]}),
    ]


def test_commitment_mart_states_each_cud(built):
    got = query(built["warehouse"], """select ContractCommitmentId, ContractCommitmentCategory, ContractCommitmentType,
        ContractCommitmentCost, x_used_cost, x_unused_cost, x_purchase_billed_cost, x_charges, BillingCurrency
        from marts.focus_contract_commitments where x_source = 'gcp_billing' order by 1""")
    assert got == [
        # the new model's cost is its fee: 10.00 - 8.00 offset + 8.00 covered usage
        (NEW_CUD, "Spend", "Spend-based Committed Use Discount", D("10"), D("8"), D("0"), D("10"), 3, "USD"),
        # the legacy CUD: covered usage net of its credit, 7.00 - 4.00 (its fee names no commitment)
        (LEGACY_CUD, "Usage", "Resource-based Committed Use Discount", D("3"), D("7"), D("0"), D("0"), 2, "USD"),
    ]


@pytest.mark.validator
def test_validator_accepts_the_cud_rows(built):
    if not validator_executable().exists():
        pytest.skip("the official validator is missing: `make validator` creates .venv-focus-validator")
    out = built["root"] / "gcp_cuds.parquet"
    conn = duckdb.connect(str(built["warehouse"]), read_only=True)
    try:
        conn.execute("set TimeZone = 'UTC'")
        pq.write_table(conn.sql("select * from marts.focus_costs").to_arrow_table(), out)
    finally:
        conn.close()
    result = run_validator(out)
    assert result.failed < result.total
    assert result.unexpected == {}, result.unexpected
