{#- EC2 instances that ran ECS tasks or EKS pods, split by AWS's split cost allocation data
    (docs/container_costs.md). The instance's cost stays on its own CUR row (the one FOCUS
    charge); the task/pod rows only say how it divides: split_cost (the part the task's vCPU or
    memory used) and unused_cost (its share of the idle capacity). So each parent charge (one
    pool per file, currency, instance and charge period) is split by those weights, largest
    remainder in 1e-10 units: the used part to the tenant the task's tags name (tenant tag, else
    its EKS namespace through the tenant map, else `unallocated`), the idle part to the common
    pool `container_idle:<cluster>` (rule `container_idle`; its driver is configured in the
    allocation_rules seed). The parts sum to the parent's EffectiveCost exactly, and
    int_charges_converted uses them instead of the parent row. Net (after discount) split
    columns are used when the export has them, like BilledCost. -#}
with

charges as (

    select * from {{ ref('int_charges_shaped') }}
    where {{ in_build_months('ChargePeriodStart') }}

),

cur_line_items as (

    select * from {{ ref('stg_aws__cur_line_items') }}
    where {{ in_build_months('usage_start_at') }}

),

tenant_map as (

    select * from {{ ref('tenant_map') }}

),

split_rows as (

    select
        split_parent_resource_id as parent_resource_id,
        usage_start_at,
        coalesce(
            {{ json_get_string('resource_tags', 'aws_eks_cluster_name') }},
            {{ json_get_string('resource_tags', 'aws_ecs_cluster_name') }},
            split_parent_resource_id
        ) as cluster,
        {{ json_get_string('resource_tags', 'user_tenant') }} as tag_tenant,
        {{ json_get_string('resource_tags', 'aws_eks_namespace') }} as namespace,
        coalesce(split_net_split_cost, split_cost, 0) as used_cost,
        coalesce(split_net_unused_cost, split_unused_cost, 0) as idle_cost
    from cur_line_items
    where split_parent_resource_id is not null

),

split_attributed as (

    select
        split_rows.*,
        coalesce(tag_map.tenant, namespace_map.tenant, 'unallocated') as tenant,
        case
            when tag_map.tenant is not null then 'container_split:tag'
            when namespace_map.tenant is not null then 'container_split:k8s_namespace'
            else 'container_split:no_rule_unallocated'
        end as rule_id
    from split_rows
    left join tenant_map as tag_map
        on tag_map.key_type = 'tag'
            and tag_map.key_value = split_rows.tag_tenant
    left join tenant_map as namespace_map
        on namespace_map.key_type = 'k8s_namespace'
            and namespace_map.key_value = split_rows.namespace

),

instances as (

    select
        parent_resource_id,
        usage_start_at,
        min(cluster) as cluster
    from split_rows
    group by 1, 2

),

pools as (

    select
        {{ dbt.concat([
            "charges.x_file_id", "'|'", "charges.BillingCurrency", "'|'", "charges.ResourceId", "'|'",
            "cast(charges.ChargePeriodStart as " ~ dbt.type_string() ~ ")"]) }} as pool_key,
        charges.x_file_id,
        charges.x_source,
        charges.BillingCurrency as billing_currency,
        charges.ResourceId as parent_resource_id,
        charges.ChargePeriodStart as charge_period_start,
        cast(charges.ChargePeriodStart as date) as charge_date,
        instances.cluster,
        count(*) as charges,
        sum(charges.EffectiveCost) as parent_effective_cost,
        -- the exact amount in 1e-10 units: money has 10 decimals, so this is an integer
        cast(sum(charges.EffectiveCost) * cast(10000000000 as decimal(38, 0)) as {{ wide_integer_type() }}) as amount_units
    from charges
    inner join instances
        on charges.ResourceId = instances.parent_resource_id
            and charges.ChargePeriodStart = instances.usage_start_at
    where charges.x_source = 'aws_cur'
        and charges.x_line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
    group by 1, 2, 3, 4, 5, 6, 7, 8

),

part_weights as (

    select
        pools.pool_key,
        split_attributed.tenant as part_key,
        -- one part per tenant: a tenant named by tag on some tasks and by namespace on others
        -- shows the first of the two rules
        min(split_attributed.rule_id) as rule_id,
        sum(split_attributed.used_cost) as driver_value
    from pools
    inner join split_attributed
        on pools.parent_resource_id = split_attributed.parent_resource_id
            and pools.charge_period_start = split_attributed.usage_start_at
    group by 1, 2

    union all

    -- the idle part: '(idle)' sorts before tenant names, which only matters for ties
    select
        pools.pool_key,
        '(idle)' as part_key,
        'container_idle' as rule_id,
        sum(split_rows.idle_cost) as driver_value
    from pools
    inner join split_rows
        on pools.parent_resource_id = split_rows.parent_resource_id
            and pools.charge_period_start = split_rows.usage_start_at
    group by 1, 2, 3

),

pool_drivers as (

    select
        pool_key,
        part_key as tenant,
        rule_id,
        driver_value,
        cast(driver_value * cast(10000000000 as decimal(38, 0)) as {{ wide_integer_type() }}) as weight
    from part_weights
    where driver_value > 0

),

split as (

    {{ split_pool_by_driver('pools', 'pool_drivers', carry=['rule_id', 'driver_value']) }}

),

final as (

    select
        pools.pool_key,
        pools.x_file_id,
        pools.x_source,
        pools.billing_currency,
        pools.charge_date,
        pools.charge_period_start,
        pools.parent_resource_id,
        pools.cluster,
        case when split.tenant = '(idle)' then null else split.tenant end as x_tenant,
        case when split.tenant = '(idle)' then 'common' else 'variable' end as x_cost_kind,
        coalesce(split.rule_id, 'container_split:no_split_unallocated') as x_allocation_rule,
        case when split.tenant = '(idle)' then {{ dbt.concat(["'container_idle:'", "pools.cluster"]) }} end
            as x_allocation_pool,
        pools.charges,
        pools.parent_effective_cost,
        split.driver_value,
        split.weight,
        split.weight_total,
        {{ units_to_money('split.allocated_units') }} as effective_cost
    from split
    inner join pools
        on split.pool_key = pools.pool_key

)

select * from final
