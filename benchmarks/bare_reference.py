"""The bare reference: one hand-written DuckDB CREATE TABLE AS SELECT doing the same CUR 2.0 to
FOCUS 1.2 mapping straight from the parquet files. No registry, no dbt, no checks.

usage: python bare_reference.py LANDING_DIR OUT_DUCKDB [--parquet]

With --parquet the FOCUS rows are written as a parquet file next to OUT_DUCKDB instead of a
DuckDB table (the fairest floor for our marts, which are parquet files behind views).
"""

import sys
import time

import duckdb

MAPPING = """
create table focus as
select
    line_item_availability_zone as AvailabilityZone,
    cast(coalesce(line_item_net_unblended_cost, line_item_unblended_cost) as decimal(38, 10)) as BilledCost,
    bill_payer_account_id as BillingAccountId,
    bill_payer_account_name as BillingAccountName,
    line_item_currency_code as BillingCurrency,
    cast(bill_billing_period_start_date as timestamp) + interval 1 month as BillingPeriodEnd,
    cast(bill_billing_period_start_date as timestamp) as BillingPeriodStart,
    case
        when line_item_line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'RIFee', 'SavingsPlanRecurringFee', 'Refund') then 'Usage'
        when line_item_line_item_type in ('Fee', 'SavingsPlanUpfrontFee') then 'Purchase'
        when line_item_line_item_type = 'Tax' then 'Tax'
        when line_item_line_item_type = 'Credit' then 'Credit'
        else 'Adjustment'
    end as ChargeCategory,
    case when line_item_line_item_type = 'Refund' then 'Correction' end as ChargeClass,
    line_item_line_item_description as ChargeDescription,
    cast(line_item_usage_end_date as timestamp) as ChargePeriodEnd,
    cast(line_item_usage_start_date as timestamp) as ChargePeriodStart,
    coalesce(reservation_reservation_a_r_n, savings_plan_savings_plan_a_r_n) as CommitmentDiscountId,
    cast(line_item_usage_amount as decimal(38, 10)) as ConsumedQuantity,
    pricing_unit as ConsumedUnit,
    cast(cast(line_item_unblended_rate as decimal(38, 10)) * cast(line_item_usage_amount as decimal(38, 10)) as decimal(38, 10)) as ContractedCost,
    cast(line_item_unblended_rate as decimal(38, 10)) as ContractedUnitPrice,
    cast(case
        when line_item_line_item_type = 'DiscountedUsage' then reservation_effective_cost
        when line_item_line_item_type = 'SavingsPlanCoveredUsage' then savings_plan_savings_plan_effective_cost
        when line_item_line_item_type in ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') then 0
        when line_item_line_item_type = 'SavingsPlanRecurringFee' then savings_plan_total_commitment_to_date - savings_plan_used_commitment
        when line_item_line_item_type = 'RIFee' then coalesce(reservation_unused_amortized_upfront_fee_for_billing_period, 0) + coalesce(reservation_unused_recurring_fee, 0)
        else line_item_unblended_cost
    end as decimal(38, 10)) as EffectiveCost,
    bill_invoice_id as InvoiceId,
    'AWS' as InvoiceIssuerName,
    cast(cast(pricing_public_on_demand_rate as decimal(38, 10)) * cast(line_item_usage_amount as decimal(38, 10)) as decimal(38, 10)) as ListCost,
    cast(pricing_public_on_demand_rate as decimal(38, 10)) as ListUnitPrice,
    case when pricing_purchase_option = 'Spot' then 'Dynamic' else 'Standard' end as PricingCategory,
    cast(line_item_usage_amount as decimal(38, 10)) as PricingQuantity,
    pricing_unit as PricingUnit,
    'AWS' as ProviderName,
    'AWS' as PublisherName,
    product_region_code as RegionId,
    line_item_resource_id as ResourceId,
    line_item_product_code as ServiceName,
    product_sku as SkuId,
    pricing_rate_code as SkuPriceId,
    line_item_usage_account_id as SubAccountId,
    line_item_usage_account_name as SubAccountName,
    regexp_replace(to_json(resource_tags), '"user_', '"', 'g') as Tags
from read_parquet($glob)
"""


def main() -> None:
    landing, out = sys.argv[1], sys.argv[2]
    as_parquet = "--parquet" in sys.argv[3:]
    started = time.monotonic()
    conn = duckdb.connect(out)
    conn.execute("set preserve_insertion_order = false")
    glob = f"{landing}/aws_cur/**/*.parquet"
    if as_parquet:
        select = MAPPING.replace("create table focus as\n", "", 1).replace("$glob", "'" + glob.replace("'", "''") + "'")
        target = out.rsplit(".", 1)[0] + ".parquet"
        conn.execute(f"copy ({select}) to '{target}' (format parquet)")
        rows = conn.execute("select count(*) from read_parquet(?)", [target]).fetchone()[0]
    else:
        conn.execute(MAPPING, {"glob": glob})
        rows = conn.execute("select count(*) from focus").fetchone()[0]
    conn.close()
    print(f"{rows} {time.monotonic() - started:.3f}")


if __name__ == "__main__":
    main()
