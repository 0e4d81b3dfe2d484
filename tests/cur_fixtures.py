"""Hand-written CUR 2.0 CSV files for tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

BASE = {
    "identity_line_item_id": "",
    "bill_payer_account_id": "111122223333",
    "bill_billing_period_start_date": "2026-10-01T00:00:00Z",
    "line_item_line_item_type": "Usage",
    "line_item_usage_start_date": "2026-10-05T00:00:00Z",
    "line_item_usage_end_date": "2026-10-06T00:00:00Z",
    "line_item_usage_account_id": "210987654321",
    "line_item_product_code": "AmazonEC2",
    "line_item_currency_code": "USD",
    "line_item_unblended_cost": "0",
    "line_item_unblended_rate": "",
    "line_item_usage_amount": "",
    "pricing_public_on_demand_rate": "",
    "pricing_unit": "",
    "product_sku": "",
    "pricing_rate_code": "",
    "resource_tags": "",
    "product_region_code": "us-east-1",
    "line_item_resource_id": "",
}


def usage(cost: str, rate: str, amount: str, unit: str, tenant: str | None, product: str = "AmazonEC2", **kw) -> dict:
    row = dict(line_item_unblended_cost=cost, line_item_unblended_rate=rate, line_item_usage_amount=amount,
               pricing_public_on_demand_rate=rate, pricing_unit=unit, product_sku=f"SKU-{product}",
               pricing_rate_code=f"SKU-{product}.R", line_item_product_code=product,
               resource_tags=json.dumps({"user_tenant": tenant}) if tenant else "")
    row.update(kw)
    return row


def write_cur_rows(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = list(BASE)
    for r in rows:
        cols += [k for k in r if k not in cols]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for i, r in enumerate(rows):
            full = dict(BASE, identity_line_item_id=f"row{i}")
            full.update(r)
            w.writerow(full)
