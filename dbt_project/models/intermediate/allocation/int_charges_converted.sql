{#- The charges' EffectiveCost in the reporting currency, dated by their charge day: summed per
    file, day, currency and classification first (a rate holds for a whole day and currency,
    so converting the sum is exact and spares a multiplication per row). Charges without an FX
    rate for their currency and day stop the build with a message naming both. -#}
with

charges as (

    select * from {{ ref('focus_costs') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

reporting_rates as (

    select
        rate_date,
        usd_per_unit
    from fx_rates
    where currency = '{{ var("reporting_currency") }}'

),

dated as (

    select
        x_file_id,
        x_source,
        x_tenant,
        x_cost_kind,
        x_allocation_rule,
        x_allocation_pool,
        BillingCurrency as billing_currency,
        cast(ChargePeriodStart as date) as charge_date,
        sum(EffectiveCost) as effective_cost,
        count(*) as charges
    from charges
    group by 1, 2, 3, 4, 5, 6, 7, 8

),

rated as (

    select
        dated.*,
        {{ fx_rate_to_reporting('fx_rates.usd_per_unit', 'reporting_rates.usd_per_unit') }} as fx_rate
    from dated
    left join fx_rates
        on dated.billing_currency = fx_rates.currency
        and dated.charge_date = fx_rates.rate_date
    left join reporting_rates
        on dated.charge_date = reporting_rates.rate_date

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
        cast(
            effective_cost * {{ require_not_null('fx_rate', dbt.concat([
                "'missing FX rate: no fx_rates row for '", "billing_currency", "' or " ~ var('reporting_currency') ~ " on '",
                "cast(charge_date as " ~ dbt.type_string() ~ ")", "'; add it to seeds/reference/fx_rates.csv'"])) }}
            as {{ money_type() }}
        ) as effective_cost_reporting
    from rated

)

select * from final
