{#- The providers' LLM bills charged to tenants: each cost report's billed cost of a day,
    billing account and project/workspace (one pool per file, day, sub account and currency),
    split across the tenants by their share of the usage-priced (estimated) cost of the same
    day and sub account (int_llm_token_lines_attributed), with the largest-remainder split of
    the allocation macros in units of 1e-10 (the parts sum to the bill exactly; the day's cells
    are then rounded to the cent, largest remainder, in int_allocation_cells_daily).
    A pool whose usage has no priced cost (every model unpriced) is split by tokens instead; a
    pool without any usage goes to the tenant the tenant map names for its project/workspace,
    else to 'unallocated'. An OpenAI cost line without a project (a page not grouped by
    project_id) is split over all the usage of its organization and day. The rule on each part
    says which way it was split; the share is weight / weight_total. -#}
with

cost_lines as (

    select * from {{ ref('int_llm_cost_lines_unioned') }}
    where {{ in_build_months('usage_date') }}

),

token_lines as (

    select * from {{ ref('int_llm_token_lines_attributed') }}
    where
        source in ('openai_usage', 'anthropic_usage')
        and {{ in_build_months('usage_start_at') }}

),

tenant_map as (

    select * from {{ ref('tenant_map') }}

),

pools as (

    select
        {{ dbt.concat([
            "file_id", "'|'", "cast(usage_date as " ~ dbt.type_string() ~ ")", "'|'", "coalesce(sub_account_id, '(all)')", "'|'", "currency"]) }}
            as pool_key,
        file_id,
        source,
        source_file,
        provider,
        billing_account_id,
        sub_account_id,
        primary_key_type,
        usage_date,
        currency,
        count(*) as cost_lines,
        sum(billed_cost) as billed_cost,
        -- the exact amount in 1e-10 units: money has 10 decimals, so this is an integer
        cast(sum(billed_cost) * cast(10000000000 as decimal(38, 0)) as {{ wide_integer_type() }}) as amount_units
    from cost_lines
    group by
        file_id,
        source,
        source_file,
        provider,
        billing_account_id,
        sub_account_id,
        primary_key_type,
        usage_date,
        currency

),

usage_by_tenant as (

    select
        provider,
        coalesce(billing_account_id, '') as billing_account_key,
        sub_account_id,
        usage_date,
        tenant,
        sum(coalesce(cost, 0)) as estimated_cost,
        sum(tokens) as tokens
    from token_lines
    group by
        provider,
        coalesce(billing_account_id, ''),
        sub_account_id,
        usage_date,
        tenant

),

pool_usage as (

    select
        pools.pool_key,
        usage_by_tenant.tenant,
        sum(usage_by_tenant.estimated_cost) as estimated_cost,
        sum(usage_by_tenant.tokens) as tokens
    from pools
    inner join usage_by_tenant
        on pools.provider = usage_by_tenant.provider
            and coalesce(pools.billing_account_id, '') = usage_by_tenant.billing_account_key
            and pools.usage_date = usage_by_tenant.usage_date
            and (pools.sub_account_id is null or pools.sub_account_id = usage_by_tenant.sub_account_id)
    group by
        pools.pool_key,
        usage_by_tenant.tenant

),

cost_drivers as (

    select
        pool_key,
        tenant,
        estimated_cost as driver_value,
        cast(estimated_cost * cast(10000000000 as decimal(38, 0)) as {{ wide_integer_type() }}) as weight,
        'llm_bill:estimated_cost_share' as rule_id
    from pool_usage
    where estimated_cost > 0

),

token_drivers as (

    select
        pool_key,
        tenant,
        cast(tokens as {{ money_type() }}) as driver_value,
        cast(tokens as {{ wide_integer_type() }}) as weight,
        'llm_bill:token_share' as rule_id
    from pool_usage
    where tokens > 0
        and pool_key not in (select pool_key from cost_drivers)

),

mapped_drivers as (

    select
        pools.pool_key,
        tenant_map.tenant,
        cast(null as {{ money_type() }}) as driver_value,
        cast(1 as {{ wide_integer_type() }}) as weight,
        {{ dbt.concat(["'llm_bill:tenant_map:'", "pools.primary_key_type"]) }} as rule_id
    from pools
    inner join tenant_map
        on tenant_map.key_type = pools.primary_key_type
            and tenant_map.key_value = pools.sub_account_id
    where pools.pool_key not in (select pool_key from cost_drivers)
        and pools.pool_key not in (select pool_key from token_drivers)

),

pool_drivers as (

    select * from cost_drivers
    union all
    select * from token_drivers
    union all
    select * from mapped_drivers

),

split as (

    {{ split_pool_by_driver('pools', 'pool_drivers', carry=['rule_id', 'driver_value']) }}

),

final as (

    select
        pools.pool_key,
        pools.file_id as x_file_id,
        pools.source as x_source,
        pools.source_file,
        pools.provider,
        pools.billing_account_id,
        pools.sub_account_id,
        pools.usage_date as charge_date,
        pools.currency as billing_currency,
        split.tenant as x_tenant,
        'variable' as x_cost_kind,
        coalesce(split.rule_id, 'llm_bill:no_usage_unallocated') as x_allocation_rule,
        cast(null as {{ dbt.type_string() }}) as x_allocation_pool,
        pools.cost_lines,
        pools.billed_cost as pool_billed_cost,
        split.driver_value,
        split.weight,
        split.weight_total,
        {{ weight_share('split.weight', 'split.weight_total') }} as share,
        {{ units_to_money('split.allocated_units') }} as effective_cost
    from split
    inner join pools
        on split.pool_key = pools.pool_key

)

select * from final
