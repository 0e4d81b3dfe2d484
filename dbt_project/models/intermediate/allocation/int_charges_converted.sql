{#- Each charge's EffectiveCost in the reporting currency, dated by its charge day. A charge
    without an FX rate for its currency and day stops the build with a message naming both. -#}
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
        EffectiveCost as effective_cost,
        cast(ChargePeriodStart as date) as charge_date
    from charges

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
