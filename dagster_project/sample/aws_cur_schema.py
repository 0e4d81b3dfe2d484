"""The AWS CUR 2.0 sample's shape: its columns (SCHEMA), the two payers' exports, the products
the platform runs, and the small helpers the bulk and special rows share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa

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
