"""AWS CUR 2.0 -> FOCUS 1.2: mapping rules on a hand-written file, conservation, legacy headers."""

from __future__ import annotations

import csv
import gzip
import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.helpers import D, query, run_pipeline

PERIOD = "2026-10-01T00:00:00Z"
COLUMNS = [
    "identity_line_item_id", "bill_payer_account_id", "bill_billing_period_start_date", "line_item_line_item_type",
    "line_item_usage_start_date", "line_item_usage_end_date", "line_item_usage_account_id", "line_item_product_code",
    "line_item_currency_code", "line_item_unblended_cost", "line_item_unblended_rate", "line_item_usage_amount",
    "pricing_public_on_demand_rate", "pricing_unit", "pricing_purchase_option", "product_sku", "pricing_rate_code",
    "reservation_reservation_a_r_n", "reservation_effective_cost", "reservation_unused_recurring_fee",
    "reservation_unused_amortized_upfront_fee_for_billing_period", "savings_plan_savings_plan_a_r_n",
    "savings_plan_savings_plan_effective_cost", "savings_plan_total_commitment_to_date", "savings_plan_used_commitment",
    "resource_tags", "product_region_code",
]
RI = "arn:aws:ec2:us-east-1:111:reserved-instances/ri-1"
SP = "arn:aws:savingsplans::111:savingsplan/sp-1"

# id, type, unblended, rate, amount, extra columns, tags; then the FOCUS values we expect,
# derived by hand from docs/reference/focus_1_2_notes.md:
# (ChargeCategory, ChargeClass, EffectiveCost, CommitmentDiscountStatus, PricingCategory)
CASES = [
    ("u1", "Usage", "2.0160", "0.4032", "5", {}, {"user_tenant": "payments", "user_team": "core"},
     ("Usage", None, "2.0160", None, "Standard")),
    ("u2", "DiscountedUsage", "0", "0", "3", {"reservation_reservation_a_r_n": RI, "reservation_effective_cost": "0.7560"},
     {"user_tenant": "search"}, ("Usage", None, "0.7560", "Used", "Committed")),
    ("u3", "RIFee", "1.0080", "0.2520", "4", {"reservation_reservation_a_r_n": RI, "reservation_unused_recurring_fee": "0.2520",
     "reservation_unused_amortized_upfront_fee_for_billing_period": "0"}, {}, ("Usage", None, "0.2520", "Unused", "Committed")),
    ("u4", "SavingsPlanCoveredUsage", "0.8064", "0.4032", "2", {"savings_plan_savings_plan_a_r_n": SP,
     "savings_plan_savings_plan_effective_cost": "0.5800"}, {"user_tenant": "search"}, ("Usage", None, "0.5800", "Used", "Committed")),
    ("u5", "SavingsPlanNegation", "-0.8064", "-0.4032", "2", {"savings_plan_savings_plan_a_r_n": SP}, {"user_tenant": "search"},
     ("Usage", None, "0", "Used", "Committed")),
    ("u6", "SavingsPlanRecurringFee", "1.1600", "0.2900", "4", {"savings_plan_savings_plan_a_r_n": SP,
     "savings_plan_total_commitment_to_date": "1.16", "savings_plan_used_commitment": "0.58"}, {}, ("Usage", None, "0.5800", "Unused", "Committed")),
    ("u7", "Fee", "100", "100", "1", {}, {}, ("Purchase", None, "100", None, "Standard")),
    ("u8", "Tax", "10.25", "", "", {}, {}, ("Tax", None, "10.25", None, None)),
    ("u9", "Credit", "-5.50", "", "", {}, {"user_tenant": "search"}, ("Credit", None, "-5.50", None, None)),
    ("u10", "Refund", "-1.25", "", "", {}, {"user_tenant": "payments"}, ("Usage", "Correction", "-1.25", None, None)),
    ("u11", "SavingsPlanUpfrontFee", "12.00", "12", "1", {"savings_plan_savings_plan_a_r_n": SP}, {}, ("Purchase", None, "0", None, "Standard")),
]
# 2.016 + 0 + 1.008 + 0.8064 - 0.8064 + 1.16 + 100 + 10.25 - 5.5 - 1.25 + 12
EXPECTED_BILLED_TOTAL = Decimal("119.684")


def write_cur_csv(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        for cid, kind, cost, rate, amount, extra, tags, _ in CASES:
            row = dict.fromkeys(COLUMNS, "")
            row.update({
                "identity_line_item_id": cid, "bill_payer_account_id": "111122223333",
                "bill_billing_period_start_date": PERIOD, "line_item_line_item_type": kind,
                "line_item_usage_start_date": "2026-10-05T00:00:00Z", "line_item_usage_end_date": "2026-10-05T01:00:00Z",
                "line_item_usage_account_id": "210987654321", "line_item_product_code": "AmazonEC2",
                "line_item_currency_code": "USD", "line_item_unblended_cost": cost, "line_item_unblended_rate": rate,
                "line_item_usage_amount": amount, "pricing_public_on_demand_rate": rate.lstrip("-"),
                "pricing_unit": "Hrs" if amount else "", "pricing_purchase_option": "OnDemand", "product_sku": "SKU1" if amount else "",
                "pricing_rate_code": "SKU1.RATE" if amount else "", "resource_tags": json.dumps(tags) if tags else "",
                "product_region_code": "us-east-1",
            })
            row.update(extra)
            w.writerow(row)


def write_legacy_csv_gz(path: Path) -> None:
    """Legacy CUR headers (lineItem/UnblendedCost, resourceTags/user:tenant)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ["identity/LineItemId", "bill/PayerAccountId", "bill/BillingPeriodStartDate", "lineItem/LineItemType",
              "lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/UsageAccountId", "lineItem/ProductCode",
              "lineItem/CurrencyCode", "lineItem/UnblendedCost", "lineItem/UnblendedRate", "lineItem/UsageAmount",
              "pricing/unit", "resourceTags/user:tenant"]
    rows = [
        ["l1", "111122223333", "2026-10-01T00:00:00Z", "Usage", "2026-10-07T00:00:00Z", "2026-10-07T01:00:00Z",
         "210987654321", "AmazonS3", "USD", "0.0230000000", "0.023", "1", "GB-Mo", "analytics"],
        ["l2", "111122223333", "2026-10-01T00:00:00Z", "Usage", "2026-10-07T00:00:00Z", "2026-10-07T01:00:00Z",
         "210987654321", "AmazonS3", "USD", "1.25", "0.5", "2.5", "GB-Mo", ""],
    ]
    with gzip.open(path, "wt", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


@pytest.fixture(scope="module")
def cur_run(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("aws")
    landing = root / "landing"
    main = landing / "aws_cur" / "hand" / "data" / "BILLING_PERIOD=2026-10" / "hand-00001.csv"
    legacy = landing / "aws_cur" / "legacy" / "legacy-2026-10.csv.gz"
    write_cur_csv(main)
    write_legacy_csv_gz(legacy)
    warehouse = root / "w.duckdb"
    run_pipeline(landing, warehouse)
    return {"warehouse": warehouse, "main": "aws_cur/hand/data/BILLING_PERIOD=2026-10/hand-00001.csv",
            "legacy": "aws_cur/legacy/legacy-2026-10.csv.gz"}


def test_each_line_item_type_maps_to_its_focus_values(cur_run):
    rows = query(cur_run["warehouse"], """
        select f.x_line_item_type, ChargeCategory, ChargeClass, EffectiveCost, CommitmentDiscountStatus, PricingCategory
        from marts.focus_costs f where x_source_file = ? order by x_line_item_type""", [cur_run["main"]])
    got = {r[0]: (r[1], r[2], r[3], r[4], r[5]) for r in rows}
    assert len(rows) == len(CASES)
    for _, kind, *_rest, expected in CASES:
        cat, cls, eff, status, pcat = expected
        assert got[kind] == (cat, cls, D(eff), status, pcat), kind


def test_billed_cost_and_rows_conserved_per_file(cur_run):
    w = cur_run["warehouse"]
    assert query(w, "select count(*), sum(BilledCost) from marts.focus_costs where x_source_file = ?", [cur_run["main"]])[0] == (
        len(CASES), EXPECTED_BILLED_TOTAL)
    registry = query(w, "select rows, cost_total, status from ops.ingest_files where path = ?", [cur_run["main"]])[0]
    assert registry == (len(CASES), EXPECTED_BILLED_TOTAL, "loaded")
    # legacy file: 0.023 + 1.25
    assert query(w, "select count(*), sum(BilledCost) from marts.focus_costs where x_source_file = ?", [cur_run["legacy"]])[0] == (
        2, Decimal("1.273"))


def test_money_is_decimal_and_timestamps_are_utc_exclusive(cur_run):
    types = dict(query(cur_run["warehouse"], """
        select column_name, data_type from information_schema.columns
        where table_schema = 'marts' and table_name = 'focus_costs'"""))
    for col in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ListUnitPrice", "ContractedUnitPrice"):
        assert types[col] == "DECIMAL(38,10)", col
    start, end, bstart, bend = query(cur_run["warehouse"], """
        select ChargePeriodStart, ChargePeriodEnd, BillingPeriodStart, BillingPeriodEnd
        from marts.focus_costs where x_source_file = ? and x_line_item_type = 'Usage'""", [cur_run["main"]])[0]
    assert (str(start), str(end)) == ("2026-10-05 00:00:00", "2026-10-05 01:00:00")
    assert (str(bstart), str(bend)) == ("2026-10-01 00:00:00", "2026-11-01 00:00:00")


def test_tags_are_a_json_object_without_user_prefix(cur_run):
    tags, tenant = query(cur_run["warehouse"], "select Tags, x_tenant from marts.focus_costs where x_line_item_type = 'Usage' and x_source_file = ?",
                         [cur_run["main"]])[0]
    assert json.loads(tags) == {"tenant": "payments", "team": "core"}
    assert tenant == "payments"
    legacy = dict(query(cur_run["warehouse"], "select BilledCost, Tags from marts.focus_costs where x_source_file = ?", [cur_run["legacy"]]))
    assert json.loads(legacy[D("0.023")]) == {"tenant": "analytics"}
    assert legacy[D("1.25")] is None  # an empty legacy tag column is no tag, not ''


def test_no_empty_strings_where_focus_wants_nulls(cur_run):
    n = query(cur_run["warehouse"], """
        select count(*) from marts.focus_costs
        where ResourceId = '' or SkuId = '' or PricingUnit = '' or Tags = '' or Tags = '{}' or ChargeClass = ''""")[0][0]
    assert n == 0


def test_unit_prices_times_quantity_equal_costs(cur_run):
    bad = query(cur_run["warehouse"], """
        select x_line_item_type from marts.focus_costs
        where ChargeClass is null and ListUnitPrice is not null
          and (ListUnitPrice * PricingQuantity <> ListCost or ContractedUnitPrice * PricingQuantity <> ContractedCost)""")
    assert bad == []
    # credits: ListCost = ContractedCost = EffectiveCost = BilledCost
    assert query(cur_run["warehouse"], """
        select ListCost, ContractedCost, EffectiveCost, BilledCost from marts.focus_costs where ChargeCategory = 'Credit'
          and x_source_file = ?""", [cur_run["main"]]) == [(D("-5.5"), D("-5.5"), D("-5.5"), D("-5.5"))]
