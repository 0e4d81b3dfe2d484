"""The AWS CUR sample's bulk: a catalog of the platform's resources, and hourly on-demand and
spot usage rows drawn from it, built column-wise in Arrow."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from dagster_project.sample.aws_cur_schema import (
    PRODUCTS,
    REGION_PREFIX,
    SCHEMA,
    SHARED_PRODUCTS,
    TAGS_TYPE,
    Export,
    _sku,
)
from dagster_project.sample.common import TENANT_TAGS


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
