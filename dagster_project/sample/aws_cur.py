"""Deterministic AWS CUR 2.0 (Data Exports) sample for a multi-tenant batch platform.

Writes parquet in AWS's layout: <out>/aws_cur/<export>/data/BILLING_PERIOD=YYYY-MM/<export>-0000N.snappy.parquet
Money columns are doubles, as AWS writes them; every generated amount has at most ten
decimals so the warehouse's DECIMAL(38,10) reads it back exactly.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.sample import aws_containers
from dagster_project.sample.common import TENANT_TAGS

CHUNK_ROWS = 500_000
ROWS_PER_FILE = 2_000_000

TAGS_TYPE = pa.map_(pa.string(), pa.string())


@dataclass(frozen=True)
class Export:
    name: str
    payer_id: str
    payer_name: str
    currency: str
    invoicing_entity: str
    accounts: tuple[tuple[str, str], ...]
    regions: tuple[str, ...]
    # scales unit rates: the JPY payer is billed in yen
    rate_scale: int


EXPORTS = (
    Export(
        name="platform-cur2",
        payer_id="111122223333",
        payer_name="Batch Platform Payer",
        currency="USD",
        invoicing_entity="Amazon Web Services, Inc.",
        accounts=(("210987654321", "batch-prod"), ("210987654322", "batch-dev"), ("210987654323", "shared-services")),
        regions=("us-east-1", "eu-west-1", "ap-northeast-1"),
        rate_scale=1,
    ),
    Export(
        name="jp-payer-cur2",
        payer_id="444455556666",
        payer_name="Batch Platform Japan",
        currency="JPY",
        invoicing_entity="Amazon Web Services Japan G.K.",
        accounts=(("310987654321", "batch-jp-prod"),),
        regions=("ap-northeast-1", "ap-northeast-3"),
        rate_scale=150,
    ),
)

# product code, usage type suffix, operation, unit, on-demand rate (USD, <= 6 decimals), family, instance type
PRODUCTS = (
    ("AmazonEC2", "BoxUsage:m7i.2xlarge", "RunInstances", "Hrs", "0.403200", "Compute Instance", "m7i.2xlarge"),
    ("AmazonEC2", "BoxUsage:c7g.4xlarge", "RunInstances", "Hrs", "0.580000", "Compute Instance", "c7g.4xlarge"),
    ("AmazonEC2", "SpotUsage:r7i.xlarge", "RunInstances:SV001", "Hrs", "0.088300", "Compute Instance", "r7i.xlarge"),
    ("AmazonEC2", "EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "GB-Mo", "0.080000", "Storage", None),
    ("AmazonS3", "TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", "0.023000", "Storage", None),
    ("AmazonS3", "Requests-Tier1", "PutObject", "Requests", "0.000005", "API Request", None),
    ("AWSLambda", "Lambda-GB-Second", "Invoke", "Lambda-GB-Second", "0.000017", "Serverless", None),
    ("AmazonCloudWatch", "DataProcessing-Bytes", "PutLogEvents", "GB", "0.500000", "Data Payload", None),
    ("AmazonECR", "TimedStorage-ByteHrs", "StorageUsage", "GB-Mo", "0.100000", "Storage", None),
)
SHARED_PRODUCTS = (
    ("AmazonEKS", "AmazonEKS-Hours:perCluster", "CreateOperation", "Hrs", "0.100000", "Compute", None),
    ("AmazonVPC", "NatGateway-Hours", "NatGateway", "Hrs", "0.045000", "NAT Gateway", None),
    ("AmazonVPC", "NatGateway-Bytes", "NatGateway", "GB", "0.045000", "NAT Gateway", None),
    ("AWSSecretsManager", "AWSSecretsManager-Secrets", "StorageSecret", "Secrets", "0.400000", "Secret", None),
)
# The self-hosted LLM's GPU fleet: a common cost split by tokens (see allocation rules).
GPU_PRODUCT = ("AmazonEC2", "BoxUsage:g6e.12xlarge", "RunInstances", "Hrs", "10.492800", "Compute Instance", "g6e.12xlarge")

REGION_PREFIX = {"us-east-1": "USE1", "eu-west-1": "EU", "ap-northeast-1": "APN1", "ap-northeast-3": "APN3"}


def _ts(day: dt.date, hour: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def _month_bounds(month: str) -> tuple[dt.date, dt.date, int]:
    year, mon = (int(x) for x in month.split("-"))
    ndays = calendar.monthrange(year, mon)[1]
    start = dt.date(year, mon, 1)
    end = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return start, end, ndays


SCHEMA = pa.schema(
    [
        ("identity_line_item_id", pa.string()),
        ("identity_time_interval", pa.string()),
        ("bill_bill_type", pa.string()),
        ("bill_billing_entity", pa.string()),
        ("bill_billing_period_start_date", pa.timestamp("ms", tz="UTC")),
        ("bill_billing_period_end_date", pa.timestamp("ms", tz="UTC")),
        ("bill_invoice_id", pa.string()),
        ("bill_invoicing_entity", pa.string()),
        ("bill_payer_account_id", pa.string()),
        ("bill_payer_account_name", pa.string()),
        ("line_item_availability_zone", pa.string()),
        ("line_item_currency_code", pa.string()),
        ("line_item_legal_entity", pa.string()),
        ("line_item_line_item_description", pa.string()),
        ("line_item_line_item_type", pa.string()),
        ("line_item_net_unblended_cost", pa.float64()),
        ("line_item_operation", pa.string()),
        ("line_item_product_code", pa.string()),
        ("line_item_resource_id", pa.string()),
        ("line_item_tax_type", pa.string()),
        ("line_item_unblended_cost", pa.float64()),
        ("line_item_unblended_rate", pa.string()),
        ("line_item_usage_account_id", pa.string()),
        ("line_item_usage_account_name", pa.string()),
        ("line_item_usage_amount", pa.float64()),
        ("line_item_usage_end_date", pa.timestamp("ms", tz="UTC")),
        ("line_item_usage_start_date", pa.timestamp("ms", tz="UTC")),
        ("line_item_usage_type", pa.string()),
        ("pricing_currency", pa.string()),
        ("pricing_public_on_demand_cost", pa.float64()),
        ("pricing_public_on_demand_rate", pa.string()),
        ("pricing_purchase_option", pa.string()),
        ("pricing_rate_code", pa.string()),
        ("pricing_rate_id", pa.string()),
        ("pricing_term", pa.string()),
        ("pricing_unit", pa.string()),
        ("product_instance_type", pa.string()),
        ("product_product_family", pa.string()),
        ("product_region_code", pa.string()),
        ("product_servicecode", pa.string()),
        ("product_sku", pa.string()),
        ("reservation_effective_cost", pa.float64()),
        ("reservation_reservation_a_r_n", pa.string()),
        ("reservation_unused_amortized_upfront_fee_for_billing_period", pa.float64()),
        ("reservation_unused_recurring_fee", pa.float64()),
        ("savings_plan_savings_plan_a_r_n", pa.string()),
        ("savings_plan_savings_plan_effective_cost", pa.float64()),
        ("savings_plan_savings_plan_rate", pa.float64()),
        ("savings_plan_total_commitment_to_date", pa.float64()),
        ("savings_plan_used_commitment", pa.float64()),
        ("split_line_item_parent_resource_id", pa.string()),
        ("split_line_item_split_cost", pa.float64()),
        ("split_line_item_unused_cost", pa.float64()),
        ("split_line_item_split_usage", pa.float64()),
        ("split_line_item_split_usage_ratio", pa.float64()),
        ("split_line_item_actual_usage", pa.float64()),
        ("split_line_item_reserved_usage", pa.float64()),
        ("resource_tags", TAGS_TYPE),
    ]
)


def _sku(product: str, usage_type: str) -> str:
    h = abs(hash_str(product + usage_type))
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    out = []
    for _ in range(16):
        out.append(alphabet[h % len(alphabet)])
        h //= len(alphabet)
    return "".join(out)


def hash_str(s: str) -> int:
    # stable across processes (Python's hash() is salted)
    h = 1469598103934665603
    for ch in s.encode():
        h = ((h ^ ch) * 1099511628211) % (1 << 64)
    return h


class _Rows:
    """Collects special (non-bulk) rows as dicts and turns them into an Arrow table."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, **kw) -> None:
        self.rows.append(kw)

    def table(self) -> pa.Table:
        cols = {f.name: [r.get(f.name) for r in self.rows] for f in SCHEMA}
        return pa.table(cols, schema=SCHEMA)


def _units(value: int, scale: int) -> float:
    return value / 10**scale


SOURCE_NAME = "aws_cur"


def generate(out: Path, month: str, seed: int, rows: int = 20_000) -> list[Path]:
    """Write both exports for `month`; `rows` sizes the main export's usage volume."""
    written: list[Path] = []
    for i, export in enumerate(EXPORTS):
        export_rows = rows if i == 0 else max(200, rows // 20)
        written += _generate_export(out, export, month, seed + i, export_rows)
    return written


def _generate_export(out: Path, export: Export, month: str, seed: int, rows: int) -> list[Path]:
    rng = np.random.default_rng(seed)
    start, end, ndays = _month_bounds(month)
    folder = out / "aws_cur" / export.name / "data" / f"BILLING_PERIOD={month}"
    folder.mkdir(parents=True, exist_ok=True)
    period_start, period_end = _ts(start), _ts(end)
    common = dict(
        bill_bill_type="Anniversary",
        bill_billing_entity="AWS",
        bill_billing_period_start_date=period_start,
        bill_billing_period_end_date=period_end,
        bill_invoicing_entity=export.invoicing_entity,
        bill_invoice_id=f"{export.payer_id[-4:]}{month.replace('-', '')}INV",
        bill_payer_account_id=export.payer_id,
        bill_payer_account_name=export.payer_name,
        line_item_currency_code=export.currency,
        line_item_legal_entity=export.invoicing_entity,
        pricing_currency=export.currency,
    )
    special = _special_rows(export, rng, start, ndays, common)
    n_bulk = max(rows - special.num_rows, 0)
    paths = []
    writer = None
    part = 0
    written_in_part = 0

    def open_writer():
        nonlocal writer, part, written_in_part
        if writer is not None:
            writer.close()
        part += 1
        written_in_part = 0
        path = folder / f"{export.name}-{part:05d}.snappy.parquet"
        writer = pq.ParquetWriter(path, SCHEMA, compression="snappy")
        paths.append(path)

    open_writer()
    writer.write_table(special)
    written_in_part += special.num_rows
    catalog = _catalog(export, rng)
    done = 0
    while done < n_bulk:
        n = min(CHUNK_ROWS, n_bulk - done)
        if written_in_part >= ROWS_PER_FILE:
            open_writer()
        writer.write_table(_bulk_usage(export, catalog, rng, start, ndays, done, n, common))
        written_in_part += n
        done += n
    writer.close()
    return paths


def _catalog(export: Export, rng: np.random.Generator) -> dict:
    """Resources of the platform: each has a product, an account, a region and tags."""
    entries = []
    tenants = list(TENANT_TAGS)
    for r in range(400):
        prod = PRODUCTS[r % len(PRODUCTS)]
        account = export.accounts[r % len(export.accounts)]
        region = export.regions[(r // 3) % len(export.regions)]
        # about 8% of resources are untagged: they land on the `unallocated` tenant
        tagged = (r % 13) != 0
        tenant = tenants[r % len(tenants)]
        tags = [("user_tenant", tenant), ("user_app", f"job-{r % 17}")] if tagged else [("aws_createdBy", "AssumedRole:ci")]
        entries.append((prod, account, region, tags, f"{prod[0].lower()}-{export.name}-{r:04d}"))
    for s, prod in enumerate(SHARED_PRODUCTS):
        for account in export.accounts[:1]:
            region = export.regions[0]
            entries.append((prod, account, region, [("user_tenant", "shared"), ("user_app", "platform")], f"shared-{s}"))
    prods = [e[0] for e in entries]
    rate_units = np.array([round(float(p[4]) * export.rate_scale * 1_000_000) for p in prods], dtype=np.int64)
    usage_types = [f"{REGION_PREFIX[e[2]]}-{e[0][1]}" for e in entries]
    return {
        "n": len(entries),
        "product_code": pa.array([p[0] for p in prods]),
        "usage_type": pa.array(usage_types),
        "operation": pa.array([p[2] for p in prods]),
        "unit": pa.array([p[3] for p in prods]),
        "rate_units": rate_units,
        "rate_str": pa.array([f"{r / 1_000_000:.6f}" for r in rate_units]),
        "family": pa.array([p[5] for p in prods]),
        "instance_type": pa.array([p[6] for p in prods]),
        "spot": np.array(["SpotUsage" in p[1] for p in prods]),
        "account_id": pa.array([e[1][0] for e in entries]),
        "account_name": pa.array([e[1][1] for e in entries]),
        "region": pa.array([e[2] for e in entries]),
        "az": pa.array([e[2] + "a" for e in entries]),
        "sku": pa.array([_sku(p[0], u) for p, u in zip(prods, usage_types)]),
        "resource_id": pa.array([e[4] for e in entries]),
        "tags": pa.array([e[3] for e in entries], type=TAGS_TYPE),
        "description": pa.array(
            [f"{export.currency} {r / 1_000_000:.6f} per {p[3]} for {p[1]}" for p, r in zip(prods, rate_units)]
        ),
    }


def _bulk_usage(export, catalog, rng, start, ndays, offset, n, common) -> pa.Table:
    idx = rng.integers(0, catalog["n"], n)
    take = pa.array(idx)
    day = rng.integers(0, ndays, n)
    hour = rng.integers(0, 24, n)
    base = np.datetime64(start.isoformat(), "ms")
    start_ts = base + (day * 24 + hour).astype("timedelta64[h]")
    end_ts = start_ts + np.timedelta64(1, "h")
    # usage amount in 1e-4 units; rate in 1e-6 units; cost exact in 1e-10 units
    amount_units = rng.integers(1, 40_000, n).astype(np.int64)
    rate_units = catalog["rate_units"][idx]
    cost_units = amount_units * rate_units
    amount = amount_units / 1e4
    cost = cost_units / 1e10
    spot = catalog["spot"][idx]
    ids = [f"{export.name[:4]}{offset + i:012d}" for i in range(n)]
    start_strs = np.datetime_as_string(start_ts, unit="s")
    end_strs = np.datetime_as_string(end_ts, unit="s")
    interval = np.char.add(np.char.add(np.char.add(start_strs, "Z/"), end_strs), "Z")
    cols = {
        "identity_line_item_id": pa.array(ids),
        "identity_time_interval": pa.array(interval),
        "line_item_availability_zone": catalog["az"].take(take),
        "line_item_line_item_description": catalog["description"].take(take),
        "line_item_line_item_type": pa.array(["Usage"] * n),
        "line_item_net_unblended_cost": pa.nulls(n, pa.float64()),
        "line_item_operation": catalog["operation"].take(take),
        "line_item_product_code": catalog["product_code"].take(take),
        "line_item_resource_id": catalog["resource_id"].take(take),
        "line_item_tax_type": pa.nulls(n, pa.string()),
        "line_item_unblended_cost": pa.array(cost),
        "line_item_unblended_rate": catalog["rate_str"].take(take),
        "line_item_usage_account_id": catalog["account_id"].take(take),
        "line_item_usage_account_name": catalog["account_name"].take(take),
        "line_item_usage_amount": pa.array(amount),
        "line_item_usage_end_date": pa.array(end_ts, type=pa.timestamp("ms", tz="UTC")),
        "line_item_usage_start_date": pa.array(start_ts, type=pa.timestamp("ms", tz="UTC")),
        "line_item_usage_type": catalog["usage_type"].take(take),
        "pricing_public_on_demand_cost": pa.array(cost),
        "pricing_public_on_demand_rate": catalog["rate_str"].take(take),
        "pricing_purchase_option": pa.array(np.where(spot, "Spot", "OnDemand")),
        "pricing_rate_code": pa.compute.binary_join_element_wise(catalog["sku"].take(take), "JRTCKXETXF", "."),
        "pricing_rate_id": pa.array((idx + 1000).astype(str)),
        "pricing_term": pa.array(np.where(spot, "Spot", "OnDemand")),
        "pricing_unit": catalog["unit"].take(take),
        "product_instance_type": catalog["instance_type"].take(take),
        "product_product_family": catalog["family"].take(take),
        "product_region_code": catalog["region"].take(take),
        "product_servicecode": catalog["product_code"].take(take),
        "product_sku": catalog["sku"].take(take),
        "resource_tags": catalog["tags"].take(take),
    }
    for k, v in common.items():
        cols[k] = pa.array([v] * n, type=SCHEMA.field(k).type) if not isinstance(v, dt.datetime) else pa.array(
            np.full(n, np.datetime64(v.replace(tzinfo=None), "ms")), type=SCHEMA.field(k).type
        )
    for f in SCHEMA:
        if f.name not in cols:
            cols[f.name] = pa.nulls(n, f.type)
    return pa.table(cols, schema=SCHEMA)


def _special_rows(export: Export, rng, start: dt.date, ndays: int, common: dict) -> pa.Table:
    """Commitments, fees, taxes, credits, refunds and the self-hosted LLM GPU fleet."""
    out = _Rows()
    k = export.rate_scale
    acct_id, acct_name = export.accounts[0]
    region = export.regions[0]
    prefix = REGION_PREFIX[region]
    ri_arn = f"arn:aws:ec2:{region}:{acct_id}:reserved-instances/ri-{export.name}"
    sp_arn = f"arn:aws:savingsplans::{acct_id}:savingsplan/sp-{export.name}"
    tenants = list(TENANT_TAGS)
    n = 0

    def rid() -> str:
        nonlocal n
        n += 1
        return f"{export.name[:4]}S{n:011d}"

    def base(day: dt.date, hour: int = 0, hours: int = 1, **kw):
        s, e = _ts(day, hour), _ts(day, hour) + dt.timedelta(hours=hours)
        row = dict(common)
        row.update(
            identity_line_item_id=rid(),
            identity_time_interval=f"{s:%Y-%m-%dT%H:%M:%SZ}/{e:%Y-%m-%dT%H:%M:%SZ}",
            line_item_usage_start_date=s,
            line_item_usage_end_date=e,
            line_item_usage_account_id=acct_id,
            line_item_usage_account_name=acct_name,
            product_region_code=region,
        )
        row.update(kw)
        return row

    ri_rate_units = 252_000 * k  # 0.252000 per hour in 1e-6 units
    od_rate_units = 403_200 * k
    sp_rate_units = 290_000 * k
    sp_commit_units = 24 * 4 * sp_rate_units * 10_000  # in 1e-10 units: 4 instances' worth of hours
    gpu_rate_units = round(10.4928 * k * 1_000_000)
    sku_ri = _sku("AmazonEC2", f"{prefix}-BoxUsage:m7i.2xlarge")
    for d in range(ndays):
        day = start + dt.timedelta(days=d)
        # Reserved instance (no upfront, 3 instances): covered usage plus the daily RI fee.
        used_units = 0
        for h in range(0, 24, 3):
            tenant = tenants[(d + h) % len(tenants)]
            amount_units = 3 * 10_000 * 3  # 3 instances x 3 hours
            eff = amount_units * ri_rate_units
            used_units += eff
            out.add(**base(day, h, 3,
                line_item_line_item_type="DiscountedUsage", line_item_product_code="AmazonEC2",
                line_item_usage_type=f"{prefix}-BoxUsage:m7i.2xlarge", line_item_operation="RunInstances",
                line_item_resource_id=f"i-ri{d:02d}{h:02d}", line_item_unblended_cost=0.0,
                line_item_unblended_rate="0.0", line_item_usage_amount=amount_units / 1e4,
                line_item_line_item_description="m7i.2xlarge reserved instance applied",
                pricing_public_on_demand_rate=f"{od_rate_units / 1e6:.6f}",
                pricing_public_on_demand_cost=amount_units * od_rate_units / 1e10,
                pricing_purchase_option="No Upfront", pricing_term="Reserved", pricing_unit="Hrs",
                pricing_rate_code=f"{sku_ri}.4NA7Y494T4", pricing_rate_id="9001",
                product_servicecode="AmazonEC2", product_sku=sku_ri, product_instance_type="m7i.2xlarge",
                product_product_family="Compute Instance",
                reservation_reservation_a_r_n=ri_arn, reservation_effective_cost=eff / 1e10,
                resource_tags=[("user_tenant", tenant), ("user_app", "etl")]))
        fee_units = 4 * 24 * 10_000 * ri_rate_units  # 4 reserved instances, 24 h
        out.add(**base(day, 0, 24,
            line_item_line_item_type="RIFee", line_item_product_code="AmazonEC2",
            line_item_usage_type=f"{prefix}-HeavyUsage:m7i.2xlarge", line_item_operation="RunInstances",
            line_item_unblended_cost=fee_units / 1e10, line_item_unblended_rate=f"{ri_rate_units / 1e6:.6f}",
            line_item_usage_amount=96.0, line_item_line_item_description="Reserved instance fee, 4 x m7i.2xlarge",
            pricing_public_on_demand_rate=f"{ri_rate_units / 1e6:.6f}", pricing_public_on_demand_cost=fee_units / 1e10,
            pricing_purchase_option="No Upfront", pricing_term="Reserved", pricing_unit="Hrs",
            pricing_rate_code=f"{sku_ri}.4NA7Y494T4", pricing_rate_id="9001", product_servicecode="AmazonEC2",
            product_sku=sku_ri, product_instance_type="m7i.2xlarge", product_product_family="Compute Instance",
            reservation_reservation_a_r_n=ri_arn, reservation_unused_amortized_upfront_fee_for_billing_period=0.0,
            reservation_unused_recurring_fee=(fee_units - used_units) / 1e10, resource_tags=[]))
        # Compute savings plan: covered usage, its negation, and the daily recurring fee.
        sp_used = 0
        for h in range(1, 24, 4):
            tenant = tenants[(d + h + 2) % len(tenants)]
            amount_units = 2 * 4 * 10_000  # 2 instances x 4 h
            od_units = amount_units * od_rate_units
            sp_units = amount_units * sp_rate_units
            sp_used += sp_units
            common_kw = dict(
                line_item_product_code="AmazonEC2", line_item_usage_type=f"{prefix}-BoxUsage:m7i.2xlarge",
                line_item_operation="RunInstances", line_item_resource_id=f"i-sp{d:02d}{h:02d}",
                line_item_usage_amount=amount_units / 1e4, pricing_public_on_demand_rate=f"{od_rate_units / 1e6:.6f}",
                pricing_public_on_demand_cost=od_units / 1e10, pricing_purchase_option="OnDemand", pricing_term="OnDemand",
                pricing_unit="Hrs", pricing_rate_code=f"{sku_ri}.JRTCKXETXF", pricing_rate_id="9002",
                product_servicecode="AmazonEC2", product_sku=sku_ri, product_instance_type="m7i.2xlarge",
                product_product_family="Compute Instance", savings_plan_savings_plan_a_r_n=sp_arn,
                resource_tags=[("user_tenant", tenant), ("user_app", "batch")],
            )
            out.add(**base(day, h, 4, line_item_line_item_type="SavingsPlanCoveredUsage",
                line_item_unblended_cost=od_units / 1e10, line_item_unblended_rate=f"{od_rate_units / 1e6:.6f}",
                line_item_line_item_description="m7i.2xlarge covered by Compute Savings Plan",
                savings_plan_savings_plan_effective_cost=sp_units / 1e10,
                savings_plan_savings_plan_rate=sp_rate_units / 1e6, **common_kw))
            out.add(**base(day, h, 4, line_item_line_item_type="SavingsPlanNegation",
                line_item_unblended_cost=-od_units / 1e10, line_item_unblended_rate=f"{-od_rate_units / 1e6:.6f}",
                line_item_line_item_description=f"SavingsPlanNegation used by AccountId : {acct_id} and UsageSku : {sku_ri}",
                **common_kw))
        out.add(**base(day, 0, 24, line_item_line_item_type="SavingsPlanRecurringFee",
            line_item_product_code="ComputeSavingsPlans", line_item_usage_type="ComputeSP:1yrNoUpfront",
            line_item_operation="", line_item_resource_id=sp_arn,
            line_item_unblended_cost=sp_commit_units / 1e10, line_item_unblended_rate=f"{sp_rate_units / 1e6:.6f}",
            line_item_usage_amount=96.0, line_item_line_item_description="1 year No Upfront Compute Savings Plan",
            pricing_public_on_demand_rate=f"{sp_rate_units / 1e6:.6f}", pricing_public_on_demand_cost=sp_commit_units / 1e10,
            pricing_purchase_option="No Upfront", pricing_term="Savings Plan", pricing_unit="Hrs",
            pricing_rate_code="SPCOMPUTE.1YRNU", pricing_rate_id="9003", product_servicecode="ComputeSavingsPlans",
            product_sku="SPCOMPUTE1YRNU", product_product_family="Savings Plan",
            savings_plan_savings_plan_a_r_n=sp_arn, savings_plan_total_commitment_to_date=sp_commit_units / 1e10,
            savings_plan_used_commitment=sp_used / 1e10, resource_tags=[]))
        # Self-hosted LLM GPU fleet (2 x g6e.12xlarge all day), split by tokens.
        gpu_units = 2 * 24 * 10_000 * gpu_rate_units
        gpu_sku = _sku("AmazonEC2", f"{prefix}-BoxUsage:g6e.12xlarge")
        out.add(**base(day, 0, 24, line_item_line_item_type="Usage", line_item_product_code="AmazonEC2",
            line_item_usage_type=f"{prefix}-BoxUsage:g6e.12xlarge", line_item_operation="RunInstances",
            line_item_resource_id="i-llm-gpu-fleet", line_item_unblended_cost=gpu_units / 1e10,
            line_item_unblended_rate=f"{gpu_rate_units / 1e6:.6f}", line_item_usage_amount=48.0,
            line_item_line_item_description="g6e.12xlarge on demand, vLLM serving llama-3-70b",
            pricing_public_on_demand_rate=f"{gpu_rate_units / 1e6:.6f}", pricing_public_on_demand_cost=gpu_units / 1e10,
            pricing_purchase_option="OnDemand", pricing_term="OnDemand", pricing_unit="Hrs",
            pricing_rate_code=f"{gpu_sku}.JRTCKXETXF", pricing_rate_id="9004", product_servicecode="AmazonEC2",
            product_sku=gpu_sku, product_instance_type="g6e.12xlarge", product_product_family="Compute Instance",
            resource_tags=[("user_tenant", "shared"), ("user_app", "llm-serving")]))
        # ECS and EKS cluster nodes with split cost allocation data, and the shared job cluster
        if export.currency == "USD":
            for row in aws_containers.rows(base, day, prefix, acct_id, region, k):
                out.add(**row)
    last = start + dt.timedelta(days=ndays - 1)
    # Business support: a monthly fee (a common cost).
    support_units = 1_000_000 * 10_000 * k * 100  # 100.000000 x k in 1e-10 units... scaled below
    support = 100 * k
    out.add(**base(start, 0, 24 * ndays, line_item_line_item_type="Fee", line_item_product_code="AWSSupportBusiness",
        line_item_usage_type="Business-Support", line_item_operation="", line_item_unblended_cost=float(support),
        line_item_unblended_rate=f"{support:.6f}", line_item_usage_amount=1.0,
        line_item_line_item_description="AWS Support (Business)", pricing_public_on_demand_rate=f"{support:.6f}",
        pricing_public_on_demand_cost=float(support), pricing_purchase_option="OnDemand", pricing_term="OnDemand",
        pricing_unit="Fee", pricing_rate_code="SUPPORTBIZ.FEE", pricing_rate_id="9005",
        product_servicecode="AWSSupportBusiness", product_sku="SUPPORTBIZ", product_product_family="AWS Support",
        resource_tags=[]))
    del support_units
    # Credits and refunds: negative, tagged to a tenant (one credit is untagged).
    out.add(**base(last, 0, 24, line_item_line_item_type="Credit", line_item_product_code="AmazonEC2",
        line_item_usage_type=f"{prefix}-BoxUsage:m7i.2xlarge", line_item_unblended_cost=-25.5 * k,
        line_item_line_item_description="AWS Activate credit", resource_tags=[("user_tenant", tenants[0])]))
    out.add(**base(last, 0, 24, line_item_line_item_type="Credit", line_item_product_code="AmazonS3",
        line_item_usage_type=f"{prefix}-TimedStorage-ByteHrs", line_item_unblended_cost=-3.25 * k,
        line_item_line_item_description="Service credit for S3 SLA", resource_tags=[]))
    out.add(**base(start + dt.timedelta(days=min(9, ndays - 1)), 0, 24, line_item_line_item_type="Refund",
        line_item_product_code="AmazonEC2", line_item_usage_type=f"{prefix}-BoxUsage:c7g.4xlarge",
        line_item_unblended_cost=-12.75 * k, line_item_line_item_description="Refund for duplicate charge",
        resource_tags=[("user_tenant", tenants[1 % len(tenants)])]))
    # Taxes: one per account and product family, computed on the month (a common cost).
    for acct in export.accounts:
        tax = round(float(rng.integers(500, 5000)) / 100 * k, 2)
        out.add(**base(start, 0, 24 * ndays, line_item_line_item_type="Tax", line_item_product_code="AmazonEC2",
            line_item_usage_account_id=acct[0], line_item_usage_account_name=acct[1], line_item_usage_type="",
            line_item_tax_type="JCT" if export.currency == "JPY" else "VAT", line_item_unblended_cost=tax,
            line_item_line_item_description="Tax for product code AmazonEC2", resource_tags=[]))
    return out.table()
