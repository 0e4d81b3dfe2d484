{#- One row per charge and tenant part (FOCUS 1.3 split cost allocation): every focus_costs row
    (its key, x_charge_id from int_charges_shaped, and amounts) split into its tenants' parts. A variable charge
    is one part, its tenant's. A common charge is split by the weights its pool got that day
    (int_allocation_pools_split: the rule's driver, or its fallback, or whole to `unallocated`);
    a provider's LLM bill line by its bill pool's weights (int_llm_bills_split). An EC2 instance
    charge split by AWS split cost allocation data (int_container_instances_split) is split by
    its parts' weights into the tenants' used parts (variable) and the idle part, and the idle
    part again by the weights its container_idle pool got that day (common). The split reuses
    the existing ones' weights, so the parts follow exactly the shares the chargeback used.
    EffectiveCost and BilledCost are split apart, each by largest remainder in the billing
    currency's minor units (a charge with sub-minor-unit digits in units of 1e-10), so each
    column's parts sum to the charge exactly. -#}
with

charges as (

    select * from {{ ref('int_charges_shaped') }}
    where {{ in_build_months('ChargePeriodStart') }}

),

pool_splits as (

    select * from {{ ref('int_allocation_pools_split') }}

),

llm_bill_parts as (

    select * from {{ ref('int_llm_bills_split') }}

),

container_parts as (

    select * from {{ ref('int_container_instances_split') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

-- the charges' keys and amounts only: the ~80 FOCUS columns join back once, in the mart
numbered as (

    select
        charges.x_charge_id,
        charges.x_file_id,
        charges.x_source,
        charges.ChargePeriodStart,
        cast(charges.ChargePeriodStart as date) as charge_date,
        charges.BillingCurrency,
        charges.ResourceId,
        charges.SubAccountId,
        charges.x_line_item_type,
        charges.x_tenant,
        charges.x_cost_kind,
        charges.x_allocation_rule,
        charges.x_allocation_pool,
        charges.EffectiveCost,
        charges.BilledCost
    from charges

),

-- the parts of an instance split by split cost allocation data; '(idle)' is the idle part
container_shares as (

    select
        numbered.x_charge_id,
        coalesce(container_parts.x_tenant, '(idle)') as tenant,
        container_parts.x_allocation_rule as rule_id,
        'container_split_cost' as driver,
        container_parts.driver_value,
        container_parts.weight,
        container_parts.weight_total,
        container_parts.x_cost_kind as cost_kind,
        container_parts.x_allocation_pool as pool
    from numbered
    inner join container_parts
        on numbered.x_file_id = container_parts.x_file_id
            and numbered.BillingCurrency = container_parts.billing_currency
            and numbered.ResourceId = container_parts.parent_resource_id
            and numbered.ChargePeriodStart = container_parts.charge_period_start
            and numbered.x_line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')

),

container_charges as (

    select distinct x_charge_id
    from container_shares

),

common_shares as (

    select
        numbered.x_charge_id,
        pool_splits.tenant,
        pool_splits.rule_id,
        pool_splits.driver,
        pool_splits.driver_value,
        pool_splits.weight,
        pool_splits.weight_total,
        numbered.x_cost_kind as cost_kind,
        numbered.x_allocation_pool as pool
    from numbered
    inner join pool_splits
        on numbered.x_cost_kind = 'common'
            and pool_splits.charge_date = numbered.charge_date
            and pool_splits.pool = numbered.x_allocation_pool
            and pool_splits.rule_id = numbered.x_allocation_rule
    -- an instance's parts stand in for its own pool (int_charges_converted does the same);
    -- anti joins, not `not in`: Spark plans a null-aware `not in` as a nested loop
    left join container_charges
        on numbered.x_charge_id = container_charges.x_charge_id
    where container_charges.x_charge_id is null

),

bill_shares as (

    select
        numbered.x_charge_id,
        llm_bill_parts.x_tenant as tenant,
        llm_bill_parts.x_allocation_rule as rule_id,
        'estimated_llm_cost' as driver,
        llm_bill_parts.driver_value,
        llm_bill_parts.weight,
        llm_bill_parts.weight_total,
        numbered.x_cost_kind as cost_kind,
        numbered.x_allocation_pool as pool
    from numbered
    inner join llm_bill_parts
        on numbered.x_line_item_type = 'BilledTokenCost'
            and llm_bill_parts.pool_key = {{ dbt.concat([
            "numbered.x_file_id", "'|'", "cast(numbered.charge_date as " ~ dbt.type_string() ~ ")", "'|'",
            "coalesce(numbered.SubAccountId, '(all)')", "'|'", "numbered.BillingCurrency"]) }}

),

shares as (

    select * from common_shares
    union all
    select * from bill_shares
    union all
    select * from container_shares

),

shared_charges as (

    select distinct x_charge_id
    from shares

),

split_charges as (

    select
        numbered.x_charge_id as pool_key,
        -- the finest unit the split may use: the minor unit when the amount is whole in it
        case
            when numbered.EffectiveCost * cast(power(10, coalesce(currencies.minor_unit, 10)) as decimal(38, 0))
                = floor(numbered.EffectiveCost * cast(power(10, coalesce(currencies.minor_unit, 10)) as decimal(38, 0)))
                then coalesce(currencies.minor_unit, 10)
            else 10
        end as effective_scale,
        case
            when numbered.BilledCost * cast(power(10, coalesce(currencies.minor_unit, 10)) as decimal(38, 0))
                = floor(numbered.BilledCost * cast(power(10, coalesce(currencies.minor_unit, 10)) as decimal(38, 0)))
                then coalesce(currencies.minor_unit, 10)
            else 10
        end as billed_scale,
        numbered.EffectiveCost,
        numbered.BilledCost
    from numbered
    inner join shared_charges
        on numbered.x_charge_id = shared_charges.x_charge_id
    left join currencies
        on numbered.BillingCurrency = currencies.currency

),

effective_pools as (

    select
        pool_key,
        cast(EffectiveCost * cast(power(10, effective_scale) as decimal(38, 0)) as {{ wide_integer_type() }}) as amount_units
    from split_charges

),

billed_pools as (

    select
        pool_key,
        cast(BilledCost * cast(power(10, billed_scale) as decimal(38, 0)) as {{ wide_integer_type() }}) as amount_units
    from split_charges

),

share_weights as (

    select
        x_charge_id as pool_key,
        tenant,
        weight
    from shares

),

effective_split as (

    {{ split_pool_by_driver('effective_pools', 'share_weights') }}

),

billed_split as (

    {{ split_pool_by_driver('billed_pools', 'share_weights') }}

),

split_parts as (

    select
        effective_split.pool_key as x_charge_id,
        effective_split.tenant,
        shares.rule_id,
        coalesce(shares.driver, 'none: no driver, whole charge unallocated') as driver,
        shares.driver_value,
        effective_split.weight,
        effective_split.weight_total,
        {{ units_to_money('effective_split.allocated_units', 'split_charges.effective_scale') }} as effective_cost,
        {{ units_to_money('billed_split.allocated_units', 'split_charges.billed_scale') }} as billed_cost,
        true as is_split,
        coalesce(shares.cost_kind, 'common') as cost_kind,
        shares.pool,
        effective_split.allocated_units as effective_units,
        billed_split.allocated_units as billed_units,
        split_charges.effective_scale,
        split_charges.billed_scale
    from effective_split
    inner join billed_split
        on effective_split.pool_key = billed_split.pool_key
            and effective_split.tenant = billed_split.tenant
    inner join split_charges
        on effective_split.pool_key = split_charges.pool_key
    left join shares
        on effective_split.pool_key = shares.x_charge_id
            and effective_split.tenant = shares.tenant

),

-- an instance's idle part, split again by the weights its container_idle pool got that day
idle_parts as (

    select
        split_parts.x_charge_id,
        split_parts.rule_id,
        split_parts.pool,
        split_parts.effective_units,
        split_parts.billed_units,
        split_parts.effective_scale,
        split_parts.billed_scale,
        -- the idle part's share of the charge in units of 1e-20, so that a tenant's share of the
        -- charge (this times its share of the pool) keeps its 10 decimals when truncated
        {{ integer_divide('split_parts.weight * cast(100000000000000000000 as ' ~ wide_integer_type() ~ ')', 'split_parts.weight_total') }}
            as idle_ratio_units,
        numbered.charge_date
    from split_parts
    inner join numbered
        on split_parts.x_charge_id = numbered.x_charge_id
    where split_parts.tenant = '(idle)'

),

idle_shares as (

    select
        idle_parts.x_charge_id,
        pool_splits.tenant,
        pool_splits.rule_id,
        pool_splits.driver,
        pool_splits.driver_value,
        pool_splits.weight,
        pool_splits.weight_total
    from idle_parts
    inner join pool_splits
        on pool_splits.charge_date = idle_parts.charge_date
            and pool_splits.pool = idle_parts.pool
            and pool_splits.rule_id = idle_parts.rule_id

),

idle_effective_pools as (

    select
        x_charge_id as pool_key,
        effective_units as amount_units
    from idle_parts

),

idle_billed_pools as (

    select
        x_charge_id as pool_key,
        billed_units as amount_units
    from idle_parts

),

idle_weights as (

    select
        x_charge_id as pool_key,
        tenant,
        weight
    from idle_shares

),

idle_effective_split as (

    {{ split_pool_by_driver('idle_effective_pools', 'idle_weights') }}

),

idle_billed_split as (

    {{ split_pool_by_driver('idle_billed_pools', 'idle_weights') }}

),

idle_split_parts as (

    select
        idle_effective_split.pool_key as x_charge_id,
        idle_effective_split.tenant,
        coalesce(idle_shares.rule_id, idle_parts.rule_id) as rule_id,
        coalesce(idle_shares.driver, 'none: no driver, whole charge unallocated') as driver,
        idle_shares.driver_value,
        -- weight / weight_total is the tenant's share of the whole charge (FOCUS AllocatedRatio
        -- over all parts of a charge sums to 1): idle share x pool share, over 1e20
        case
            when idle_effective_split.weight_total > 0
                then {{ integer_divide('idle_parts.idle_ratio_units * idle_effective_split.weight', 'idle_effective_split.weight_total') }}
            else idle_parts.idle_ratio_units
        end as weight,
        cast(100000000000000000000 as {{ wide_integer_type() }}) as weight_total,
        {{ units_to_money('idle_effective_split.allocated_units', 'idle_parts.effective_scale') }} as effective_cost,
        {{ units_to_money('idle_billed_split.allocated_units', 'idle_parts.billed_scale') }} as billed_cost,
        true as is_split,
        'common' as cost_kind,
        idle_parts.pool
    from idle_effective_split
    inner join idle_billed_split
        on idle_effective_split.pool_key = idle_billed_split.pool_key
            and idle_effective_split.tenant = idle_billed_split.tenant
    inner join idle_parts
        on idle_effective_split.pool_key = idle_parts.x_charge_id
    left join idle_shares
        on idle_effective_split.pool_key = idle_shares.x_charge_id
            and idle_effective_split.tenant = idle_shares.tenant

),

whole_parts as (

    select
        numbered.x_charge_id,
        numbered.x_tenant as tenant,
        numbered.x_allocation_rule as rule_id,
        'direct' as driver,
        cast(null as {{ money_type() }}) as driver_value,
        cast(1 as {{ wide_integer_type() }}) as weight,
        cast(1 as {{ wide_integer_type() }}) as weight_total,
        numbered.EffectiveCost as effective_cost,
        numbered.BilledCost as billed_cost,
        false as is_split,
        numbered.x_cost_kind as cost_kind,
        numbered.x_allocation_pool as pool
    from numbered
    left join shared_charges
        on numbered.x_charge_id = shared_charges.x_charge_id
    where shared_charges.x_charge_id is null

),

parts as (

    select
        x_charge_id, tenant, rule_id, driver, driver_value, weight, weight_total,
        effective_cost, billed_cost, is_split, cost_kind, pool
    from split_parts
    where tenant <> '(idle)'
    union all
    select * from idle_split_parts
    union all
    select * from whole_parts

),

final as (

    select
        numbered.*,
        parts.tenant as x_part_tenant,
        parts.rule_id as x_part_rule,
        parts.driver as x_part_driver,
        parts.driver_value as x_part_driver_value,
        parts.weight as x_part_weight,
        parts.weight_total as x_part_weight_total,
        parts.effective_cost as x_part_effective_cost,
        parts.billed_cost as x_part_billed_cost,
        parts.is_split as x_is_split,
        parts.cost_kind as x_part_cost_kind,
        parts.pool as x_part_pool
    from numbered
    inner join parts
        on numbered.x_charge_id = parts.x_charge_id

)

select * from final
