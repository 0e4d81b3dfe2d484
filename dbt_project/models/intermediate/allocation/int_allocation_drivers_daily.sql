{#- Allocation drivers per day and tenant, as non-negative integer weights.
    variable_cost: the tenant's variable cost that day (credits can make it negative: then 0).
    tokens_selfhosted: the tenant's tokens served by the self-hosted models that day (all token
    types, prefix-cache hits included), from the self-hosted request logs.
    Add a driver here and name it in seeds/allocation/allocation_rules.csv. -#}
with

cells as (

    select * from {{ ref('int_allocation_cells_daily') }}

),

token_lines as (

    select * from {{ ref('int_llm_token_lines_attributed') }}

),

variable_cost as (

    select
        charge_date,
        'variable_cost' as driver,
        cell_key as tenant,
        sum(exact_amount) as driver_value
    from cells
    where cost_kind = 'variable'
    group by 1, 2, 3

),

tokens_selfhosted as (

    select
        cast(usage_start_at as date) as charge_date,
        'tokens_selfhosted' as driver,
        tenant,
        cast(sum(tokens) as {{ money_type() }}) as driver_value
    from token_lines
    where source = 'selfhosted_llm'
    group by 1, 2, 3

),

drivers as (

    select * from variable_cost
    union all
    select * from tokens_selfhosted

),

final as (

    select
        charge_date,
        driver,
        tenant,
        case when driver_value > 0 then driver_value else 0 end as driver_value,
        -- weights are integers so that the split is exact: the value in 1e-10 units
        cast(case when driver_value > 0 then driver_value else 0 end * cast(10000000000 as decimal(38, 0)) as {{ wide_integer_type() }})
            as weight
    from drivers

)

select * from final
