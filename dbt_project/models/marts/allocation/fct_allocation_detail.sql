{#- Per day and tenant: each variable cost cell and each common pool's share, with the
    driver, its value, the share and the rule that produced it. -#}
with

cells as (

    select * from {{ ref('int_allocation_cells_daily') }}

),

pool_splits as (

    select * from {{ ref('int_allocation_pools_split') }}

),

variable as (

    select
        charge_date,
        billing_month,
        cell_key as tenant,
        'variable' as cost_kind,
        cast(null as {{ dbt.type_string() }}) as pool,
        rule_id,
        'direct' as driver,
        cast(null as {{ money_type() }}) as driver_value,
        cast(null as {{ money_type() }}) as driver_total,
        cast(1 as decimal(38, 10)) as share,
        amount as pool_amount,
        amount as allocated_amount
    from cells
    where cost_kind = 'variable'

),

common as (

    select
        charge_date,
        billing_month,
        tenant,
        'common' as cost_kind,
        pool,
        rule_id,
        driver,
        driver_value,
        {{ units_to_money('weight_total') }} as driver_total,
        {{ weight_share('weight', 'weight_total') }} as share,
        pool_amount,
        allocated_amount
    from pool_splits

),

final as (

    select
        *,
        '{{ var("reporting_currency") }}' as currency
    from variable
    union all
    select
        *,
        '{{ var("reporting_currency") }}' as currency
    from common

)

select * from final
