"""Deterministic GCP Cloud Billing detailed export sample, as extracted from BigQuery.

Two billing accounts: one billed in JPY (written as newline-delimited JSON, BigQuery's JSON
extract format) and one in USD (parquet with nested structs). Layout:
<out>/gcp_billing/<billing account>/BILLING_PERIOD=YYYY-MM/gcp_billing_export_resource_v1_<id>-000000000000.<ext>

Money is built from integers so every amount has at most ten decimals: price in 1e-6 of the
billing currency per pricing unit, quantity in 1e-4 pricing units, cost in 1e-10; credits are
integer fractions of the cost. Labels carry the same `tenant` values as the AWS sample; rows of
project ml-research-jp and analytics-us are unlabelled and reach their tenant through the
tenant map (key_type gcp_project).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.sample.aws_cur import _month_bounds
from dagster_project.sample.common import TENANT_TAGS

SOURCE_NAME = "gcp_billing"


@dataclass(frozen=True)
class Account:
    billing_account_id: str
    currency: str
    conversion_rate: str  # USD -> billing currency, as the export reports it
    rate_scale: int  # unit prices are scaled into the billing currency
    fmt: str  # "json" or "parquet"
    region: str
    country: str
    projects: tuple[tuple[str, str, str], ...]  # (id, number, name)
    taxed: bool


ACCOUNTS = (
    Account("01A2B3-C4D5E6-F7A8B9", "JPY", "149.52", 150, "json", "asia-northeast1", "JP",
            (("batch-jp-prod", "483920175512", "Batch JP Prod"), ("ml-research-jp", "483920175513", "ML Research JP"),
             ("platform-shared-jp", "483920175514", "Platform Shared JP")), True),
    Account("0F1E2D-3C4B5A-697887", "USD", "1", 1, "parquet", "us-central1", "US",
            (("batch-us-prod", "771245098841", "Batch US Prod"), ("analytics-us", "771245098842", "Analytics US")), False),
)

# service id, service, sku id, sku, usage unit, usage units per pricing unit, pricing unit, list price (USD, 6 dp), discount %
CATALOG = (
    ("6F81-5844-456A", "Compute Engine", "A5C1-1D2E-3F40", "N2 Instance Core running in {region}", "seconds", 3600, "hour", "0.043100", 0),
    ("6F81-5844-456A", "Compute Engine", "B7D2-2E3F-4A51", "N2 Instance Ram running in {region}", "byte-seconds", 3600 * 2**30, "gibibyte hour", "0.005770", 0),
    ("CCD8-9BF1-090E", "Kubernetes Engine", "C9E3-3F4A-5B62", "Autopilot Pod mCPU Requests ({region})", "seconds", 3600, "hour", "0.057300", 10),
    ("152E-C115-5142", "Cloud Run", "D1F4-4A5B-6C73", "CPU Allocation Time (tier 1)", "seconds", 3600, "hour", "0.086400", 0),
    ("95FF-2EF5-5EA1", "Cloud Storage", "E2A5-5B6C-7D84", "Standard Storage {region}", "byte-seconds", 2**30 * 2592000, "gibibyte month", "0.023000", 0),
    ("24E6-581D-38E5", "BigQuery", "F3B6-6C7D-8E95", "Analysis ({region})", "bytes", 2**40, "tebibyte", "6.250000", 0),
    ("C7E2-9256-1C43", "Vertex AI", "A4C7-7D8E-9FA6", "Custom Training n1-standard-8 running in {region}", "seconds", 3600, "hour", "0.437000", 0),
    ("5490-F7B7-8DF6", "Cloud Logging", "B5D8-8E9F-AAB7", "Log Storage cost", "bytes", 2**30, "gibibyte", "0.500000", 0),
)
SHARED = (
    ("CCD8-9BF1-090E", "Kubernetes Engine", "C6E9-9FA0-BBC8", "Regional Kubernetes Clusters", "seconds", 3600, "hour", "0.100000", 0),
    ("E505-1604-58F8", "Networking", "D7FA-A0B1-CCD9", "Cloud NAT Gateway: Uptime charge", "seconds", 3600, "hour", "0.044000", 0),
    ("EE2C-7FAC-5E08", "Secret Manager", "E8AB-B1C2-DDEA", "Secret version replica storage", "count", 1, "count", "0.060000", 0),
)
SUPPORT = ("2062-016F-44A2", "Support", "F9BC-C2D3-EEFB", "Enhanced Support", "count", 1, "count", "500.000000", 0)
INVOICE_SERVICE = ("B55D-6F8C-4A2B", "Invoice")


def _money(units: int, scale: int = 10) -> float:
    return units / 10**scale


def _labels(pairs) -> list[dict]:
    return [{"key": k, "value": v} for k, v in pairs]


def _catalog(account: Account) -> list[dict]:
    """Resources: each a SKU in a project with its labels."""
    tenants = list(TENANT_TAGS)
    out = []
    main, research = account.projects[0], account.projects[1]
    for r in range(60):
        sku = CATALOG[r % len(CATALOG)]
        project = research if r % 4 == 3 else main
        if project is research:
            labels = [("app", f"job-{r % 7}")]  # unlabelled for tenant: the project maps it
        elif r % 11 == 0:
            labels = []  # untagged: lands on `unallocated`
        else:
            labels = [("tenant", tenants[r % len(tenants)]), ("app", f"job-{r % 9}")]
            if r % 5 == 0:
                labels.append(("preemptible", ""))  # a valueless label: Tags gets true
        out.append(dict(sku=sku, project=project, labels=labels, name=f"{sku[1].lower().replace(' ', '-')}-{r:03d}"))
    shared_project = account.projects[-1] if len(account.projects) > 2 else main
    for s, sku in enumerate(SHARED):
        out.append(dict(sku=sku, project=shared_project, labels=[("tenant", "shared"), ("app", "platform")], name=f"shared-{s}"))
    return out


def _row(account: Account, res: dict, start: dt.datetime, hours: int, qty_units: int, cost_type: str = "regular",
         credits: list[dict] | None = None, export_row: int = 0) -> tuple[dict, int]:
    sid, sname, skuid, skud, uunit, factor, punit, list_price, discount = res["sku"]
    list_units = round(float(list_price) * 1_000_000) * account.rate_scale
    eff_units = list_units * (100 - discount) // 100
    cost_units = eff_units * qty_units
    pid, pnum, pname = res["project"]
    zone = f"{account.region}-a"
    end = start + dt.timedelta(hours=hours)
    row = {
        "billing_account_id": account.billing_account_id,
        "service": {"id": sid, "description": sname},
        "sku": {"id": skuid, "description": skud.format(region=account.region)},
        "usage_start_time": start,
        "usage_end_time": end,
        "project": {"id": pid, "number": pnum, "name": pname,
                    "labels": _labels([("env", "prod" if "prod" in pid else "research")]),
                    "ancestry_numbers": "/1234567890/"},
        "labels": _labels(res["labels"]),
        "system_labels": [],
        "location": {"location": zone if uunit == "seconds" else account.region, "country": account.country,
                     "region": account.region, "zone": zone if uunit == "seconds" else None},
        "resource": {"name": res["name"],
                     "global_name": f"//{sname.lower().replace(' ', '')}.googleapis.com/projects/{pid}/{res['name']}"},
        "tags": [],
        "price": {"effective_price": _money(eff_units, 6), "tier_start_amount": 0.0, "unit": punit, "pricing_unit_quantity": 1.0},
        "transaction_type": "GOOGLE",
        "seller_name": "Google",
        "export_time": end + dt.timedelta(hours=3),
        "cost": _money(cost_units),
        "cost_at_list": _money(list_units * qty_units),
        "currency": account.currency,
        "currency_conversion_rate": float(account.conversion_rate),
        "usage": {"amount": qty_units / 10_000 * factor, "unit": uunit,
                  "amount_in_pricing_units": qty_units / 10_000, "pricing_unit": punit},
        "credits": credits or [],
        "invoice": {"month": start.strftime("%Y%m"), "publisher_type": "GOOGLE"},
        "cost_type": cost_type,
        "adjustment_info": None,
    }
    return row, cost_units


def _credit(kind: str, units: int, n: int) -> dict:
    names = {
        "SUSTAINED_USAGE_DISCOUNT": ("Sustained Usage Discount", "Sustained usage discount"),
        "PROMOTION": ("Free trial credit", "Free trial credit for new accounts"),
        "FREE_TIER": ("Free tier", "Cloud Run free tier"),
        "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE": ("Committed use discount: dollar based", "Spend-based CUD: Cloud Run"),
    }
    name, full = names[kind]
    # a CUD credit names its commitment, the same on every row it covers; other credits are one-offs
    cid = "cloud-run-spend-cud" if kind.startswith("COMMITTED_USAGE_DISCOUNT") else f"{kind.lower()}-{n:06d}"
    return {"name": name, "amount": _money(units), "full_name": full, "id": cid, "type": kind}


def _generate_account(out: Path, account: Account, month: str, seed: int, n_rows: int) -> Path:
    rng = np.random.default_rng(seed)
    start_day, _end, ndays = _month_bounds(month)
    month_start = dt.datetime(start_day.year, start_day.month, 1, tzinfo=dt.UTC)
    resources = _catalog(account)
    rows: list[dict] = []
    project_net: dict[str, int] = {}
    n_credit = 0
    for i in range(n_rows):
        res = resources[int(rng.integers(0, len(resources)))]
        hour = int(rng.integers(0, ndays * 24))
        qty_units = int(rng.integers(1, 40_000))
        row, cost_units = _row(account, res, month_start + dt.timedelta(hours=hour), 1, qty_units)
        credits = []
        sname = res["sku"][1]
        if sname == "Compute Engine" and i % 3 == 0:
            n_credit += 1
            credits.append(_credit("SUSTAINED_USAGE_DISCOUNT", -(cost_units * 20 // 100), n_credit))
        if sname == "Cloud Run":
            n_credit += 1
            credits.append(_credit("COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE", -(cost_units * 17 // 100), n_credit))
            if i % 4 == 0:  # a row with two credits
                n_credit += 1
                credits.append(_credit("FREE_TIER", -(cost_units * 83 // 100), n_credit))
        if account.currency == "USD" and i % 10 == 0:
            n_credit += 1
            credits.append(_credit("PROMOTION", -(cost_units // 10), n_credit))
        row["credits"] = credits
        rows.append(row)
        pid = res["project"][0]
        project_net[pid] = project_net.get(pid, 0) + cost_units + sum(round(c["amount"] * 1e10) for c in credits)
    # shared platform resources run all month, one row a day each
    for res in [r for r in resources if r["labels"] and r["labels"][0] == ("tenant", "shared")]:
        for d in range(ndays):
            qty = 240_000 if res["sku"][6] == "hour" else 10_000
            row, cost_units = _row(account, res, month_start + dt.timedelta(days=d), 24, qty)
            rows.append(row)
            pid = res["project"][0]
            project_net[pid] = project_net.get(pid, 0) + cost_units
    # a GKE node pool with cost allocation on (USD account): each day's node cost (16 N2 cores)
    # exported as one row per namespace by requests, the unrequested quarter as kube:unallocated
    if account.currency == "USD":
        for d in range(ndays):
            for namespace, qty in (("ml-research", 1_920_000), ("analytics", 960_000), ("kube:unallocated", 960_000)):
                node = dict(sku=CATALOG[0], project=account.projects[0], name="gke-batch-pool-1-node-0",
                            labels=[("goog-k8s-cluster-name", "gke-batch"), ("goog-k8s-node-pool-name", "pool-1"),
                                    ("k8s-namespace", namespace)])
                row, cost_units = _row(account, node, month_start + dt.timedelta(days=d), 24, qty)
                rows.append(row)
                pid = node["project"][0]
                project_net[pid] = project_net.get(pid, 0) + cost_units
    # monthly support fee on the first project: a common cost (allocation rule `support`)
    support = dict(sku=SUPPORT, project=account.projects[0], labels=[], name="support")
    row, cost_units = _row(account, support, month_start, 24 * ndays, 10_000)
    row["resource"] = None
    row["location"] = {"location": "global", "country": None, "region": None, "zone": None}
    rows.append(row)
    project_net[account.projects[0][0]] += cost_units
    # an adjustment (a usage correction) and GCP's rounding error row
    base = resources[0]
    adj, _ = _row(account, base, month_start + dt.timedelta(days=2), 24, 10_000, cost_type="adjustment")
    adj_units = -1234 * 10**6 * account.rate_scale  # -0.1234 x scale
    adj.update(cost=_money(adj_units), cost_at_list=_money(adj_units), price=None,
               usage={"amount": 0.0, "unit": base["sku"][4], "amount_in_pricing_units": 0.0, "pricing_unit": base["sku"][6]},
               adjustment_info={"id": "adj-0001", "description": "Usage correction", "mode": "MANUAL_ADJUSTMENT",
                                "type": "USAGE_CORRECTION"})
    rows.append(adj)
    for cost_type, units in (("rounding_error", -4 * 10**9 if account.currency == "JPY" else -3 * 10**7),):
        rnd, _ = _row(account, base, month_start, 24 * ndays, 10_000, cost_type=cost_type)
        rnd.update(service={"id": INVOICE_SERVICE[0], "description": INVOICE_SERVICE[1]},
                   sku={"id": "Invoice", "description": "Rounding error"}, project=None, labels=[], resource=None,
                   location=None, price=None, usage=None, cost=_money(units), cost_at_list=_money(units))
        rows.append(rnd)
    # consumption tax (JCT 10%) per project on its net cost of the month
    if account.taxed:
        for pid, pnum, pname in account.projects:
            tax_units = max(project_net.get(pid, 0), 0) * 10 // 100
            tax_units -= tax_units % 10**10  # yen: whole units
            tax, _ = _row(account, base, month_start, 24 * ndays, 10_000, cost_type="tax")
            tax.update(service={"id": INVOICE_SERVICE[0], "description": INVOICE_SERVICE[1]},
                       sku={"id": "Tax", "description": "Japan consumption tax (JCT)"},
                       project={"id": pid, "number": pnum, "name": pname, "labels": [], "ancestry_numbers": None},
                       labels=[], resource=None, location=None, price=None, usage=None,
                       cost=_money(tax_units), cost_at_list=_money(tax_units))
            rows.append(tax)
    folder = out / SOURCE_NAME / account.billing_account_id / "data" / f"BILLING_PERIOD={month}"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"gcp_billing_export_resource_v1_{account.billing_account_id.replace('-', '_')}-000000000000"
    if account.fmt == "json":
        path = folder / f"{stem}.json"
        with open(path, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, default=_bq_json, ensure_ascii=False) + "\n")
    else:
        path = folder / f"{stem}.parquet"
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path, compression="snappy")
    return path


def _bq_json(value):
    # BigQuery's JSON extract writes TIMESTAMP as 'YYYY-MM-DD HH:MM:SS UTC'
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    raise TypeError(type(value))


_KV = pa.list_(pa.struct([("key", pa.string()), ("value", pa.string())]))
SCHEMA = pa.schema([
    ("billing_account_id", pa.string()),
    ("service", pa.struct([("id", pa.string()), ("description", pa.string())])),
    ("sku", pa.struct([("id", pa.string()), ("description", pa.string())])),
    ("usage_start_time", pa.timestamp("us", tz="UTC")),
    ("usage_end_time", pa.timestamp("us", tz="UTC")),
    ("project", pa.struct([("id", pa.string()), ("number", pa.string()), ("name", pa.string()), ("labels", _KV),
                           ("ancestry_numbers", pa.string())])),
    ("labels", _KV),
    ("system_labels", _KV),
    ("location", pa.struct([("location", pa.string()), ("country", pa.string()), ("region", pa.string()), ("zone", pa.string())])),
    ("resource", pa.struct([("name", pa.string()), ("global_name", pa.string())])),
    ("tags", pa.list_(pa.struct([("key", pa.string()), ("value", pa.string()), ("inherited", pa.bool_()), ("namespace", pa.string())]))),
    ("price", pa.struct([("effective_price", pa.float64()), ("tier_start_amount", pa.float64()), ("unit", pa.string()),
                         ("pricing_unit_quantity", pa.float64())])),
    ("transaction_type", pa.string()),
    ("seller_name", pa.string()),
    ("export_time", pa.timestamp("us", tz="UTC")),
    ("cost", pa.float64()),
    ("cost_at_list", pa.float64()),
    ("currency", pa.string()),
    ("currency_conversion_rate", pa.float64()),
    ("usage", pa.struct([("amount", pa.float64()), ("unit", pa.string()), ("amount_in_pricing_units", pa.float64()),
                         ("pricing_unit", pa.string())])),
    ("credits", pa.list_(pa.struct([("name", pa.string()), ("amount", pa.float64()), ("full_name", pa.string()),
                                    ("id", pa.string()), ("type", pa.string())]))),
    ("invoice", pa.struct([("month", pa.string()), ("publisher_type", pa.string())])),
    ("cost_type", pa.string()),
    ("adjustment_info", pa.struct([("id", pa.string()), ("description", pa.string()), ("mode", pa.string()), ("type", pa.string())])),
])


def generate(out: Path, month: str, seed: int, rows: int = 20_000) -> list[Path]:
    """Write one export file per billing account for `month`; `rows` sizes the usage volume."""
    # capped: rows are built in memory, and the CUR export carries the volume
    sizes = (min(max(150, rows // 10), 50_000), min(max(100, rows // 20), 25_000))
    return [_generate_account(out, acct, month, seed + 11 + i, n) for i, (acct, n) in enumerate(zip(ACCOUNTS, sizes, strict=True))]
