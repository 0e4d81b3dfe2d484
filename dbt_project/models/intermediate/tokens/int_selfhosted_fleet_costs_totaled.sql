{#- One row per month: the self-hosted fleet's actual cost per 1M tokens. The fleet is every
    common pool whose allocation rule splits by the self-hosted tokens (driver
    tokens_selfhosted in seeds/allocation/allocation_rules.csv), so no resource id is named
    here. Its cost is the whole month's pool: GPUs are billed by the hour whether they serve
    or idle, so idle capacity is in it. Tokens are everything the self-hosted logs served
    that month (all token types). The pool is in the reporting currency (as the allocation). -#}
with

cells as (

    select * from {{ ref('int_allocation_cells_daily') }}

),

allocation_rules as (

    select * from {{ ref('allocation_rules') }}

),

token_lines as (

    select * from {{ ref('int_llm_token_lines_attributed') }}
    where {{ in_build_months('usage_start_at') }}

),

fleet_pools_monthly as (

    select
        cast(cells.billing_month as date) as billing_month,
        sum(cells.amount) as fleet_cost
    from cells
    inner join allocation_rules
        on cells.rule_id = allocation_rules.rule_id
    where
        cells.cost_kind = 'common'
        and allocation_rules.driver = 'tokens_selfhosted'
    group by cast(cells.billing_month as date)

),

tokens_served_monthly as (

    select
        cast({{ dbt.date_trunc('month', 'usage_start_at') }} as date) as billing_month,
        sum(tokens) as tokens_served
    from token_lines
    where source = 'selfhosted_llm'
    group by cast({{ dbt.date_trunc('month', 'usage_start_at') }} as date)

),

months as (

    select billing_month from fleet_pools_monthly
    union
    select billing_month from tokens_served_monthly

),

final as (

    select
        months.billing_month,
        '{{ var("reporting_currency") }}' as currency,
        cast(coalesce(fleet_pools_monthly.fleet_cost, 0) as {{ money_type() }}) as fleet_cost,
        cast(coalesce(tokens_served_monthly.tokens_served, 0) as bigint) as tokens_served,
        -- no cost without both: a month with logs but no GPU bill yet is not a free fleet
        case
            when fleet_pools_monthly.fleet_cost > 0 and tokens_served_monthly.tokens_served > 0
                then {{ divide('fleet_pools_monthly.fleet_cost * 1000000', 'tokens_served_monthly.tokens_served') }}
        end as cost_per_1m_tokens
    from months
    left join fleet_pools_monthly
        on months.billing_month = fleet_pools_monthly.billing_month
    left join tokens_served_monthly
        on months.billing_month = tokens_served_monthly.billing_month

)

select * from final
