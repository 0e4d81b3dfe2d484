{#- The charges' EffectiveCost in the reporting currency, dated by their charge day: summed per
    file, day, currency and classification first (a rate holds for a whole day and currency,
    so converting the sum is exact and spares a multiplication per row). The rate is the ECB
    cross rate valid on the day (int_fx_rates_ranged: the last rate published on or before
    it); the rate and its reference date stay on every row. A currency or day without any
    rate stops the build with a message naming both (the ingest quarantines such files first).
    EC2 instances split by split cost allocation data enter as their parts (used per tenant, idle
    as a common pool; int_container_instances_split), not as their own rows. -#}
with

charges as (

    select * from {{ ref('int_charges_shaped') }}
    where {{ in_build_months('ChargePeriodStart') }}

),

llm_bill_parts as (

    select * from {{ ref('int_llm_bills_split') }}

),

container_parts as (

    select * from {{ ref('int_container_instances_split') }}

),

-- instances split by split cost allocation data: their parts stand in for their own rows
container_parents as (

    select distinct
        x_file_id,
        parent_resource_id,
        charge_period_start
    from container_parts

),

fx_rates as (

    select * from {{ ref('int_fx_rates_ranged') }}

),

reporting_rates as (

    select
        rate_date,
        valid_from,
        valid_to,
        usd_per_unit
    from fx_rates
    where currency = '{{ var("reporting_currency") }}'

),

dated as (

    select
        charges.x_file_id,
        charges.x_source,
        charges.x_tenant,
        charges.x_cost_kind,
        charges.x_allocation_rule,
        charges.x_allocation_pool,
        charges.BillingCurrency as billing_currency,
        cast(charges.ChargePeriodStart as date) as charge_date,
        sum(charges.EffectiveCost) as effective_cost,
        count(*) as charges
    from charges
    left join container_parents
        on charges.x_file_id = container_parents.x_file_id
            and charges.ResourceId = container_parents.parent_resource_id
            and charges.ChargePeriodStart = container_parents.charge_period_start
            and charges.x_line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
    where coalesce(charges.x_line_item_type, '') <> 'BilledTokenCost'
        and container_parents.x_file_id is null
    group by 1, 2, 3, 4, 5, 6, 7, 8

    union all

    select
        x_file_id,
        x_source,
        x_tenant,
        x_cost_kind,
        x_allocation_rule,
        x_allocation_pool,
        billing_currency,
        charge_date,
        sum(effective_cost) as effective_cost,
        sum(cost_lines) as charges
    from llm_bill_parts
    group by 1, 2, 3, 4, 5, 6, 7, 8

    union all

    select
        x_file_id,
        x_source,
        x_tenant,
        x_cost_kind,
        x_allocation_rule,
        x_allocation_pool,
        billing_currency,
        charge_date,
        sum(effective_cost) as effective_cost,
        sum(charges) as charges
    from container_parts
    group by 1, 2, 3, 4, 5, 6, 7, 8

),

rated as (

    select
        dated.*,
        {{ fx_rate_to_reporting('fx_rates.usd_per_unit', 'reporting_rates.usd_per_unit') }} as fx_rate,
        -- the ECB reference date behind the rate (the older leg's when both are dated); null
        -- when no published rate is involved (the reporting currency itself)
        case
            when dated.billing_currency <> '{{ var("reporting_currency") }}'
                then least(fx_rates.rate_date, reporting_rates.rate_date)
        end as fx_rate_date
    from dated
    left join fx_rates
        on dated.billing_currency = fx_rates.currency
            and {{ fx_rate_valid_on('fx_rates', 'dated.charge_date') }}
    left join reporting_rates
        on {{ fx_rate_valid_on('reporting_rates', 'dated.charge_date') }}

),

final as (

    select
        x_file_id,
        x_source,
        x_tenant,
        x_cost_kind,
        x_allocation_rule,
        x_allocation_pool,
        billing_currency,
        effective_cost,
        charges,
        charge_date,
        cast({{ dbt.date_trunc('month', 'charge_date') }} as date) as billing_month,
        fx_rate,
        fx_rate_date,
        cast(
            effective_cost * {{ require_not_null('fx_rate', dbt.concat([
                "'missing FX rate: no ECB rate for '", "billing_currency", "' or " ~ var('reporting_currency') ~ " on or before '",
                "cast(charge_date as " ~ dbt.type_string() ~ ")", "' (raw.fx_ecb_rates)'"])) }}
            as {{ money_type() }}
        ) as effective_cost_reporting
    from rated

)

select * from final
