"""Azure cost details (EA and MCA) -> FOCUS 1.2: charge types, commitments, refunds, tags without braces, dates.

Hand-written CSV files; every expected figure is derived by hand below.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.helpers import D, query, run_pipeline

EA = "azure_cost/ea/20261001-20261031/run-1/part_0_0001.csv"
EA_DDMM = "azure_cost/ea-ddmm/20261001-20261031/run-1/part_0_0001.csv"
MCA = "azure_cost/mca/20261001-20261031/run-1/part_0_0001.csv"
NO_COST = "azure_cost/broken/part_0_0001.csv"

SUB_TAGGED = "6c1d2e3f-0a1b-4c2d-9e8f-7a6b5c4d3e2f"
SUB_SEARCH = "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"  # tenant map: azure_subscription -> search
RI = "/providers/Microsoft.Capacity/reservationOrders/o1/reservations/r1"
SP = "/providers/Microsoft.BillingBenefits/savingsPlanOrders/o2/savingsPlans/s1"

EA_COLUMNS = ["SubscriptionId", "SubscriptionName", "ResourceGroup", "ResourceLocation", "Date", "ProductName", "MeterCategory",
              "MeterId", "MeterName", "UnitOfMeasure", "Quantity", "EffectivePrice", "CostInBillingCurrency", "ResourceId", "Tags",
              "ResourceName", "ReservationId", "ReservationName", "UnitPrice", "PublisherName", "ChargeType", "Frequency",
              "PricingModel", "BillingAccountId", "BillingAccountName", "BillingCurrencyCode", "BillingPeriodStartDate",
              "BillingPeriodEndDate", "PayGPrice", "benefitId", "benefitName"]


def _ea(key, charge_type, pricing_model, qty, eff_price, cost, unit_price, payg, tags="", sub=SUB_TAGGED, reservation="",
        benefit="", frequency="UsageBased", date="10/05/2026", resource="vm-1", meter="Virtual Machines") -> dict:
    rid = f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/{resource}" if resource else ""
    return {
        "SubscriptionId": sub, "SubscriptionName": "s", "ResourceGroup": "rg", "ResourceLocation": "eastus", "Date": date,
        "ProductName": f"product {key}", "MeterCategory": meter, "MeterId": "m-d4sv5", "MeterName": "D4s v5",
        "UnitOfMeasure": "1 Hour", "Quantity": qty, "EffectivePrice": eff_price, "CostInBillingCurrency": cost, "ResourceId": rid,
        "Tags": tags, "ResourceName": resource, "ReservationId": reservation, "ReservationName": "ri-1" if reservation else "",
        "UnitPrice": unit_price, "PublisherName": "Microsoft", "ChargeType": charge_type, "Frequency": frequency,
        "PricingModel": pricing_model, "BillingAccountId": "87654321", "BillingAccountName": "Enrollment",
        "BillingCurrencyCode": "USD", "BillingPeriodStartDate": "10/01/2026", "BillingPeriodEndDate": "10/31/2026",
        "PayGPrice": payg, "benefitId": benefit, "benefitName": "sp-1" if benefit else "",
    }


# key: (row, expected ChargeCategory, ChargeClass, ChargeFrequency, BilledCost, EffectiveCost, PricingCategory,
#       CommitmentDiscountStatus, CommitmentDiscountType), derived by hand from the mapping rules
EA_CASES = {
    "ondemand": (_ea("ondemand", "Usage", "OnDemand", "10", "0.1824", "1.824", "0.1824", "0.192",
                     tags='"tenant": "search","app": "x"'),
                 "Usage", None, "Usage-Based", "1.824", "1.824", "Standard", None, None),
    "ri_used": (_ea("ri_used", "Usage", "Reservation", "5", "0.121", "0.605", "0.1824", "0.192", tags='"tenant": "payments"',
                    reservation=RI), "Usage", None, "Usage-Based", "0", "0.605", "Committed", "Used", "Reservation"),
    "ri_unused": (_ea("ri_unused", "UnusedReservation", "Reservation", "3", "0.121", "0.363", "0.1824", "0.192", reservation=RI,
                      resource=""), "Usage", None, "Usage-Based", "0", "0.363", "Committed", "Unused", "Reservation"),
    "ri_purchase": (_ea("ri_purchase", "Purchase", "Reservation", "1", "90", "90", "90", "90", reservation=RI,
                        frequency="Recurring", resource=""), "Purchase", None, "Recurring", "90", "0", "Standard", None, "Reservation"),
    "refund": (_ea("refund", "Refund", "OnDemand", "0", "0", "-7.25", "0", "0", tags='"tenant": "search"', frequency="OneTime"),
               "Usage", "Correction", "One-Time", "-7.25", "-7.25", None, None, None),
    "sp_unused": (_ea("sp_unused", "UnusedSavingsPlan", "SavingsPlan", "2", "0.3528", "0.7056", "0.504", "0.504", benefit=SP,
                      resource=""), "Usage", None, "Usage-Based", "0", "0.7056", "Committed", "Unused", "Savings Plan"),
    "spot": (_ea("spot", "Usage", "Spot", "4", "0.0384", "0.1536", "0.0384", "0.0384", sub=SUB_SEARCH, resource="vm-spot"),
             "Usage", None, "Usage-Based", "0.1536", "0.1536", "Dynamic", None, None),
}
# 1.824 + 0 + 0 + 90 - 7.25 + 0 + 0.1536
EA_BILLED = D("84.7276")

MCA_COLUMNS = ["invoiceId", "billingAccountId", "billingAccountName", "billingProfileId", "billingProfileName",
               "billingPeriodStartDate", "billingPeriodEndDate", "date", "meterId", "meterName", "meterCategory", "ProductId",
               "ProductName", "SubscriptionId", "subscriptionName", "resourceGroupName", "ResourceId", "resourceLocation",
               "effectivePrice", "quantity", "unitOfMeasure", "chargeType", "billingCurrency", "pricingCurrency",
               "costInBillingCurrency", "costInPricingCurrency", "exchangeRatePricingToBilling", "tags", "PayGPrice", "frequency",
               "pricingModel", "unitPrice", "benefitId", "benefitName", "publisherName"]


def _mca(charge_type, pricing_model, qty, price, cost_usd, cost_jpy, tags="", benefit="", frequency="UsageBased") -> dict:
    return {
        "invoiceId": "G000111222", "billingAccountId": "acct:1_2019-05-31", "billingAccountName": "Batch Platform KK",
        "billingProfileId": "ABCD-EF12", "billingProfileName": "Batch Platform Japan", "billingPeriodStartDate": "2026-10-01",
        "billingPeriodEndDate": "2026-10-31", "date": "2026-10-07", "meterId": "m-e8sv5", "meterName": "E8s v5",
        "meterCategory": "Virtual Machines", "ProductId": "DZH318Z0BQ4L", "ProductName": "Virtual Machines Ev5 Series",
        "SubscriptionId": "5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c", "subscriptionName": "payments-mca", "resourceGroupName": "rg",
        "ResourceId": "", "resourceLocation": "japaneast", "effectivePrice": price, "quantity": qty, "unitOfMeasure": "1 Hour",
        "chargeType": charge_type, "billingCurrency": "JPY", "pricingCurrency": "USD", "costInBillingCurrency": cost_jpy,
        "costInPricingCurrency": cost_usd, "exchangeRatePricingToBilling": "150", "tags": tags, "PayGPrice": price,
        "frequency": frequency, "pricingModel": pricing_model, "unitPrice": price, "benefitId": benefit,
        "benefitName": "sp-1" if benefit else "", "publisherName": "Microsoft",
    }


# 2 hours at 0.5 USD = 1 USD = 150 JPY; a savings-plan purchase of 10 USD = 1500 JPY
MCA_ROWS = [
    _mca("Usage", "OnDemand", "2", "0.5", "1", "150", tags='{"tenant": "payments", "nightly": ""}'),
    _mca("Purchase", "SavingsPlan", "1", "10", "10", "1500", benefit=SP, frequency="Recurring"),
]
MCA_BILLED = D("1650")


def write_csv(path: Path, columns: list[str], rows: list[dict], bom: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def azure_run(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("azure")
    landing, warehouse = root / "landing", root / "w.duckdb"
    write_csv(landing / EA, EA_COLUMNS, [case[0] for case in EA_CASES.values()])
    # an exporter writing DD/MM/YYYY: the 25th gives it away
    write_csv(landing / EA_DDMM, EA_COLUMNS, [dict(_ea("ddmm", "Usage", "OnDemand", "1", "2", "2", "2", "2"), Date="25/10/2026",
                                                   BillingPeriodStartDate="01/10/2026", BillingPeriodEndDate="31/10/2026")], bom=False)
    write_csv(landing / MCA, MCA_COLUMNS, MCA_ROWS)
    write_csv(landing / NO_COST, [c for c in EA_COLUMNS if c != "CostInBillingCurrency"],
              [{k: v for k, v in EA_CASES["spot"][0].items() if k != "CostInBillingCurrency"}])
    run_pipeline(landing, warehouse)
    return {"warehouse": warehouse}


def test_charge_types_and_pricing_models_map_to_focus(azure_run):
    rows = query(azure_run["warehouse"], """
        select ChargeDescription, ChargeCategory, ChargeClass, ChargeFrequency, BilledCost, EffectiveCost, PricingCategory,
               CommitmentDiscountStatus, CommitmentDiscountType
        from marts.focus_costs where x_source_file = ?""", [EA])
    got = {r[0].removeprefix("product "): r[1:] for r in rows}
    assert len(rows) == len(EA_CASES)
    for key, (_row, cat, cls, freq, billed, effective, pcat, status, ctype) in EA_CASES.items():
        assert got[key] == (cat, cls, freq, D(billed), D(effective), pcat, status, ctype), key


def test_unused_commitments_are_common_cost_and_consume_nothing(azure_run):
    rows = query(azure_run["warehouse"], """
        select x_line_item_type, x_cost_kind, x_allocation_rule, ConsumedQuantity, PricingQuantity, CommitmentDiscountId
        from marts.focus_costs where x_source_file = ? and CommitmentDiscountStatus = 'Unused' order by 1""", [EA])
    assert rows == [("UnusedReservation", "common", "unused_commitment", None, D("3"), RI),
                    ("UnusedSavingsPlan", "common", "unused_commitment", None, D("2"), SP)]
    # the reservation's purchase is billed once and amortized into its usage: EffectiveCost 0
    assert query(azure_run["warehouse"], "select BilledCost, EffectiveCost from marts.focus_costs where ChargeCategory = 'Purchase' and x_source_file = ?",
                 [EA]) == [(D("90"), D("0"))]


def test_refund_is_a_correction_of_the_tenants_usage(azure_run):
    row = query(azure_run["warehouse"], """
        select ChargeCategory, ChargeClass, BilledCost, x_tenant, PricingQuantity, ListUnitPrice, SkuId
        from marts.focus_costs where x_line_item_type = 'Refund'""")
    assert row == [("Usage", "Correction", D("-7.25"), "search", None, None, None)]


def test_tags_without_braces_become_a_json_object(azure_run):
    # EA writes `"tenant": "search","app": "x"` (no braces); MCA `{"tenant": "payments", "nightly": ""}`
    ea = query(azure_run["warehouse"], "select Tags, x_tenant from marts.focus_costs where x_source_file = ? and ChargeDescription = 'product ondemand'", [EA])[0]
    assert json.loads(ea[0]) == {"tenant": "search", "app": "x"} and ea[1] == "search"
    mca = query(azure_run["warehouse"], "select Tags, x_tenant from marts.focus_costs where x_source_file = ? and ChargeCategory = 'Usage'", [MCA])[0]
    assert json.loads(mca[0]) == {"tenant": "payments", "nightly": True} and mca[1] == "payments"


def test_untagged_subscription_maps_to_its_tenant(azure_run):
    assert query(azure_run["warehouse"], "select x_tenant, x_allocation_rule from marts.focus_costs where ChargeDescription = 'product spot'") == [
        ("search", "tenant_map:azure_subscription")]


def test_dates_periods_exclusive_and_day_first_detected(azure_run):
    w = azure_run["warehouse"]
    rows = query(w, """select x_source_file, min(ChargePeriodStart), min(ChargePeriodEnd), min(BillingPeriodStart), min(BillingPeriodEnd)
                       from marts.focus_costs where ChargeDescription in ('product ondemand', 'product ddmm') or x_source_file = ?
                       group by 1""", [MCA])
    got = {r[0]: [str(v) for v in r[1:]] for r in rows}
    assert got[EA] == ["2026-10-05 00:00:00", "2026-10-06 00:00:00", "2026-10-01 00:00:00", "2026-11-01 00:00:00"]
    assert got[EA_DDMM] == ["2026-10-25 00:00:00", "2026-10-26 00:00:00", "2026-10-01 00:00:00", "2026-11-01 00:00:00"]
    assert got[MCA] == ["2026-10-07 00:00:00", "2026-10-08 00:00:00", "2026-10-01 00:00:00", "2026-11-01 00:00:00"]


def test_mca_prices_convert_to_the_billing_currency(azure_run):
    row = query(azure_run["warehouse"], """
        select BillingAccountId, BillingAccountType, InvoiceId, BillingCurrency, ContractedUnitPrice, ContractedCost, ListCost,
               PricingCurrency, PricingCurrencyContractedUnitPrice, PricingCurrencyEffectiveCost, RegionId, RegionName
        from marts.focus_costs where x_source_file = ? and ChargeCategory = 'Usage'""", [MCA])[0]
    assert row == ("ABCD-EF12", "Billing Profile", "G000111222", "JPY", D("75"), D("150"), D("150"), "USD", D("0.5"), D("1"),
                   "japaneast", "Japan East")
    purchase = query(azure_run["warehouse"], "select BilledCost, EffectiveCost, PricingCurrencyEffectiveCost, ChargeFrequency from marts.focus_costs where x_source_file = ? and ChargeCategory = 'Purchase'", [MCA])
    assert purchase == [(D("1500"), D("0"), D("0"), "Recurring")]


@pytest.mark.parametrize(("path", "rows", "billed", "currency"), [
    (EA, len(EA_CASES), EA_BILLED, "USD"),
    (EA_DDMM, 1, D("2"), "USD"),
    (MCA, 2, MCA_BILLED, "JPY"),
])
def test_rows_and_billed_cost_conserved_per_file(azure_run, path, rows, billed, currency):
    w = azure_run["warehouse"]
    assert query(w, "select rows, cost_total, currency, status from ops.ingest_files where path = ?", [path])[0] == (
        rows, billed, currency, "loaded")
    assert query(w, "select count(*), sum(BilledCost) from marts.focus_costs where x_source_file = ?", [path])[0] == (rows, billed)


def test_a_file_without_cost_is_quarantined(azure_run):
    assert query(azure_run["warehouse"], "select status, reason from ops.ingest_files where path = ?", [NO_COST])[0] == (
        "quarantined", "missing required column(s): cost_in_billing_currency "
        "(not an EA, MCA, partner or legacy pay-as-you-go cost-details layout)")
