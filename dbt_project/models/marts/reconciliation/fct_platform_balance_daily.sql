{#- Zero-balance reconciliation: what the platform paid (every FOCUS row's EffectiveCost,
    converted and rounded per day, computed here from marts.focus_costs on its own) against
    what was charged back to tenants. balance must be 0. -#}
with

focus_costs as (

    select * from {{ ref('focus_costs') }}
    where {{ in_build_months('ChargePeriodStart') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_ranged') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

chargeback_daily as (

    select * from {{ ref('fct_chargeback_daily') }}
    where {{ in_build_months('charge_date') }}

),

reporting_rates as (

    select
        valid_from,
        valid_to,
        usd_per_unit
    from fx_rates
    where currency = '{{ var("reporting_currency") }}'

),

daily_by_currency as (

    -- a rate holds for a whole day and currency: convert the day's sum, not each of
    -- millions of rows (exact either way: the products are not rounded)
    select
        cast(ChargePeriodStart as date) as charge_date,
        BillingCurrency as billing_currency,
        sum(EffectiveCost) as effective_cost,
        count(*) as charge_rows
    from focus_costs
    group by 1, 2

),

platform_exact as (

    select
        daily_by_currency.charge_date,
        sum(daily_by_currency.effective_cost * {{ fx_rate_to_reporting('fx_rates.usd_per_unit', 'reporting_rates.usd_per_unit') }})
            as platform_cost_exact,
        cast(sum(daily_by_currency.charge_rows) as bigint) as charge_rows,
        cast(sum(case when fx_rates.usd_per_unit is null or reporting_rates.usd_per_unit is null
                then daily_by_currency.charge_rows
            else 0
        end) as bigint) as rows_without_fx_rate
    from daily_by_currency
    left join fx_rates
        on daily_by_currency.billing_currency = fx_rates.currency
            and {{ fx_rate_valid_on('fx_rates', 'daily_by_currency.charge_date') }}
    left join reporting_rates
        on {{ fx_rate_valid_on('reporting_rates', 'daily_by_currency.charge_date') }}
    group by 1

),

platform as (

    select
        platform_exact.charge_date,
        cast(
            round(platform_exact.platform_cost_exact * cast(power(10, currencies.minor_unit) as decimal(38, 0)), 0)
            * cast(power(10, -currencies.minor_unit) as {{ money_type() }})
            as {{ money_type() }}
        ) as platform_cost,
        platform_exact.charge_rows,
        platform_exact.rows_without_fx_rate
    from platform_exact
    inner join currencies
        on currencies.currency = '{{ var("reporting_currency") }}'

),

charged as (

    select
        charge_date,
        sum(total_cost) as charged_back,
        count(distinct tenant) as tenants
    from chargeback_daily
    group by 1

),

final as (

    select
        coalesce(platform.charge_date, charged.charge_date) as charge_date,
        cast({{ dbt.date_trunc('month', 'coalesce(platform.charge_date, charged.charge_date)') }} as date) as billing_month,
        '{{ var("reporting_currency") }}' as currency,
        coalesce(platform.platform_cost, 0) as platform_cost,
        coalesce(charged.charged_back, 0) as charged_back,
        coalesce(platform.platform_cost, 0) - coalesce(charged.charged_back, 0) as balance,
        coalesce(platform.charge_rows, 0) as charge_rows,
        coalesce(platform.rows_without_fx_rate, 0) as rows_without_fx_rate,
        coalesce(charged.tenants, 0) as tenants
    from platform
    full outer join charged
        on platform.charge_date = charged.charge_date

)

select * from final
