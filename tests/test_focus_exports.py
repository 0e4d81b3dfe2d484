"""Provider-native FOCUS exports: version detection, 1.0/1.1 -> 1.2 upgrades, newest delivery wins, conservation.

Hand-written files; every expected figure is derived by hand below. The pipeline runs twice on one
warehouse: a second delivery of the 1.2 export's billing period arrives between the runs.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dagster_project.ingest.focus import FOCUS_COLUMNS, SPEC, detect_version
from tests.helpers import D, query, run_pipeline

V10 = "focus/legacy-1-0/focus_1_0.csv"
V11 = "focus/oci/FOCUS Reports/2026/10/31/report-00001.csv"
DELIVERY_A = "focus/aws-focus/data/BILLING_PERIOD=2026-10/20261015T0300Z/aws-focus-00001.snappy.parquet"
DELIVERY_B = "focus/aws-focus/data/BILLING_PERIOD=2026-10/20261101T0300Z/aws-focus-00001.snappy.parquet"
NO_BILLED = "focus/broken/no-billed-cost.csv"

COLUMNS_1_0 = [name for name, _, introduced in FOCUS_COLUMNS if introduced == "1.0"] + ["Id"]
COLUMNS_1_1 = [name for name, _, introduced in FOCUS_COLUMNS if introduced in ("1.0", "1.1")]
COLUMNS_1_2 = [name for name, _, _ in FOCUS_COLUMNS]


def _base(**kw) -> dict:
    row = {
        "BillingAccountId": "1234567890123", "BillingAccountName": "SunBird", "BillingCurrency": "USD",
        "BillingPeriodStart": "2026-10-01 00:00:00", "BillingPeriodEnd": "2026-11-01 00:00:00",
        "ChargePeriodStart": "2026-10-03 10:00:00", "ChargePeriodEnd": "2026-10-03 11:00:00",
        "InvoiceIssuerName": "AWS", "ProviderName": "AWS", "PublisherName": "AWS", "ChargeClass": "NULL",
        "RegionId": "us-east-1", "RegionName": "US East (N. Virginia)", "SubAccountId": "210987654321",
        "SubAccountName": "batch-prod", "ServiceName": "Amazon Elastic Compute Cloud", "ServiceCategory": "compute",
        "CommitmentDiscountId": "NULL", "CommitmentDiscountStatus": "NULL", "Tags": "NULL", "Id": "1",
    }
    row.update(kw)
    return row


# a FOCUS 1.0 export the way real ones come: 'NULL' strings, 'Usage-based', zone-less dates, lower-case
# category, 1.0-preview 'On-Demand', a non-standard `Id` column, and a row without contracted values
V10_ROWS = [
    _base(Id="a", ChargeCategory="Usage", ChargeFrequency="Usage-based", BilledCost="1.5", EffectiveCost="1.5", ListCost="1.5",
          ContractedCost="1.5", ListUnitPrice="0.5", ContractedUnitPrice="0.5", PricingQuantity="3", PricingUnit="Hours",
          ConsumedQuantity="3", ConsumedUnit="Hours", PricingCategory="On-Demand", SkuId="SKU1", SkuPriceId="SKU1.OD",
          ResourceId="i-1", ResourceType="NULL", Tags='{"tenant": "payments"}'),
    _base(Id="b", ChargeCategory="Credit", ChargeFrequency="One-Time", BilledCost="-0.5", EffectiveCost="-0.5", ListCost="-0.5",
          ContractedCost="-0.5", PricingCategory="NULL", Tags='{"tenant": "payments"}'),
    _base(Id="c", ChargeCategory="Tax", ChargeFrequency="One-Time", BilledCost="0.12", EffectiveCost="0.12", ListCost="0.12",
          ContractedCost="0.12"),
    _base(Id="d", ChargeCategory="usage", ChargeFrequency="NULL", BilledCost="2", EffectiveCost="2", ListCost="2",
          ContractedCost="NULL", ListUnitPrice="1", ContractedUnitPrice="NULL", PricingQuantity="2", PricingUnit="Hours",
          ConsumedQuantity="2", ConsumedUnit="Hours", PricingCategory="Standard", SkuId="SKU1", SkuPriceId="SKU1.OD",
          RegionId="NULL", RegionName="us-sanjose-1", ResourceId="i-2"),
]
V10_BILLED = D("1.5") - D("0.5") + D("0.12") + D("2")  # 3.12

V11_ROWS = [
    dict(BillingAccountId="ocid1.tenancy.oc1..x", BillingCurrency="USD", BillingPeriodStart="2026-10-01T00:00:00Z",
         BillingPeriodEnd="2026-11-01T00:00:00Z", ChargePeriodStart="2026-10-31T23:00:00Z", ChargePeriodEnd="2026-11-01T00:00:00Z",
         ChargeCategory="Usage", ChargeFrequency="Usage-Based", BilledCost="0.0250000000", EffectiveCost="0.025", ListCost="0.025",
         ContractedCost="0.025", ListUnitPrice="0.025", ContractedUnitPrice="0.025", PricingQuantity="1", PricingUnit="OCPU Hours",
         ConsumedQuantity="1", ConsumedUnit="OCPU Hours", PricingCategory="Standard", ProviderName="Oracle", PublisherName="Oracle",
         InvoiceIssuerName="Oracle", ServiceName="COMPUTE", ServiceCategory="Compute", ServiceSubcategory="Virtual Machines",
         SkuId="B93113", SkuMeter="Standard - E4 - OCPU", SkuPriceId="B93113", Tags='{"tenant": "search"}'),
    dict(BillingAccountId="ocid1.tenancy.oc1..x", BillingCurrency="USD", BillingPeriodStart="2026-10-01T00:00:00Z",
         BillingPeriodEnd="2026-11-01T00:00:00Z", ChargePeriodStart="2026-10-31T00:00:00+09:00", ChargePeriodEnd="2026-10-31T01:00:00+09:00",
         ChargeCategory="Usage", ChargeFrequency="Usage-Based", BilledCost="0.0085", EffectiveCost="0.0085", ListCost="0.0085",
         ContractedCost="0.0085", ListUnitPrice="0.0085", ContractedUnitPrice="0.0085", PricingQuantity="1", PricingUnit="GB Months",
         ConsumedQuantity="1", ConsumedUnit="GB Months", PricingCategory="Standard", ProviderName="Oracle", PublisherName="Oracle",
         InvoiceIssuerName="Oracle", ServiceName="NETWORK", ServiceCategory="Networking", ServiceSubcategory="Network Infrastructure",
         SkuId="B88327", SkuMeter="Outbound Data Transfer Zone 1", SkuPriceId="B88327"),
]
V11_BILLED = D("0.0335")


def _v12_rows(costs: list[str]) -> list[dict]:
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    rows = []
    for i, cost in enumerate(costs):
        rows.append(dict.fromkeys(COLUMNS_1_2) | dict(
            BilledCost=Decimal(cost), EffectiveCost=Decimal(cost), ListCost=Decimal(cost), ContractedCost=Decimal(cost),
            ListUnitPrice=Decimal(cost), ContractedUnitPrice=Decimal(cost), PricingQuantity=Decimal(1), PricingUnit="Hours",
            ConsumedQuantity=Decimal(1), ConsumedUnit="Hours", BillingAccountId="777788889999", BillingAccountName="Data Platform",
            BillingCurrency="USD", BillingPeriodStart=start, BillingPeriodEnd=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
            ChargePeriodStart=start + dt.timedelta(days=i), ChargePeriodEnd=start + dt.timedelta(days=i, hours=1),
            ChargeCategory="Usage", ChargeFrequency="Usage-Based", PricingCategory="Standard", InvoiceIssuerName="AWS",
            ProviderName="AWS", PublisherName="AWS", ServiceName="Amazon Simple Storage Service", ServiceCategory="Storage",
            ServiceSubcategory="Object Storage", SkuId="S3", SkuMeter="TimedStorage", SkuPriceId="S3.OD", PricingCurrency="USD",
            PricingCurrencyEffectiveCost=Decimal(cost), PricingCurrencyListUnitPrice=Decimal(cost),
            PricingCurrencyContractedUnitPrice=Decimal(cost), RegionId="us-east-1", RegionName="US East (N. Virginia)",
            SubAccountId="777788880001", SubAccountName="data-platform-prod", Tags=json.dumps({"tenant": "analytics"}),
        ))
    return rows


DELIVERY_A_COSTS = ["4.25", "5.75"]  # a mid-month snapshot: 10.00
DELIVERY_B_COSTS = ["4.25", "5.75", "2.5"]  # the full month, delivered later: 12.50


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, restval="")
        w.writeheader()
        w.writerows(rows)


def write_parquet(path: Path, rows: list[dict], mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    types = {name: pa.decimal128(38, 10) if dtype.startswith("decimal") else pa.timestamp("ms", tz="UTC") if dtype == "timestamp"
             else pa.string() for name, dtype, _ in FOCUS_COLUMNS}
    pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema([(c, types[c]) for c in COLUMNS_1_2])), path)
    os.utime(path, (mtime, mtime))


def _file(w: Path, path: str) -> tuple:
    return query(w, "select rows, cost_total, status from ops.ingest_files where path = ?", [path])[0]


def _mart(w: Path, path: str) -> tuple:
    return query(w, "select count(*), sum(BilledCost) from marts.focus_costs where x_source_file = ?", [path])[0]


@pytest.fixture(scope="module")
def focus_runs(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("focus")
    landing, warehouse = root / "landing", root / "w.duckdb"
    write_csv(landing / V10, COLUMNS_1_0, V10_ROWS)
    write_csv(landing / V11, COLUMNS_1_1, V11_ROWS)
    write_parquet(landing / DELIVERY_A, _v12_rows(DELIVERY_A_COSTS), mtime=1_790_000_000)
    write_csv(landing / NO_BILLED, [c for c in COLUMNS_1_0 if c != "BilledCost"], [{k: v for k, v in V10_ROWS[0].items() if k != "BilledCost"}])
    run_pipeline(landing, warehouse)
    first = {"a_file": _file(warehouse, DELIVERY_A), "a_mart": _mart(warehouse, DELIVERY_A)}
    # AWS delivers the same billing period again, into a newer folder
    write_parquet(landing / DELIVERY_B, _v12_rows(DELIVERY_B_COSTS), mtime=1_790_000_000 + 86_400)
    run_pipeline(landing, warehouse)
    return {"warehouse": warehouse, "first": first}


def test_version_detected_from_columns(focus_runs):
    got = dict(query(focus_runs["warehouse"], "select source_file, min(focus_version) from staging.stg_focus__export_rows group by 1"))
    assert got == {V10: "1.0", V11: "1.1", DELIVERY_B: "1.2"}


def test_detect_version_unit():
    assert detect_version({"BilledCost", "ChargeClass"}) == "1.0"
    assert detect_version({"BilledCost", "ServiceSubcategory"}) == "1.1"
    assert detect_version({"BilledCost", "SkuMeter", "InvoiceId"}) == "1.2"


def test_focus_1_0_upgraded_to_1_2_values(focus_runs):
    rows = query(focus_runs["warehouse"], """
        select ChargeCategory, ChargeClass, ChargeFrequency, PricingCategory, ServiceCategory, ServiceSubcategory, InvoiceId,
               ContractedCost, ContractedUnitPrice, RegionId, RegionName, ResourceType, SkuMeter, BilledCost
        from marts.focus_costs where x_source_file = ? order by BilledCost""", [V10])
    assert rows == [
        ("Credit", None, "One-Time", None, "Compute", "Virtual Machines", None, D("-0.5"), None, "us-east-1", "US East (N. Virginia)", None, None, D("-0.5")),
        ("Tax", None, "One-Time", None, "Compute", "Virtual Machines", None, D("0.12"), None, "us-east-1", "US East (N. Virginia)", None, None, D("0.12")),
        # 'Usage-based' -> 'Usage-Based', 'On-Demand' -> 'Standard', 'compute' -> 'Compute', ServiceSubcategory from the seed
        ("Usage", None, "Usage-Based", "Standard", "Compute", "Virtual Machines", None, D("1.5"), D("0.5"), "us-east-1",
         "US East (N. Virginia)", "Amazon Elastic Compute Cloud", "Hours", D("1.5")),
        # no ChargeFrequency: Usage-Based; no contracted values: the list ones (no negotiated discount); RegionId from the name
        ("Usage", None, "Usage-Based", "Standard", "Compute", "Virtual Machines", None, D("2"), D("1"), "us-sanjose-1", "us-sanjose-1",
         "Amazon Elastic Compute Cloud", "Hours", D("2")),
    ]


def test_placeholder_strings_are_real_nulls_and_timestamps_utc(focus_runs):
    w = focus_runs["warehouse"]
    bad = query(w, """select count(*) from marts.focus_costs where x_source = 'focus' and (
        ChargeClass in ('NULL', '') or CommitmentDiscountId = 'NULL' or CommitmentDiscountStatus = 'NULL' or Tags = 'NULL'
        or PricingCategory = 'NULL' or ResourceType = 'NULL')""")[0][0]
    assert bad == 0
    # the 1.1 file's +09:00 timestamp is stored in UTC
    starts = [str(r[0]) for r in query(w, "select ChargePeriodStart from marts.focus_costs where x_source_file = ? order by 1", [V11])]
    assert starts == ["2026-10-30 15:00:00", "2026-10-31 23:00:00"]
    assert [str(v) for v in query(w, "select min(BillingPeriodStart), max(BillingPeriodEnd) from marts.focus_costs where x_source_file = ?", [V10])[0]] == [
        "2026-10-01 00:00:00", "2026-11-01 00:00:00"]


def test_tags_reach_tenants(focus_runs):
    got = dict(query(focus_runs["warehouse"], "select x_source_file, min(x_tenant) from marts.focus_costs where ChargeCategory = 'Usage' and x_source = 'focus' group by 1"))
    assert got[V11] == "search" and got[DELIVERY_B] == "analytics"


def test_second_delivery_of_a_period_replaces_the_first(focus_runs):
    w, first = focus_runs["warehouse"], focus_runs["first"]
    # after the first run, the mid-month snapshot counted
    assert first["a_file"] == (2, D("10.00"), "loaded") and first["a_mart"] == (2, D("10.00"))
    # after the second, only the newer delivery counts: 12.50, not 22.50
    assert _file(w, DELIVERY_A)[2] == "superseded"
    assert _mart(w, DELIVERY_A) == (0, None)
    assert _file(w, DELIVERY_B) == (3, D("12.50"), "loaded")
    assert query(w, "select count(*), sum(BilledCost) from marts.focus_costs where BillingAccountId = '777788889999'")[0] == (3, D("12.50"))


@pytest.mark.parametrize(("path", "rows", "billed"), [
    (V10, len(V10_ROWS), V10_BILLED),
    (V11, len(V11_ROWS), V11_BILLED),
    (DELIVERY_B, 3, D("12.50")),
])
def test_rows_and_billed_cost_conserved_per_file(focus_runs, path, rows, billed):
    w = focus_runs["warehouse"]
    assert _file(w, path) == (rows, billed, "loaded")
    assert _mart(w, path) == (rows, billed)


def test_a_file_without_billed_cost_is_quarantined(focus_runs):
    status, reason = query(focus_runs["warehouse"], "select status, reason from ops.ingest_files where path = ?", [NO_BILLED])[0]
    assert (status, reason) == ("quarantined", "missing required column(s): BilledCost")


def test_pre_1_0_names_are_renamed(tmp_path):
    """FOCUS 0.5/1.0-preview names (AmortizedCost, ChargeType, BilledCurrency, Provider ...) load under 1.0+ names."""
    path = tmp_path / "preview.csv"
    row = _base(ChargeType="Usage", BilledCost="3", AmortizedCost="2.5", ListCost="3", BilledCurrency="USD", Provider="AWS",
                UsageQuantity="7", UsageUnit="Hours")
    for new in ("ChargeCategory", "EffectiveCost", "BillingCurrency", "ProviderName", "ConsumedQuantity", "ConsumedUnit"):
        row.pop(new, None)
    write_csv(path, list(row), [row])
    conn = duckdb.connect()
    conn.execute("set TimeZone = 'UTC'")
    SPEC.stage(conn, path)
    got = conn.execute("select ChargeCategory, EffectiveCost, BillingCurrency, ProviderName, ConsumedQuantity, ConsumedUnit, x_focus_version from _incoming").fetchone()
    assert got == ("Usage", D("2.5"), "USD", "AWS", D("7"), "Hours", "1.0")
