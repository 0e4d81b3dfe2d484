{#- Allocation drivers per day and tenant, as non-negative integer weights.
    variable_cost: the tenant's variable cost that day (credits can make it negative: then 0).
    tokens_selfhosted: the tenant's tokens served by the self-hosted models that day (all token
    types, prefix-cache hits included), from the self-hosted request logs.
    container_used_share: the tenant's used part of a cluster's container instances that day (AWS
    split cost allocation parts; GKE cost allocation workload rows), scoped to that cluster's idle
    pool `container_idle:<cluster>`.
    platform_pool: the platform's own tenant `platform`, weight 1, every day with cost.
    job_vcpu_seconds / job_memory_gb_seconds: what the tenant's jobs requested on a cluster that
    day (platform job log), scoped to the pool `cluster:<cluster>`.
    `pool` scopes a driver to one pool (null: any pool naming it).
    Add a driver here and name it in seeds/allocation/allocation_rules.csv. -#}
with

cells as (

    select * from {{ ref('int_allocation_cells_daily') }}

),

token_lines as (

    select * from {{ ref('int_llm_token_lines_attributed') }}
    where {{ in_build_months('usage_start_at') }}

),

container_parts as (

    select * from {{ ref('int_container_instances_split') }}

),

jobs as (

    select * from {{ ref('int_platform_jobs_daily') }}

),

charges as (

    select * from {{ ref('int_charges_shaped') }}
    where {{ in_build_months('ChargePeriodStart') }}

),

-- GKE cost allocation: the cluster's workloads' rows (namespace or label attributed) are
-- already one charge per workload, so their cost is the tenant's use of the cluster
gke_workloads as (

    select
        cast(ChargePeriodStart as date) as charge_date,
        {{ json_get_string('Tags', 'goog-k8s-cluster-name') }} as cluster,
        x_tenant as tenant,
        sum(EffectiveCost) as used_cost
    from charges
    where x_source = 'gcp_billing'
        and x_cost_kind = 'variable'
        and {{ json_get_string('Tags', 'goog-k8s-cluster-name') }} is not null
    group by 1, 2, 3

),

variable_cost as (

    select
        charge_date,
        'variable_cost' as driver,
        cast(null as {{ dbt.type_string() }}) as pool,
        cell_key as tenant,
        sum(exact_amount) as driver_value
    from cells
    where cost_kind = 'variable'
    group by 1, 2, 3, 4

),

tokens_selfhosted as (

    select
        cast(usage_start_at as date) as charge_date,
        'tokens_selfhosted' as driver,
        cast(null as {{ dbt.type_string() }}) as pool,
        tenant,
        cast(sum(tokens) as {{ money_type() }}) as driver_value
    from token_lines
    where source = 'selfhosted_llm'
    group by 1, 2, 3, 4

),

container_used_share as (

    select
        charge_date,
        'container_used_share' as driver,
        {{ dbt.concat(["'container_idle:'", "cluster"]) }} as pool,
        x_tenant as tenant,
        sum(effective_cost) as driver_value
    from (
        select charge_date, cluster, x_tenant, effective_cost
        from container_parts
        where x_cost_kind = 'variable'
        union all
        select charge_date, cluster, tenant as x_tenant, used_cost as effective_cost
        from gke_workloads
    ) as used_parts
    group by 1, 2, 3, 4

),

platform_pool as (

    select distinct
        charge_date,
        'platform_pool' as driver,
        cast(null as {{ dbt.type_string() }}) as pool,
        'platform' as tenant,
        cast(1 as {{ money_type() }}) as driver_value
    from cells

),

job_requests as (

    {% for driver, measure in [('job_vcpu_seconds', 'vcpu_seconds'), ('job_memory_gb_seconds', 'memory_gb_seconds')] -%}
    select
        usage_date as charge_date,
        '{{ driver }}' as driver,
        {{ dbt.concat(["'cluster:'", "cluster"]) }} as pool,
        tenant,
        cast(sum({{ measure }}) as {{ money_type() }}) as driver_value
    from jobs
    group by 1, 2, 3, 4
    {% if not loop.last %}
    union all

    {% endif -%}
    {%- endfor %}

),

drivers as (

    select * from variable_cost
    union all
    select * from tokens_selfhosted
    union all
    select * from container_used_share
    union all
    select * from platform_pool
    union all
    select * from job_requests

),

final as (

    select
        charge_date,
        driver,
        pool,
        tenant,
        case when driver_value > 0 then driver_value else 0 end as driver_value,
        -- weights are integers so that the split is exact: the value in 1e-10 units
        cast(case when driver_value > 0 then driver_value else 0 end * cast(10000000000 as decimal(38, 0)) as {{ wide_integer_type() }})
            as weight
    from drivers

)

select * from final
