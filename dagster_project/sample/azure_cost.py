"""Deterministic Azure Cost Management cost-details sample: an EA export (USD) and an MCA export (JPY).

Layout as Cost Management exports write it:
<out>/azure_cost/<export name>/<YYYYMMDD-YYYYMMDD>/<run id>/part_0_0001.csv
EA files use PascalCase columns and MM/DD/YYYY dates; MCA files camelCase columns, an invoice
id and prices in the pricing currency (USD) with an exchange rate to the billing currency
(JPY). Both read as the amortized dataset plus the commitment purchases: reservation and
savings-plan usage carries its amortized cost, UnusedReservation/UnusedSavingsPlan rows the
unused part, and one Purchase row per commitment carries the month's payment.
`Tags` comes without braces in the EA file (`"tenant": "search","app": "etl"`), with braces
in the MCA file. Subscriptions search-ea and payments-mca hold untagged resources that reach
their tenant through the tenant map (key_type azure_subscription).
The column sets and the writer are in azure_cost_writer.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from dagster_project.sample.azure_cost_writer import EA_COLUMNS, MCA_COLUMNS, Export, _guid, _Writer, hash_text
from dagster_project.sample.common import TENANT_TAGS

__all__ = ["EA_COLUMNS", "EXPORTS", "MCA_COLUMNS", "METERS", "SOURCE_NAME", "Export", "generate", "hash_text"]

SOURCE_NAME = "azure_cost"

EXPORTS = (
    Export("platform-ea-amortized", "EA", "87654321", "Batch Platform Enrollment", "87654321",
           "Batch Platform Enrollment", "USD", "USD", 1, "eastus",
           (("6c1d2e3f-0a1b-4c2d-9e8f-7a6b5c4d3e2f", "batch-prod-ea"), ("9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "search-ea"),
            ("3e2d1c0b-9a8f-4e7d-b6c5-4a3b2c1d0e9f", "platform-shared-ea"))),
    Export("platform-mca-jp", "MCA", "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d:6e7f8a9b-0c1d-4e2f-a3b4-c5d6e7f8a9b0_2019-05-31",
           "Batch Platform KK", "ABCD-EF12-GH3-IJK4", "Batch Platform Japan", "JPY", "USD", 150, "japaneast",
           (("0a9b8c7d-6e5f-4a4b-9c3d-2e1f0a9b8c7d", "batch-prod-mca"), ("5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c", "payments-mca"),
            ("7d6c5b4a-3f2e-4d1c-b0a9-8f7e6d5c4b3a", "platform-shared-mca"))),
)

# meter category, subcategory, meter name, unit of measure, consumed service, resource type, pay-go price (USD, 6 dp), EA discount %
METERS = (
    ("Virtual Machines", "Dv5 Series", "D4s v5", "1 Hour", "Microsoft.Compute", "virtualMachines", "0.192000", 5),
    ("Virtual Machines", "Ev5 Series", "E8s v5", "1 Hour", "Microsoft.Compute", "virtualMachines", "0.504000", 5),
    ("Storage", "Premium SSD Managed Disks", "P30 LRS Disk", "1/Month", "Microsoft.Compute", "disks", "135.170000", 0),
    ("Storage", "Tiered Block Blob", "Hot LRS Data Stored", "1 GB/Month", "Microsoft.Storage", "storageAccounts", "0.020800", 0),
    ("Storage", "Tables", "Batch Write Operations", "10K", "Microsoft.Storage", "storageAccounts", "0.000360", 0),
    ("Azure Kubernetes Service", "Standard", "Standard Uptime SLA", "1 Hour", "Microsoft.ContainerService", "managedClusters", "0.100000", 0),
    ("Azure Cosmos DB", "Azure Cosmos DB", "100 RU/s", "100 Hours", "Microsoft.DocumentDB", "databaseAccounts", "0.800000", 0),
    ("Bandwidth", "Inter-Region", "Intra Continent Data Transfer Out", "1 GB", "Microsoft.Network", "networkInterfaces", "0.020000", 0),
)
SHARED_METERS = (
    ("Virtual Network", "NAT Gateway", "Standard Gateway", "1 Hour", "Microsoft.Network", "natGateways", "0.045000", 0),
    ("Key Vault", "Key Vault", "Operations", "10K", "Microsoft.KeyVault", "vaults", "0.030000", 0),
    ("Log Analytics", "Log Analytics", "Analytics Logs Data Ingestion", "1 GB", "Microsoft.OperationalInsights", "workspaces", "2.300000", 0),
)
SPOT_METER = ("Virtual Machines", "Dv5 Series", "D4s v5 Spot", "1 Hour", "Microsoft.Compute", "virtualMachines", "0.038400", 0)
# a day's quantity of one resource, in 1e-4 units of its unit of measure
MAX_DAILY_QTY = {"1 Hour": 240_000, "1/Month": 323, "1 GB/Month": 1_000_000, "10K": 500_000, "100 Hours": 2_400, "1 GB": 500_000}
RI_METER = METERS[0]
SP_METER = METERS[1]
RI_RATE = "0.121000"  # hourly RI rate of a D4s v5 (USD)
RI_INSTANCES = 4
SP_RATE = "0.352800"  # hourly savings-plan rate of an E8s v5 (USD)
SP_INSTANCES = 2


def _price_units(price: str) -> int:
    return round(float(price) * 1_000_000)



def _generate_export(out: Path, export: Export, month: str, seed: int, n_rows: int) -> Path:
    rng = np.random.default_rng(seed)
    w = _Writer(export, month)
    tenants = list(TENANT_TAGS)
    tagged_sub, mapped_sub, shared_sub = export.subscriptions
    def prices(meter) -> tuple[int, int]:
        """(negotiated unit price, pay-as-you-go price); only the EA enrollment has a discount."""
        payg = _price_units(meter[6])
        discount = meter[7] if export.kind == "EA" else 0
        return payg * (100 - discount) // 100, payg

    # on-demand and spot usage, daily rows
    for i in range(n_rows):
        spot = i % 9 == 4
        meter = SPOT_METER if spot else METERS[int(rng.integers(0, len(METERS)))]
        r = int(rng.integers(0, 40))
        sub = mapped_sub if r % 5 == 4 else tagged_sub
        tags = [] if sub is mapped_sub or r % 13 == 0 else [("tenant", tenants[r % len(tenants)]), ("app", f"job-{r % 6}")]
        if r % 7 == 0 and tags:
            tags.append(("costcenter", ""))  # a tag without a value: FOCUS Tags gets true
        day = w.start + dt.timedelta(days=int(rng.integers(0, w.ndays)))
        unit, payg = prices(meter)
        w.add(day=day, sub=sub, meter=meter, qty_units=int(rng.integers(1, MAX_DAILY_QTY[meter[3]])), unit_price_units=unit,
              effective_price_units=unit, payg_units=payg, pricing_model="Spot" if spot else "OnDemand", tags=tags,
              resource=f"{meter[5].lower()}-{r:02d}")
    # shared platform resources, every day
    for s, meter in enumerate(SHARED_METERS):
        unit, payg = prices(meter)
        for d in range(w.ndays):
            w.add(day=w.start + dt.timedelta(days=d), sub=shared_sub, meter=meter, qty_units=240_000 if "Hour" in meter[3] else 35_000,
                  unit_price_units=unit, effective_price_units=unit, payg_units=payg,
                  tags=[("tenant", "shared"), ("app", "platform")], resource=f"shared-{s}")
    # reservation (4 x D4s v5): covered usage + unused hours per day, one monthly purchase
    ri_order, ri_id = _guid(seed, 1), _guid(seed, 2)
    reservation = (f"/providers/Microsoft.Capacity/reservationOrders/{ri_order}/reservations/{ri_id}", "RI_D4sv5_4x")
    ri_rate = _price_units(RI_RATE)
    od_unit, od_payg = prices(RI_METER)
    for d in range(w.ndays):
        day = w.start + dt.timedelta(days=d)
        used_hours = 0
        for k in range(3):
            hours = int(rng.integers(8, 24))
            used_hours += hours
            tenant = tenants[(d + k) % len(tenants)]
            w.add(day=day, sub=tagged_sub, meter=RI_METER, qty_units=hours * 10_000, unit_price_units=od_unit,
                  effective_price_units=ri_rate, payg_units=od_payg, pricing_model="Reservation", reservation=reservation,
                  tags=[("tenant", tenant), ("app", "etl")], resource=f"vm-ri-{k}")
        unused = RI_INSTANCES * 24 - used_hours
        if unused:
            w.add(day=day, sub=shared_sub, meter=RI_METER, qty_units=unused * 10_000, unit_price_units=od_unit,
                  effective_price_units=ri_rate, payg_units=od_payg, charge_type="UnusedReservation",
                  pricing_model="Reservation", reservation=reservation)
    ri_month = RI_INSTANCES * 24 * w.ndays * ri_rate
    w.add(day=w.start, sub=shared_sub, meter=RI_METER, qty_units=10_000, unit_price_units=ri_month,
          effective_price_units=ri_month, payg_units=ri_month, charge_type="Purchase",
          pricing_model="Reservation", frequency="Recurring", reservation=reservation,
          product="Reserved VM Instance, Standard_D4s_v5, US East, 1 Year")
    # savings plan (2 x E8s v5 worth an hour): covered usage + unused commitment, one monthly purchase
    sp_order = _guid(seed, 3)
    benefit = (f"/providers/Microsoft.BillingBenefits/savingsPlanOrders/{sp_order}/savingsPlans/{_guid(seed, 4)}", "SP_Compute_1y")
    sp_rate = _price_units(SP_RATE)
    sp_unit, sp_payg = prices(SP_METER)
    for d in range(w.ndays):
        day = w.start + dt.timedelta(days=d)
        hours = int(rng.integers(20, 48))
        w.add(day=day, sub=tagged_sub, meter=SP_METER, qty_units=hours * 10_000, unit_price_units=sp_unit,
              effective_price_units=sp_rate, payg_units=sp_payg, pricing_model="SavingsPlan", benefit=benefit,
              tags=[("tenant", tenants[(d + 3) % len(tenants)]), ("app", "batch")], resource="vm-sp-0")
        unused = SP_INSTANCES * 24 - hours
        if unused > 0:
            w.add(day=day, sub=shared_sub, meter=SP_METER, qty_units=unused * 10_000, unit_price_units=sp_unit,
                  effective_price_units=sp_rate, payg_units=sp_payg, charge_type="UnusedSavingsPlan",
                  pricing_model="SavingsPlan", benefit=benefit)
    sp_month = SP_INSTANCES * 24 * w.ndays * sp_rate
    w.add(day=w.start, sub=shared_sub, meter=SP_METER, qty_units=10_000, unit_price_units=sp_month,
          effective_price_units=sp_month, payg_units=sp_month, charge_type="Purchase",
          pricing_model="SavingsPlan", frequency="Recurring", benefit=benefit, product="Savings plan, Compute, 1 Year")
    # a refund (SLA credit for an outage) on a tenant's VM usage: a correction
    refund_units = -(_price_units("7.250000") * 10_000)
    w.add(day=w.start + dt.timedelta(days=min(9, w.ndays - 1)), sub=tagged_sub, meter=METERS[0], qty_units=0,
          unit_price_units=0, effective_price_units=0, payg_units=0, cost_units=refund_units, charge_type="Refund",
          frequency="OneTime", tags=[("tenant", tenants[1 % len(tenants)])], resource="virtualmachines-07")
    export_dir = out / SOURCE_NAME / export.name / f"{w.start:%Y%m%d}-{w.period_end:%Y%m%d}" / _guid(seed, 99)
    export_dir.mkdir(parents=True, exist_ok=True)
    path = export_dir / "part_0_0001.csv"
    w.write(path)
    return path


def generate(out: Path, month: str, seed: int, rows: int = 20_000) -> list[Path]:
    """One cost-details file per export for `month`; `rows` sizes the on-demand usage volume."""
    # capped: rows are built in memory, and the CUR export carries the volume
    sizes = (min(max(150, rows // 10), 50_000), min(max(100, rows // 20), 25_000))
    return [_generate_export(out, e, month, seed + 23 + i, n) for i, (e, n) in enumerate(zip(EXPORTS, sizes, strict=True))]
