"""GCP Cloud Billing export -> FOCUS 1.2: credits as their own rows, labels as Tags, conservation, quarantine.

Hand-written JSONL (JPY) and parquet (USD) files; every expected figure is derived by hand below.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.helpers import D, query, run_pipeline

JSONL = "gcp_billing/01A2B3-C4D5E6-F7A8B9/data/BILLING_PERIOD=2026-10/export-000000000000.json"
PARQUET = "gcp_billing/0F1E2D-3C4B5A-697887/data/BILLING_PERIOD=2026-10/export-000000000000.parquet"
NO_COST = "gcp_billing/broken/no-cost.json"


def _row(**kw) -> dict:
    row = {
        "billing_account_id": "01A2B3-C4D5E6-F7A8B9",
        "service": {"id": "6F81-5844-456A", "description": "Compute Engine"},
        "sku": {"id": "A5C1-1D2E-3F40", "description": "N2 Instance Core running in Tokyo"},
        "usage_start_time": "2026-10-05 10:00:00 UTC",
        "usage_end_time": "2026-10-05 11:00:00 UTC",
        "project": {"id": "batch-jp-prod", "number": "483920175512", "name": "Batch JP Prod", "labels": []},
        "labels": [],
        "location": {"location": "asia-northeast1-a", "country": "JP", "region": "asia-northeast1", "zone": "asia-northeast1-a"},
        "resource": {"name": "vm-1", "global_name": "//compute.googleapis.com/projects/batch-jp-prod/zones/asia-northeast1-a/instances/1"},
        "currency": "JPY",
        "currency_conversion_rate": 149.52,
        "credits": [],
        "invoice": {"month": "202610"},
        "cost_type": "regular",
    }
    row.update(kw)
    return row


# r1: 2.5 hours at 40.2 JPY (list 48.24) = 100.5 (list 120.6), two credits -20.1 and -5.25;
# r2: 1.5 GiB-months at 2.5 = 3.75, unlabelled in project ml-research-jp (tenant map -> ml-research);
# r3: tax 10; r4: an adjustment of -1.2.
JSON_ROWS = [
    _row(labels=[{"key": "tenant", "value": "search"}, {"key": "app", "value": "etl"}, {"key": "preemptible", "value": ""}],
         cost=100.5, cost_at_list=120.6,
         usage={"amount": 9000, "unit": "seconds", "amount_in_pricing_units": 2.5, "pricing_unit": "hour"},
         price={"effective_price": 40.2, "tier_start_amount": 0, "unit": "hour", "pricing_unit_quantity": 1},
         credits=[{"name": "Sustained Usage Discount", "amount": -20.1, "full_name": "Sustained usage discount",
                   "id": "sud-1", "type": "SUSTAINED_USAGE_DISCOUNT"},
                  {"name": "Free trial", "amount": -5.25, "full_name": "Free trial credit", "id": "promo-1", "type": "PROMOTION"}]),
    _row(service={"id": "95FF-2EF5-5EA1", "description": "Cloud Storage"},
         sku={"id": "E2A5-5B6C-7D84", "description": "Standard Storage Tokyo"},
         project={"id": "ml-research-jp", "number": "483920175513", "name": "ML Research JP", "labels": []},
         cost=3.75, cost_at_list=3.75,
         usage={"amount": 4026531840, "unit": "byte-seconds", "amount_in_pricing_units": 1.5, "pricing_unit": "gibibyte month"},
         price={"effective_price": 2.5, "tier_start_amount": 0, "unit": "gibibyte month", "pricing_unit_quantity": 1}),
    _row(service={"id": "B55D-6F8C-4A2B", "description": "Invoice"}, sku={"id": "Tax", "description": "Japan consumption tax"},
         cost_type="tax", cost=10, cost_at_list=10, resource=None, location=None),
    _row(cost_type="adjustment", cost=-1.2, cost_at_list=-1.2,
         usage={"amount": 0, "unit": "seconds", "amount_in_pricing_units": 0, "pricing_unit": "hour"}),
]
JSON_FILE_ROWS = 4 + 2  # export rows + credits
JSON_BILLED = D("100.5") - D("20.1") - D("5.25") + D("3.75") + D("10") - D("1.2")  # 87.7

# USD parquet: amounts with ten decimals; r1 carries a free-tier credit of one ten-billionth
PARQUET_COST_1, PARQUET_CREDIT, PARQUET_COST_2 = D("0.1234567891"), D("-0.0000000001"), D("1.1")
PARQUET_BILLED = PARQUET_COST_1 + PARQUET_CREDIT + PARQUET_COST_2  # 1.2234567890


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def write_parquet(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    kv = pa.list_(pa.struct([("key", pa.string()), ("value", pa.string())]))
    credit = pa.list_(pa.struct([("name", pa.string()), ("amount", pa.float64()), ("full_name", pa.string()),
                                 ("id", pa.string()), ("type", pa.string())]))
    ts = pa.timestamp("us", tz="UTC")
    import datetime as dt

    start = dt.datetime(2026, 10, 9, 0, tzinfo=dt.UTC)
    rows = [
        {"billing_account_id": "0F1E2D-3C4B5A-697887", "service": {"id": "152E-C115-5142", "description": "Cloud Run"},
         "sku": {"id": "D1F4", "description": "CPU Allocation Time"}, "usage_start_time": start,
         "usage_end_time": start + dt.timedelta(hours=1), "project": {"id": "analytics-us", "name": "Analytics US"},
         "labels": [], "cost": float(PARQUET_COST_1), "cost_at_list": float(PARQUET_COST_1), "currency": "USD",
         "usage": {"amount": 3600.0, "unit": "seconds", "amount_in_pricing_units": 1.0, "pricing_unit": "hour"},
         "credits": [{"name": "Free tier", "amount": float(PARQUET_CREDIT), "full_name": "Cloud Run free tier", "id": "ft-1",
                      "type": "FREE_TIER"}],
         "invoice": {"month": "202610"}, "cost_type": "regular"},
        {"billing_account_id": "0F1E2D-3C4B5A-697887", "service": {"id": "24E6-581D-38E5", "description": "BigQuery"},
         "sku": {"id": "F3B6", "description": "Analysis"}, "usage_start_time": start, "usage_end_time": start + dt.timedelta(hours=1),
         "project": {"id": "batch-us-prod", "name": "Batch US Prod"},
         "labels": [{"key": "tenant", "value": "需要予測"}], "cost": float(PARQUET_COST_2), "cost_at_list": float(PARQUET_COST_2),
         "currency": "USD", "usage": {"amount": 193514046488576.0, "unit": "bytes", "amount_in_pricing_units": 0.176,
                                      "pricing_unit": "tebibyte"},
         "credits": [], "invoice": {"month": "202610"}, "cost_type": "regular"},
    ]
    schema = pa.schema([
        ("billing_account_id", pa.string()), ("service", pa.struct([("id", pa.string()), ("description", pa.string())])),
        ("sku", pa.struct([("id", pa.string()), ("description", pa.string())])), ("usage_start_time", ts), ("usage_end_time", ts),
        ("project", pa.struct([("id", pa.string()), ("name", pa.string())])), ("labels", kv), ("cost", pa.float64()),
        ("cost_at_list", pa.float64()), ("currency", pa.string()),
        ("usage", pa.struct([("amount", pa.float64()), ("unit", pa.string()), ("amount_in_pricing_units", pa.float64()),
                             ("pricing_unit", pa.string())])),
        ("credits", credit), ("invoice", pa.struct([("month", pa.string())])), ("cost_type", pa.string()),
    ])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


@pytest.fixture(scope="module")
def gcp_run(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("gcp")
    landing, warehouse = root / "landing", root / "w.duckdb"
    write_jsonl(landing / JSONL, JSON_ROWS)
    write_parquet(landing / PARQUET)
    write_jsonl(landing / NO_COST, [{k: v for k, v in JSON_ROWS[1].items() if k != "cost"}])
    run_pipeline(landing, warehouse)
    return {"warehouse": warehouse, "landing": landing}


def _rows(w: Path, path: str, cols: str) -> list[tuple]:
    return query(w, f"select {cols} from marts.focus_costs where x_source_file = ? order by BilledCost desc", [path])


def test_each_credit_is_one_credit_row_and_the_usage_row_keeps_its_full_cost(gcp_run):
    rows = _rows(gcp_run["warehouse"], JSONL, "ChargeCategory, x_line_item_type, BilledCost, EffectiveCost, ListCost, ContractedCost, x_tenant")
    credits = [r for r in rows if r[0] == "Credit"]
    # each credit: ListCost = ContractedCost = EffectiveCost = BilledCost = its amount, on the labelled row's tenant
    assert sorted(credits) == sorted([
        ("Credit", "SUSTAINED_USAGE_DISCOUNT", D("-20.1"), D("-20.1"), D("-20.1"), D("-20.1"), "search"),
        ("Credit", "PROMOTION", D("-5.25"), D("-5.25"), D("-5.25"), D("-5.25"), "search"),
    ])
    usage = [r for r in rows if r[1] == "regular" and r[0] == "Usage"]
    # the credits are not also subtracted from the usage row: counted once
    assert (D("100.5"), D("100.5"), D("120.6"), D("100.5")) in [r[2:6] for r in usage]


def test_no_credit_is_lost_or_counted_twice(gcp_run):
    file_credits = sum(D(c["amount"]) for r in JSON_ROWS for c in r["credits"])
    assert file_credits == D("-25.35")
    w = gcp_run["warehouse"]
    in_mart = query(w, "select sum(BilledCost), sum(EffectiveCost), count(*) from marts.focus_costs where x_source_file = ? and ChargeCategory = 'Credit'", [JSONL])[0]
    assert in_mart == (file_credits, file_credits, 2)
    # effective cost of the file = billed cost of the file = cost + credits (what GCP invoices)
    assert query(w, "select sum(EffectiveCost) from marts.focus_costs where x_source_file = ?", [JSONL])[0][0] == JSON_BILLED


@pytest.mark.parametrize(("path", "rows", "billed", "currency"), [
    (JSONL, JSON_FILE_ROWS, JSON_BILLED, "JPY"),
    (PARQUET, 3, PARQUET_BILLED, "USD"),
])
def test_rows_and_billed_cost_conserved_per_file(gcp_run, path, rows, billed, currency):
    w = gcp_run["warehouse"]
    assert query(w, "select rows, cost_total, currency, status from ops.ingest_files where path = ?", [path])[0] == (
        rows, billed, currency, "loaded")
    assert query(w, "select count(*), sum(BilledCost), min(BillingCurrency) from marts.focus_costs where x_source_file = ?", [path])[0] == (
        rows, billed, currency)


def test_cost_types_prices_and_units(gcp_run):
    got = {r[0]: r[1:] for r in _rows(gcp_run["warehouse"], JSONL, """x_line_item_type, ChargeCategory, ChargeFrequency,
        ListUnitPrice, ContractedUnitPrice, PricingQuantity, PricingUnit, ConsumedQuantity, ConsumedUnit, SkuId""")
        if r[0] in ("tax", "adjustment") or r[3] == D("48.24")}
    assert got["regular"] == ("Usage", "Usage-Based", D("48.24"), D("40.2"), D("2.5"), "Hours", D("9000"), "Seconds", "A5C1-1D2E-3F40")
    assert got["tax"] == ("Tax", "One-Time", None, None, None, None, None, None, None)
    assert got["adjustment"] == ("Adjustment", "One-Time", None, None, None, None, None, None, None)


def test_labels_become_tags_and_projects_map_to_tenants(gcp_run):
    w = gcp_run["warehouse"]
    rows = dict(query(w, "select ServiceName, Tags from marts.focus_costs where x_source_file = ? and ChargeCategory = 'Usage'", [JSONL]))
    assert json.loads(rows["Compute Engine"]) == {"tenant": "search", "app": "etl", "preemptible": True}
    assert rows["Cloud Storage"] is None
    tenants = dict(query(w, "select ServiceName, x_tenant || ' by ' || x_allocation_rule from marts.focus_costs where x_source like 'gcp%' and ChargeCategory = 'Usage'"))
    assert tenants["Cloud Storage"] == "ml-research by tenant_map:gcp_project"
    assert tenants["Compute Engine"] == "search by tenant_map:tag"
    assert tenants["Cloud Run"] == "analytics by tenant_map:gcp_project"
    assert tenants["BigQuery"] == "需要予測 by tenant_map:tag"


def test_periods_services_and_accounts(gcp_run):
    row = query(gcp_run["warehouse"], """
        select BillingPeriodStart, BillingPeriodEnd, ChargePeriodStart, ChargePeriodEnd, ServiceCategory, ServiceSubcategory,
               RegionId, RegionName, SubAccountId, SubAccountName, BillingAccountId, ProviderName, ResourceId
        from marts.focus_costs where x_source_file = ? and ServiceName = 'Compute Engine' and ChargeCategory = 'Usage'""", [JSONL])[0]
    assert [str(v) for v in row[:4]] == ["2026-10-01 00:00:00", "2026-11-01 00:00:00", "2026-10-05 10:00:00", "2026-10-05 11:00:00"]
    assert row[4:] == ("Compute", "Virtual Machines", "asia-northeast1", "Tokyo", "batch-jp-prod", "Batch JP Prod",
                       "01A2B3-C4D5E6-F7A8B9", "Google Cloud",
                       "//compute.googleapis.com/projects/batch-jp-prod/zones/asia-northeast1-a/instances/1")


def test_a_file_without_cost_is_quarantined(gcp_run):
    status, reason = query(gcp_run["warehouse"], "select status, reason from ops.ingest_files where path = ?", [NO_COST])[0]
    assert status == "quarantined"
    assert reason == "missing required column(s): cost"
    assert query(gcp_run["warehouse"], "select count(*) from ops.alerts where subject like ?", [f"%{NO_COST}"])[0][0] == 1


def test_sum_of_decimal_money_is_exact():
    # the hand totals above are Decimal arithmetic, not floats
    assert JSON_BILLED == Decimal("87.7") and PARQUET_BILLED == Decimal("1.2234567890")
