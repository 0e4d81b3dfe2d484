"""Azure Cost Management cost-details exports (CSV, optionally .gz): EA and MCA column sets.

EA files use PascalCase names (`CostInBillingCurrency`, `BillingCurrencyCode`, `ResourceGroup`),
MCA files camelCase (`costInBillingCurrency`, `billingCurrency`, `resourceGroupName`,
`invoiceId`, `pricingCurrency`): both load into one raw table with snake_case names. Dates come
in the exporter's format (MM/DD/YYYY, or ISO); `Tags` may lack its braces.

Two more layouts load into the same columns (`agreement_type` says which one a row came from):
- partner / CSP (Microsoft Partner Agreement) camelCase sets with `partnerName`,
  `customerTenantId`, often without `billingAccountId`: BillingAccountId is the first of
  billingAccountId, billingProfileId (what MCA/MPA invoice by), partnerTenantId (the partner's
  billing tenant) and customerTenantId (the customer the partner invoices, the only billing
  identifier a customer-scoped partner export carries). `agreement_type` 'MPA'.
- legacy pay-as-you-go (MOSP) usage details of the Consumption API: PreTaxCost (the cost before
  tax, in the billing currency), SubscriptionGuid, UsageDateTime, UsageQuantity, ResourceRate,
  InstanceId, Currency, no ChargeType (every row is usage) and no billing account: a MOSP
  subscription is billed on its own, so BillingAccountId is the subscription. `agreement_type`
  'PAYG'.
A file that still lacks a required column after these is quarantined naming the columns.

Rows are mapped one to one. The billed cost of a row is CostInBillingCurrency, except for usage
covered by a reservation or savings plan and for UnusedReservation/UnusedSavingsPlan rows of the
amortized dataset: their cost was billed on the commitment's purchase, so it counts as
EffectiveCost only (BilledCost 0). `cost_sql` below and int_azure_charges_mapped share that rule.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.ingest.base import (
    IngestError,
    SourceSpec,
    cast_expr,
    check_casts,
    csv_options,
    duckdb_path,
    quote_ident,
)
from dagster_project.ingest.tags import invalid_object_count_sql, object_from_text_sql

MONEY = "decimal(38, 10)"

COLUMNS: tuple[tuple[str, str], ...] = (
    ("agreement_type", "varchar"),
    ("usage_date", "date"),
    ("billing_period_start_date", "date"),
    ("billing_period_end_date", "date"),
    ("billing_account_id", "varchar"),
    ("billing_account_name", "varchar"),
    ("billing_profile_id", "varchar"),
    ("billing_profile_name", "varchar"),
    ("invoice_id", "varchar"),
    ("invoice_section_name", "varchar"),
    ("subscription_id", "varchar"),
    ("subscription_name", "varchar"),
    ("resource_group", "varchar"),
    ("resource_id", "varchar"),
    ("resource_name", "varchar"),
    ("resource_location", "varchar"),
    ("availability_zone", "varchar"),
    ("meter_id", "varchar"),
    ("meter_name", "varchar"),
    ("meter_category", "varchar"),
    ("meter_subcategory", "varchar"),
    ("meter_region", "varchar"),
    ("product_id", "varchar"),
    ("product_name", "varchar"),
    ("part_number", "varchar"),
    ("service_family", "varchar"),
    ("consumed_service", "varchar"),
    ("unit_of_measure", "varchar"),
    ("quantity", MONEY),
    ("effective_price", MONEY),
    ("unit_price", MONEY),
    ("payg_price", MONEY),
    ("cost_in_billing_currency", MONEY),
    ("cost_in_pricing_currency", MONEY),
    ("payg_cost_in_billing_currency", MONEY),
    ("exchange_rate_pricing_to_billing", MONEY),
    ("billing_currency", "varchar"),
    ("pricing_currency", "varchar"),
    ("charge_type", "varchar"),
    ("frequency", "varchar"),
    ("pricing_model", "varchar"),
    ("reservation_id", "varchar"),
    ("reservation_name", "varchar"),
    ("benefit_id", "varchar"),
    ("benefit_name", "varchar"),
    ("publisher_type", "varchar"),
    ("publisher_name", "varchar"),
    ("term", "varchar"),
    ("cost_center", "varchar"),
    ("tags", "varchar"),
    ("additional_info", "varchar"),
)

# raw column -> file column names (lowercased), first present wins (EA name, MCA name, older names)
ALIASES: dict[str, tuple[str, ...]] = {
    "usage_date": ("date", "usagedatetime"),
    "billing_period_start_date": ("billingperiodstartdate",),
    "billing_period_end_date": ("billingperiodenddate",),
    "billing_account_id": ("billingaccountid", "billingprofileid", "partnertenantid", "customertenantid", "subscriptionguid"),
    "billing_account_name": ("billingaccountname",),
    "billing_profile_id": ("billingprofileid",),
    "billing_profile_name": ("billingprofilename",),
    "invoice_id": ("invoiceid",),
    "invoice_section_name": ("invoicesectionname", "departmentname"),
    "subscription_id": ("subscriptionid", "subscriptionguid"),
    "subscription_name": ("subscriptionname",),
    "resource_group": ("resourcegroup", "resourcegroupname"),
    "resource_id": ("resourceid", "instanceid"),
    "resource_name": ("resourcename",),
    "resource_location": ("resourcelocation", "location"),
    "availability_zone": ("availabilityzone",),
    "meter_id": ("meterid",),
    "meter_name": ("metername",),
    "meter_category": ("metercategory",),
    "meter_subcategory": ("metersubcategory",),
    "meter_region": ("meterregion",),
    "product_id": ("productid",),
    "product_name": ("productname", "product"),
    "part_number": ("partnumber",),
    "service_family": ("servicefamily",),
    "consumed_service": ("consumedservice",),
    "unit_of_measure": ("unitofmeasure",),
    "quantity": ("quantity", "usagequantity"),
    "effective_price": ("effectiveprice",),
    "unit_price": ("unitprice", "resourcerate"),
    "payg_price": ("paygprice",),
    "cost_in_billing_currency": ("costinbillingcurrency", "cost", "pretaxcost"),
    "cost_in_pricing_currency": ("costinpricingcurrency",),
    "payg_cost_in_billing_currency": ("paygcostinbillingcurrency",),
    "exchange_rate_pricing_to_billing": ("exchangeratepricingtobilling",),
    "billing_currency": ("billingcurrency", "billingcurrencycode", "currency"),
    "pricing_currency": ("pricingcurrency", "pricingcurrencycode"),
    "charge_type": ("chargetype",),
    "frequency": ("frequency",),
    "pricing_model": ("pricingmodel",),
    "reservation_id": ("reservationid",),
    "reservation_name": ("reservationname",),
    "benefit_id": ("benefitid",),
    "benefit_name": ("benefitname",),
    "publisher_type": ("publishertype",),
    "publisher_name": ("publishername",),
    "term": ("term",),
    "cost_center": ("costcenter",),
    "tags": ("tags",),
    "additional_info": ("additionalinfo",),
}
# columns that mark a layout (lowercased file names)
PARTNER_MARKERS = ("partnername", "partnertenantid", "customertenantid", "resellername")
PAYG_MARKERS = ("pretaxcost", "subscriptionguid")
DATE_COLUMNS = ("usage_date", "billing_period_start_date", "billing_period_end_date")

REQUIRED = ("usage_date", "billing_account_id", "subscription_id", "charge_type", "cost_in_billing_currency", "billing_currency")

# The BilledCost rule (see module docstring), in SQL over the raw columns.
BILLED_COST_SQL = (
    "case when lower(charge_type) in ('unusedreservation', 'unusedsavingsplan') "
    "or (lower(charge_type) = 'usage' and lower(coalesce(pricing_model, '')) in ('reservation', 'savingsplan')) "
    "then cast(0 as decimal(38, 10)) else cost_in_billing_currency end"
)


def _date_format(conn: duckdb.DuckDBPyConnection, exprs: list[str], rel: str, params) -> str:
    """The exporter writes MM/DD/YYYY; a first part above 12 anywhere means DD/MM/YYYY."""
    if not exprs:
        return "%m/%d/%Y"
    parts = " union all ".join(
        f"select try_cast(split_part({e}, '/', 1) as integer) as first_part from {rel} where {e} like '%/%/%'" for e in exprs
    )
    biggest = conn.execute(f"select max(first_part) from ({parts})", params).fetchone()[0]
    return "%d/%m/%Y" if biggest and biggest > 12 else "%m/%d/%Y"


def _date_expr(text: str, fmt: str) -> str:
    trimmed = f"nullif(trim({text}), '')"
    # a slash date in the exporter's order, else ISO (2026-10-01, 2026-10-01T00:00:00Z)
    return (
        f"coalesce(cast(try_strptime(split_part({trimmed}, ' ', 1), '{fmt}') as date), "
        f"cast(cast(try_cast({trimmed} as timestamptz) as timestamp) as date))"
    )


def stage(conn: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    name = path.name.lower()
    if not name.endswith((".csv", ".csv.gz")):
        raise IngestError(f"unsupported file type: {path.name}")
    params = [duckdb_path(path)]
    rel = f"read_csv($1, {csv_options(conn, path)})"
    try:
        file_cols = [row[0] for row in conn.execute(f"describe select * from {rel}", params).fetchall()]
    except duckdb.Error as exc:
        raise IngestError(f"cannot read csv file: {str(exc).splitlines()[0]}") from exc
    by_lower: dict[str, str] = {}
    for col in file_cols:
        by_lower.setdefault(col.replace("\ufeff", "").strip().lower(), col)
    available: dict[str, str] = {}
    for raw_name, aliases in ALIASES.items():
        found = next((by_lower[a] for a in aliases if a in by_lower), None)
        if found:
            available[raw_name] = f"nullif(trim({quote_ident(found)}), '')"
    is_payg = any(c in by_lower for c in PAYG_MARKERS)
    if is_payg and "charge_type" not in available:
        # the legacy usage-details set has no ChargeType: every row is usage
        available["charge_type"] = "'Usage'"
    missing = [c for c in REQUIRED if c not in available]
    if missing:
        raise IngestError(f"missing required column(s): {', '.join(missing)} "
                          "(not an EA, MCA, partner or legacy pay-as-you-go cost-details layout)")
    # MCA exports carry invoice and pricing-currency columns that EA exports lack
    is_mca = any(c in by_lower for c in ("invoiceid", "costinpricingcurrency", "pricingcurrency"))
    is_partner = any(c in by_lower for c in PARTNER_MARKERS)
    available["agreement_type"] = "'PAYG'" if is_payg else "'MPA'" if is_partner else "'MCA'" if is_mca else "'EA'"
    try:
        fmt = _date_format(conn, [available[c] for c in DATE_COLUMNS if c in available], rel, params)
        typed = dict(available)
        for col in DATE_COLUMNS:
            if col in available:
                typed[col] = _date_expr(available[col], fmt)
        # dates: a value that is set but parses in neither form quarantines the file
        bad_dates = [
            f"select '{c}' as col, count(*) as n, any_value({available[c]}) as example from {rel} "
            f"where {available[c]} is not null and {typed[c]} is null"
            for c in DATE_COLUMNS if c in available
        ]
        bad = [b for b in conn.execute(" union all ".join(bad_dates), params).fetchall() if b[1]]
        if bad:
            raise IngestError("unparseable dates: " + "; ".join(f"{c}: {n} value(s) (e.g. {ex!r})" for c, n, ex in bad))
        check_casts(conn, [(c, t) for c, t in COLUMNS if c not in DATE_COLUMNS], available, rel, params)
        if "tags" in available:
            typed["tags"] = object_from_text_sql(available["tags"])
        projection = ",\n    ".join(
            f"{typed[c] if c in DATE_COLUMNS else cast_expr(typed[c], t)} as {c}" if c in typed else f"cast(null as {t}) as {c}"
            for c, t in COLUMNS
        )
        conn.execute(f"create or replace temp table _incoming as select {projection} from {rel}", params)
        n = conn.execute(invalid_object_count_sql("tags", "_incoming")).fetchone()[0]
        if n:
            raise IngestError(f"Tags: {n} value(s) are not a JSON object, with or without braces")
        no_cost = conn.execute("select count(*) from _incoming where cost_in_billing_currency is null").fetchone()[0]
        if no_cost:
            raise IngestError(f"{no_cost} row(s) have no CostInBillingCurrency")
    except duckdb.Error as exc:
        raise IngestError(f"cannot read csv file: {str(exc).splitlines()[0]}") from exc
    return file_cols


SPEC = SourceSpec(
    name="azure_cost",
    raw_table="azure_cost_details",
    suffixes=(".csv", ".csv.gz"),
    columns=COLUMNS,
    stage=stage,
    period_sql="strftime(coalesce(billing_period_start_date, date_trunc('month', usage_date)), '%Y-%m')",
    charge_month_sql="strftime(usage_date, '%Y-%m')",
    cost_sql=BILLED_COST_SQL,
    currency_sql="billing_currency",
    description="Azure Cost Management cost details (EA and MCA)",
    row_checks=(
        ("billing_period_end_date < billing_period_start_date", "billing period end before its start"),
        ("abs(cost_in_billing_currency) > 1000000000000", "absurd cost (magnitude above 1e12)"),
    ),
)
