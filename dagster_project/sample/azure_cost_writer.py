"""The Azure cost-details sample's files: the EA and MCA column sets, the export's description,
and the writer that turns canonical rows into each dialect's columns and date format."""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from dagster_project.sample.common import month_bounds as _month_bounds

EA_COLUMNS = (
    "InvoiceSectionName", "AccountName", "AccountOwnerId", "SubscriptionId", "SubscriptionName", "ResourceGroup",
    "ResourceLocation", "Date", "ProductName", "MeterCategory", "MeterSubCategory", "MeterId", "MeterName", "MeterRegion",
    "UnitOfMeasure", "Quantity", "EffectivePrice", "CostInBillingCurrency", "CostCenter", "ConsumedService", "ResourceId",
    "Tags", "OfferId", "AdditionalInfo", "ServiceInfo1", "ServiceInfo2", "ResourceName", "ReservationId", "ReservationName",
    "UnitPrice", "ProductOrderId", "ProductOrderName", "Term", "PublisherType", "PublisherName", "ChargeType", "Frequency",
    "PricingModel", "AvailabilityZone", "BillingAccountId", "BillingAccountName", "BillingCurrencyCode",
    "BillingPeriodStartDate", "BillingPeriodEndDate", "BillingProfileId", "BillingProfileName", "InvoiceSectionId",
    "IsAzureCreditEligible", "PartNumber", "PayGPrice", "PlanName", "ServiceFamily", "CostAllocationRuleName",
    "benefitId", "benefitName",
)
MCA_COLUMNS = (
    "invoiceId", "previousInvoiceId", "billingAccountId", "billingAccountName", "billingProfileId", "billingProfileName",
    "invoiceSectionId", "invoiceSectionName", "resellerName", "resellerMpnId", "costCenter", "billingPeriodEndDate",
    "billingPeriodStartDate", "servicePeriodEndDate", "servicePeriodStartDate", "date", "serviceFamily", "productOrderId",
    "productOrderName", "consumedService", "meterId", "meterName", "meterCategory", "meterSubCategory", "meterRegion",
    "ProductId", "ProductName", "SubscriptionId", "subscriptionName", "publisherType", "publisherId", "publisherName",
    "resourceGroupName", "ResourceId", "resourceLocation", "location", "effectivePrice", "quantity", "unitOfMeasure",
    "chargeType", "billingCurrency", "pricingCurrency", "costInBillingCurrency", "costInPricingCurrency", "costInUsd",
    "paygCostInBillingCurrency", "paygCostInUsd", "exchangeRatePricingToBilling", "exchangeRateDate",
    "isAzureCreditEligible", "serviceInfo1", "serviceInfo2", "additionalInfo", "tags", "PayGPrice", "frequency", "term",
    "reservationId", "reservationName", "pricingModel", "unitPrice", "benefitId", "benefitName", "provider",
)


@dataclass(frozen=True)
class Export:
    name: str
    kind: str  # EA or MCA
    billing_account_id: str
    billing_account_name: str
    billing_profile_id: str
    billing_profile_name: str
    currency: str
    pricing_currency: str
    fx: int  # pricing -> billing currency (integer so converted prices stay exact)
    location: str
    subscriptions: tuple[tuple[str, str], ...]  # (id, name): tagged workloads, tenant-mapped, shared platform



def _guid(seed: int, n: int) -> str:
    h = f"{hash_text(f'{seed}/{n}'):016x}{hash_text(f'{n}/{seed}'):016x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _meter_id(meter: tuple) -> str:
    return _guid(sum(map(ord, meter[0] + meter[2])), 7)


def _fmt(units: int, scale: int) -> str:
    """Exact decimal text from integer units (Azure writes plain decimals)."""
    sign = "-" if units < 0 else ""
    units = abs(units)
    whole, frac = divmod(units, 10**scale)
    text = f"{sign}{whole}.{frac:0{scale}d}".rstrip("0").rstrip(".")
    return text if text not in ("", "-") else "0"



def _tags(pairs: list[tuple[str, str]], braces: bool) -> str:
    if not pairs:
        return ""
    body = ",".join(f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}" for k, v in pairs)
    return "{" + body + "}" if braces else body


class _Writer:
    """Rows as canonical dicts, written with the export's own column names and date format."""

    def __init__(self, export: Export, month: str):
        self.export = export
        start, end, ndays = _month_bounds(month)
        self.start, self.ndays = start, ndays
        self.period_end = end - dt.timedelta(days=1)  # Azure writes the last day, inclusive
        self.rows: list[dict] = []

    def date(self, day: dt.date) -> str:
        return day.strftime("%m/%d/%Y")

    def add(self, *, day: dt.date, sub: tuple[str, str], meter: tuple, qty_units: int, unit_price_units: int,
            effective_price_units: int, charge_type: str = "Usage", pricing_model: str = "OnDemand",
            frequency: str = "UsageBased", tags: list | None = None, resource: str | None = None,
            reservation: tuple[str, str] | None = None, benefit: tuple[str, str] | None = None,
            payg_units: int | None = None, cost_units: int | None = None, product: str | None = None) -> None:
        """Prices in 1e-6 of the pricing currency, quantity in 1e-4: cost exact in 1e-10."""
        e = self.export
        cost_pricing = effective_price_units * qty_units if cost_units is None else cost_units
        payg_units = unit_price_units if payg_units is None else payg_units
        rg = f"rg-{sub[1]}"
        rid = (f"/subscriptions/{sub[0]}/resourceGroups/{rg}/providers/{meter[4]}/{meter[5]}/{resource}"
               if resource else "")
        self.rows.append(dict(
            date=self.date(day), sub=sub, rg=rg, rid=rid, resource=resource or "", meter=meter, meter_id=_meter_id(meter),
            qty=_fmt(qty_units, 4), unit_price=_fmt(unit_price_units, 6), effective_price=_fmt(effective_price_units, 6),
            payg=_fmt(payg_units, 6), cost_pricing=_fmt(cost_pricing, 10), cost_billing=_fmt(cost_pricing * e.fx, 10),
            payg_cost=_fmt(payg_units * qty_units * e.fx, 10), charge_type=charge_type, pricing_model=pricing_model,
            frequency=frequency, tags=_tags(tags or [], braces=e.kind == "MCA"),
            reservation=reservation or ("", ""), benefit=benefit or ("", ""),
            product=product or f"{meter[0]} {meter[1]} - {meter[2]}",
        ))

    def write(self, path: Path) -> None:
        e = self.export
        cols = EA_COLUMNS if e.kind == "EA" else MCA_COLUMNS
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.DictWriter(fh, fieldnames=cols, quoting=csv.QUOTE_MINIMAL)
            w.writeheader()
            for r in self.rows:
                w.writerow(self._ea(r) if e.kind == "EA" else self._mca(r))

    def _common(self, r: dict) -> dict:
        e = self.export
        m = r["meter"]
        return dict(
            sub_id=r["sub"][0], sub_name=r["sub"][1], location=e.location, meter_cat=m[0], meter_sub=m[1], meter_name=m[2],
            uom=m[3], consumed=m[4],
        )

    def _ea(self, r: dict) -> dict:
        e, c = self.export, self._common(r)
        return {
            "InvoiceSectionName": "Platform", "AccountName": "Platform Engineering", "AccountOwnerId": "platform@example.com",
            "SubscriptionId": c["sub_id"], "SubscriptionName": c["sub_name"], "ResourceGroup": r["rg"],
            "ResourceLocation": c["location"], "Date": r["date"], "ProductName": r["product"], "MeterCategory": c["meter_cat"],
            "MeterSubCategory": c["meter_sub"], "MeterId": r["meter_id"], "MeterName": c["meter_name"], "MeterRegion": "US East",
            "UnitOfMeasure": c["uom"], "Quantity": r["qty"], "EffectivePrice": r["effective_price"],
            "CostInBillingCurrency": r["cost_billing"], "CostCenter": "", "ConsumedService": c["consumed"],
            "ResourceId": r["rid"], "Tags": r["tags"], "OfferId": "MS-AZR-0017P", "AdditionalInfo": "", "ServiceInfo1": "",
            "ServiceInfo2": "", "ResourceName": r["resource"], "ReservationId": r["reservation"][0],
            "ReservationName": r["reservation"][1], "UnitPrice": r["unit_price"], "ProductOrderId": "", "ProductOrderName": "",
            "Term": "12" if r["pricing_model"] in ("Reservation", "SavingsPlan") else "", "PublisherType": "Azure",
            "PublisherName": "Microsoft", "ChargeType": r["charge_type"], "Frequency": r["frequency"],
            "PricingModel": r["pricing_model"], "AvailabilityZone": "", "BillingAccountId": e.billing_account_id,
            "BillingAccountName": e.billing_account_name, "BillingCurrencyCode": e.currency,
            "BillingPeriodStartDate": self.date(self.start), "BillingPeriodEndDate": self.date(self.period_end),
            "BillingProfileId": e.billing_profile_id, "BillingProfileName": e.billing_profile_name, "InvoiceSectionId": "1234",
            "IsAzureCreditEligible": "True", "PartNumber": f"AAA-{abs(hash_text(c['meter_name'])) % 100000:05d}",
            "PayGPrice": r["payg"], "PlanName": "", "ServiceFamily": "Compute", "CostAllocationRuleName": "",
            "benefitId": r["benefit"][0], "benefitName": r["benefit"][1],
        }

    def _mca(self, r: dict) -> dict:
        e, c = self.export, self._common(r)
        return {
            "invoiceId": "", "previousInvoiceId": "", "billingAccountId": e.billing_account_id,
            "billingAccountName": e.billing_account_name, "billingProfileId": e.billing_profile_id,
            "billingProfileName": e.billing_profile_name, "invoiceSectionId": "WXYZ-1234-AB5-CDE6",
            "invoiceSectionName": "Platform", "resellerName": "", "resellerMpnId": "", "costCenter": "",
            "billingPeriodEndDate": self.date(self.period_end), "billingPeriodStartDate": self.date(self.start),
            "servicePeriodEndDate": self.date(self.period_end), "servicePeriodStartDate": self.date(self.start),
            "date": r["date"], "serviceFamily": "Compute", "productOrderId": "", "productOrderName": "",
            "consumedService": c["consumed"], "meterId": r["meter_id"], "meterName": c["meter_name"],
            "meterCategory": c["meter_cat"], "meterSubCategory": c["meter_sub"], "meterRegion": "JA East",
            "ProductId": f"DZH318Z0{abs(hash_text(c['meter_name'] + c['meter_sub'])) % 10000:04d}", "ProductName": r["product"],
            "SubscriptionId": c["sub_id"], "subscriptionName": c["sub_name"], "publisherType": "Microsoft",
            "publisherId": "", "publisherName": "Microsoft", "resourceGroupName": r["rg"], "ResourceId": r["rid"],
            "resourceLocation": c["location"], "location": "JA East", "effectivePrice": r["effective_price"],
            "quantity": r["qty"], "unitOfMeasure": c["uom"], "chargeType": r["charge_type"], "billingCurrency": e.currency,
            "pricingCurrency": e.pricing_currency, "costInBillingCurrency": r["cost_billing"],
            "costInPricingCurrency": r["cost_pricing"], "costInUsd": r["cost_pricing"], "paygCostInBillingCurrency": r["payg_cost"],
            "paygCostInUsd": "", "exchangeRatePricingToBilling": str(e.fx), "exchangeRateDate": self.date(self.start),
            "isAzureCreditEligible": "True", "serviceInfo1": "", "serviceInfo2": "", "additionalInfo": "", "tags": r["tags"],
            "PayGPrice": r["payg"], "frequency": r["frequency"], "term": "P1Y" if r["pricing_model"] in ("Reservation", "SavingsPlan") else "",
            "reservationId": r["reservation"][0], "reservationName": r["reservation"][1], "pricingModel": r["pricing_model"],
            "unitPrice": r["unit_price"], "benefitId": r["benefit"][0], "benefitName": r["benefit"][1], "provider": "Azure",
        }


def hash_text(s: str) -> int:
    h = 1469598103934665603
    for ch in s.encode():
        h = ((h ^ ch) * 1099511628211) % (1 << 64)
    return h
