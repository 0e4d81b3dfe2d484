{#- One row per day and cell: a tenant's variable cost (per attribution rule) or a common
    pool. The day's cells are rounded to the reporting currency's minor unit with the
    largest-remainder method, so they sum to the day's rounded platform cost exactly. -#}
with

converted as (

    select * from {{ ref('int_charges_converted') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

cells as (

    select
        charge_date,
        billing_month,
        x_cost_kind as cost_kind,
        case when x_cost_kind = 'common' then x_allocation_pool else x_tenant end as cell_key,
        x_allocation_rule as rule_id,
        sum(effective_cost_reporting) as exact_amount
    from converted
    group by 1, 2, 3, 4, 5

),

scaled as (

    select
        cells.*,
        currencies.minor_unit,
        cast(charge_date as {{ dbt.type_string() }}) as group_key,
        {{ dbt.concat(["cost_kind", "'|'", "cell_key", "'|'", "rule_id"]) }} as item_key,
        exact_amount * cast(power(10, currencies.minor_unit) as decimal(38, 0)) as amount_scaled
    from cells
    inner join currencies
        on currencies.currency = '{{ var("reporting_currency") }}'

),

rounded as (

    {{ round_preserving_total('scaled') }}

),

final as (

    select
        scaled.charge_date,
        scaled.billing_month,
        scaled.cost_kind,
        scaled.cell_key,
        scaled.rule_id,
        scaled.exact_amount,
        scaled.minor_unit,
        rounded.units as amount_units,
        cast(cast(rounded.units as decimal(38, 0)) * cast(power(10, -scaled.minor_unit) as {{ money_type() }}) as {{ money_type() }})
            as amount
    from scaled
    inner join rounded
        on scaled.group_key = rounded.group_key
            and scaled.item_key = rounded.item_key

)

select * from final
