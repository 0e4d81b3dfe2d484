"""Provider-native FOCUS exports for the `focus/` landing folder, one per supported version.

- 1.0: the FinOps Foundation's official sample (official/focus_1_0_sample_official.csv, CC BY 4.0;
  September 2024, AWS/Microsoft/Oracle rows, with 'NULL' strings, 'Usage-based' and dates
  without a zone), copied as delivered.
- 1.1: an Oracle Cloud FOCUS report (CSV, ISO timestamps with Z) for the sampled month.
- 1.2: an AWS Data Exports FOCUS 1.2 export (parquet) of a third AWS organization, delivered
  twice for the same billing period (a mid-month snapshot, then the full month in a newer
  delivery folder), as AWS does: only the newest delivery may count.
Money is built from integers so every amount has at most ten decimals.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.ingest.focus import FOCUS_COLUMNS
from dagster_project.sample.aws_cur import _month_bounds
from dagster_project.sample.common import TENANT_TAGS

SOURCE_NAME = "focus"
OFFICIAL_SAMPLE = Path(__file__).with_name("official") / "focus_1_0_sample_official.csv"

COLUMNS_1_1 = [name for name, _, introduced in FOCUS_COLUMNS if introduced in ("1.0", "1.1")]
COLUMNS_1_2 = [name for name, _, _ in FOCUS_COLUMNS]
MONEY_COLUMNS = {name for name, dtype, _ in FOCUS_COLUMNS if dtype.startswith("decimal")}
TIME_COLUMNS = {name for name, dtype, _ in FOCUS_COLUMNS if dtype == "timestamp"}

# ServiceName, category, subcategory, SkuId, SkuMeter, unit, list price (6 dp), resource type
AWS_SERVICES = (
    ("Amazon Elastic Compute Cloud", "Compute", "Virtual Machines", "8VCNEHQMSCQS4P39", "BoxUsage:c7i.2xlarge", "Hours", "0.357000", "Instance"),
    ("Amazon Simple Storage Service", "Storage", "Object Storage", "WP9ANXZGBYYSGJEA", "TimedStorage-ByteHrs", "GB-Months", "0.023000", "Bucket"),
    ("AWS Lambda", "Compute", "Serverless Compute", "TG3M4CAGBA3NYQBH", "Lambda-GB-Second", "GB-Seconds", "0.000017", "Function"),
    ("Amazon DynamoDB", "Databases", "NoSQL Databases", "CEBMUBTGG3NNGPWF", "ReadRequestUnits", "ReadRequestUnits", "0.000125", "Table"),
)
OCI_SERVICES = (
    ("COMPUTE", "Compute", "Virtual Machines", "B93113", "Standard - E4 - OCPU", "OCPU Hours", "0.025000", "instance"),
    ("OBJECTSTORE", "Storage", "Object Storage", "B91628", "Object Storage - Storage", "GB Months", "0.025500", "bucket"),
    ("NETWORK", "Networking", "Network Infrastructure", "B88327", "Outbound Data Transfer Zone 1", "GB Months", "0.008500", "vnic"),
)


def _dec(units: int, scale: int = 10) -> str:
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**scale)
    return f"{sign}{whole}.{frac:0{scale}d}"


def _empty_row(columns) -> dict:
    return dict.fromkeys(columns)


def _usage_row(columns, svc, start: dt.datetime, qty_units: int, price_units: int, common: dict, tags: dict | None,
               pricing_category: str = "Standard", contracted_units: int | None = None) -> dict:
    """qty in 1e-4, prices in 1e-6: costs exact in 1e-10."""
    contracted_units = price_units if contracted_units is None else contracted_units
    row = _empty_row(columns)
    row.update(common)
    list_cost = price_units * qty_units
    contracted = contracted_units * qty_units
    row.update(
        BilledCost=_dec(contracted), EffectiveCost=_dec(contracted), ListCost=_dec(list_cost), ContractedCost=_dec(contracted),
        ListUnitPrice=_dec(price_units, 6), ContractedUnitPrice=_dec(contracted_units, 6),
        PricingQuantity=_dec(qty_units, 4), ConsumedQuantity=_dec(qty_units, 4), PricingUnit=svc[5], ConsumedUnit=svc[5],
        ChargeCategory="Usage", ChargeFrequency="Usage-Based", ChargePeriodStart=start, ChargePeriodEnd=start + dt.timedelta(hours=1),
        ChargeDescription=f"{svc[4]} usage", PricingCategory=pricing_category, ServiceName=svc[0], ServiceCategory=svc[1],
        ServiceSubcategory=svc[2], SkuId=svc[3], SkuMeter=svc[4], SkuPriceId=f"{svc[3]}.{pricing_category.upper()[:4]}",
        ResourceType=svc[7], Tags=json.dumps(tags, ensure_ascii=False) if tags else None,
    )
    return row


def _write_csv(path: Path, columns, rows, time_format: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r[c] is None else r[c].strftime(time_format) if isinstance(r[c], dt.datetime) else r[c]
                        for c in columns])


def _write_parquet(path: Path, columns, rows, extra: dict[str, list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays, fields = [], []
    for c in columns:
        values = [r[c] for r in rows]
        if c in MONEY_COLUMNS:
            # AWS writes FOCUS metrics as decimals
            arrays.append(pa.array([None if v is None else Decimal(v) for v in values], pa.decimal128(38, 10)))
        elif c in TIME_COLUMNS:
            arrays.append(pa.array(values, pa.timestamp("ms", tz="UTC")))
        else:
            arrays.append(pa.array(values, pa.string()))
        fields.append(c)
    for name, values in extra.items():
        arrays.append(pa.array(values, pa.string()))
        fields.append(name)
    pq.write_table(pa.Table.from_arrays(arrays, names=fields), path, compression="snappy")


def _oci_1_1(out: Path, month: str, seed: int, n: int) -> Path:
    rng = np.random.default_rng(seed)
    start, end, ndays = _month_bounds(month)
    month_start = dt.datetime(start.year, start.month, 1, tzinfo=dt.UTC)
    month_end = dt.datetime(end.year, end.month, 1, tzinfo=dt.UTC)
    tenancy = "ocid1.tenancy.oc1..aaaaaaaabatchplatformjp"
    common = dict(
        BillingAccountId=tenancy, BillingAccountName="batchplatform", BillingCurrency="USD", BillingPeriodStart=month_start,
        BillingPeriodEnd=month_end, InvoiceIssuerName="Oracle", ProviderName="Oracle", PublisherName="Oracle",
        RegionId="ap-tokyo-1", RegionName="Japan East (Tokyo)", SubAccountId="ocid1.compartment.oc1..batchjobs",
        SubAccountName="batch-jobs",
    )
    tenants = list(TENANT_TAGS)
    rows = []
    for i in range(n):
        svc = OCI_SERVICES[i % len(OCI_SERVICES)]
        hour = int(rng.integers(0, ndays * 24))
        qty = int(rng.integers(1, 80_000))
        tags = {"tenant": tenants[i % len(tenants)], "Oracle-Tags.CreatedBy": "ci"} if i % 6 else None
        row = _usage_row(COLUMNS_1_1, svc, month_start + dt.timedelta(hours=hour), qty, round(float(svc[6]) * 1e6), common, tags)
        row.update(ResourceId=f"ocid1.{svc[7]}.oc1.ap-tokyo-1.res{i % 25:04d}", ResourceName=f"{svc[7]}-{i % 25:02d}",
                   AvailabilityZone="AP-TOKYO-1-AD-1")
        rows.append(row)
    path = out / SOURCE_NAME / "oci-batchplatform" / "FOCUS Reports" / f"{start:%Y}" / f"{start:%m}" / f"{end - dt.timedelta(days=1):%d}" / "0001000001234567-00001.csv"
    _write_csv(path, COLUMNS_1_1, rows, "%Y-%m-%dT%H:%M:%SZ")
    return path


def _aws_1_2_rows(month: str, seed: int, n: int, last_day: int) -> tuple[list[dict], list[dict]]:
    rng = np.random.default_rng(seed)
    start, end, _ndays = _month_bounds(month)
    month_start = dt.datetime(start.year, start.month, 1, tzinfo=dt.UTC)
    month_end = dt.datetime(end.year, end.month, 1, tzinfo=dt.UTC)
    payer, account = "777788889999", ("777788880001", "data-platform-prod")
    common = dict(
        BillingAccountId=payer, BillingAccountName="Data Platform Org", BillingAccountType="Payer Account",
        BillingCurrency="USD", BillingPeriodStart=month_start, BillingPeriodEnd=month_end,
        InvoiceIssuerName="AWS", ProviderName="AWS", PublisherName="AWS", InvoiceId=None, PricingCurrency="USD",
        RegionId="us-east-1", RegionName="US East (N. Virginia)", SubAccountId=account[0], SubAccountName=account[1],
        SubAccountType="Linked Account",
    )
    tenants = list(TENANT_TAGS)
    rows, extra = [], []
    sp_arn = f"arn:aws:savingsplans::{payer}:savingsplan/sp-dataplatform"
    for i in range(n):
        svc = AWS_SERVICES[i % len(AWS_SERVICES)]
        hour = int(rng.integers(0, last_day * 24))
        qty = int(rng.integers(1, 50_000))
        price = round(float(svc[6]) * 1e6)
        spot = svc[0] == "Amazon Elastic Compute Cloud" and i % 5 == 0
        tags = {"tenant": tenants[i % len(tenants)], "app": f"pipeline-{i % 4}"} if i % 9 else None
        row = _usage_row(COLUMNS_1_2, svc, month_start + dt.timedelta(hours=hour), qty, price, common, tags,
                         pricing_category="Dynamic" if spot else "Standard", contracted_units=price * 3 // 10 if spot else None)
        row.update(ResourceId=f"arn:aws:{svc[3].lower()}:us-east-1:{account[0]}:res/{i % 30:03d}", ResourceName=None,
                   AvailabilityZone="us-east-1a" if svc[0] == "Amazon Elastic Compute Cloud" else None)
        rows.append(row)
        extra.append({"x_Operation": "RunInstances:SV001" if spot else "RunInstances", "x_ServiceCode": svc[3][:6]})
    # savings plan: covered usage (EffectiveCost at the plan's rate) and the daily fee's unused part
    ec2 = AWS_SERVICES[0]
    od, sp_rate = round(float(ec2[6]) * 1e6), 250_000
    for d in range(last_day):
        day = month_start + dt.timedelta(days=d)
        used_hours = 20 + d % 4
        covered = _usage_row(COLUMNS_1_2, ec2, day, used_hours * 10_000, od, common,
                             {"tenant": tenants[d % len(tenants)], "app": "spark"}, pricing_category="Committed")
        covered.update(EffectiveCost=_dec(sp_rate * used_hours * 10_000), CommitmentDiscountId=sp_arn,
                       CommitmentDiscountName="sp-dataplatform", CommitmentDiscountCategory="Spend",
                       CommitmentDiscountType="Savings Plan", CommitmentDiscountStatus="Used", BilledCost=_dec(0),
                       ChargePeriodEnd=day + dt.timedelta(hours=used_hours), ResourceId=f"arn:aws:ec2:us-east-1:{account[0]}:instance/i-sp",
                       AvailabilityZone="us-east-1a")
        rows.append(covered)
        extra.append({"x_Operation": "RunInstances", "x_ServiceCode": "AmazonEC2"})
        fee_units = sp_rate * 24 * 10_000
        fee = _empty_row(COLUMNS_1_2)
        fee.update(common)
        fee.update(BilledCost=_dec(fee_units), EffectiveCost=_dec(fee_units - sp_rate * used_hours * 10_000),
                   ListCost=_dec(fee_units), ContractedCost=_dec(fee_units), ListUnitPrice=_dec(sp_rate, 6),
                   ContractedUnitPrice=_dec(sp_rate, 6), PricingQuantity="24", PricingUnit="Hours", ChargeCategory="Usage",
                   ChargeFrequency="Recurring", ChargePeriodStart=day, ChargePeriodEnd=day + dt.timedelta(days=1),
                   ChargeDescription="1 year No Upfront Compute Savings Plan", PricingCategory="Committed",
                   CommitmentDiscountId=sp_arn, CommitmentDiscountName="sp-dataplatform", CommitmentDiscountCategory="Spend",
                   CommitmentDiscountType="Savings Plan", CommitmentDiscountStatus="Unused",
                   ServiceName="Savings Plans for AWS Compute usage", ServiceCategory="Compute",
                   ServiceSubcategory="Virtual Machines", SkuId="SPCOMPUTE1YRNU", SkuMeter="ComputeSP:1yrNoUpfront",
                   SkuPriceId="SPCOMPUTE.1YRNU")
        rows.append(fee)
        extra.append({"x_Operation": "", "x_ServiceCode": "ComputeSavingsPlans"})
    # a credit and a tax row
    credit = _empty_row(COLUMNS_1_2)
    credit.update(common)
    credit.update(BilledCost=_dec(-15 * 10**10), EffectiveCost=_dec(-15 * 10**10), ListCost=_dec(-15 * 10**10),
                  ContractedCost=_dec(-15 * 10**10), ChargeCategory="Credit", ChargeFrequency="One-Time",
                  ChargePeriodStart=month_start, ChargePeriodEnd=month_start + dt.timedelta(days=last_day),
                  ChargeDescription="AWS Activate credit", ServiceName=ec2[0], ServiceCategory=ec2[1], ServiceSubcategory=ec2[2],
                  Tags=json.dumps({"tenant": tenants[2]}, ensure_ascii=False))
    tax = _empty_row(COLUMNS_1_2)
    tax.update(common)
    tax_units = 123_450_000_000 * last_day // 31 // 10**8 * 10**8  # cents
    tax.update(BilledCost=_dec(tax_units), EffectiveCost=_dec(tax_units), ListCost=_dec(tax_units), ContractedCost=_dec(tax_units),
               ChargeCategory="Tax", ChargeFrequency="One-Time", ChargePeriodStart=month_start,
               ChargePeriodEnd=month_start + dt.timedelta(days=last_day), ChargeDescription="Tax for product code AmazonEC2",
               ServiceName=ec2[0], ServiceCategory=ec2[1], ServiceSubcategory=ec2[2])
    for r in (credit, tax):
        rows.append(r)
        extra.append({"x_Operation": "", "x_ServiceCode": "AmazonEC2"})
    return rows, extra


def _aws_1_2(out: Path, month: str, seed: int, n: int) -> list[Path]:
    start, end, ndays = _month_bounds(month)
    folder = out / SOURCE_NAME / "data-platform-focus" / "data" / f"BILLING_PERIOD={month}"
    paths = []
    # the mid-month snapshot first, then the full month: the newer delivery replaces the older
    deliveries = ((f"{start:%Y%m}15T030000Z", 15, n // 2), (f"{end:%Y%m%d}T030000Z", ndays, n))
    for k, (delivery, last_day, rows_n) in enumerate(deliveries):
        rows, extra = _aws_1_2_rows(month, seed, rows_n, last_day)
        path = folder / delivery / "data-platform-focus-00001.snappy.parquet"
        _write_parquet(path, COLUMNS_1_2, rows, {k2: [e[k2] for e in extra] for k2 in ("x_Operation", "x_ServiceCode")})
        stamp = dt.datetime(start.year, start.month, 1).timestamp() + k * 86_400
        os.utime(path, (stamp, stamp))
        paths.append(path)
    return paths


def _official_1_0(out: Path) -> Path:
    # the sample's own billing periods (2024-09 and a few 2024-10 rows), under AWS's layout
    path = out / SOURCE_NAME / "focus-sample-data" / "FOCUS-1.0" / "focus_sample.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(OFFICIAL_SAMPLE, path)
    return path


def generate(out: Path, month: str, seed: int, rows: int = 20_000) -> list[Path]:
    """The official 1.0 sample as is, plus a 1.1 (OCI) and a 1.2 (AWS, two deliveries) export for `month`."""
    return [_official_1_0(out), _oci_1_1(out, month, seed + 31, min(max(60, rows // 50), 5_000))] + _aws_1_2(
        out, month, seed + 37, min(max(120, rows // 20), 20_000)
    )
