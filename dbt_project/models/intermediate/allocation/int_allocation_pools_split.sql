{#- Each day's common pools split across tenants by the pool's driver (from its rule),
    largest remainder in minor units. When no tenant has a positive driver value that day,
    the rule's fallback driver is used; when that is zero too (or the fallback is
    `unallocated`), the whole pool goes to the `unallocated` tenant. -#}
with

cells as (

    select * from {{ ref('int_allocation_cells_daily') }}

),

drivers as (

    select * from {{ ref('int_allocation_drivers_daily') }}

),

allocation_rules as (

    select * from {{ ref('allocation_rules') }}

),

pools as (

    select
        cells.charge_date,
        cells.billing_month,
        cells.cell_key as pool,
        cells.rule_id,
        cells.minor_unit,
        cells.amount,
        cells.amount_units,
        {{ dbt.concat(["cast(cells.charge_date as " ~ dbt.type_string() ~ ")", "'|'", "cells.cell_key", "'|'", "cells.rule_id"]) }}
            as pool_key
    from cells
    where cells.cost_kind = 'common'

),

pool_rules as (

    select
        pools.*,
        allocation_rules.driver,
        allocation_rules.fallback
    from pools
    left join allocation_rules
        on pools.rule_id = allocation_rules.rule_id

),

primary_drivers as (

    select
        pool_rules.pool_key,
        drivers.tenant,
        drivers.weight,
        drivers.driver_value,
        pool_rules.driver as driver_used
    from pool_rules
    inner join drivers
        on pool_rules.charge_date = drivers.charge_date
            and pool_rules.driver = drivers.driver
            and (drivers.pool is null or drivers.pool = pool_rules.pool)
    where drivers.weight > 0

),

fallback_drivers as (

    select
        pool_rules.pool_key,
        drivers.tenant,
        drivers.weight,
        drivers.driver_value,
        pool_rules.fallback as driver_used
    from pool_rules
    inner join drivers
        on pool_rules.charge_date = drivers.charge_date
            and pool_rules.fallback = drivers.driver
            and (drivers.pool is null or drivers.pool = pool_rules.pool)
    where drivers.weight > 0
        and pool_rules.pool_key not in (select distinct pool_key from primary_drivers)

),

pool_drivers as (

    select * from primary_drivers
    union all
    select * from fallback_drivers

),

split as (

    {{ split_pool_by_driver('pools', 'pool_drivers', carry=['driver_used', 'driver_value']) }}

),

final as (

    select
        pools.charge_date,
        pools.billing_month,
        pools.pool,
        pools.rule_id,
        split.tenant,
        coalesce(split.driver_used, 'none: no driver, whole pool unallocated') as driver,
        split.driver_value,
        split.weight,
        split.weight_total,
        pools.amount as pool_amount,
        {{ units_to_money('split.allocated_units', 'pools.minor_unit') }} as allocated_amount
    from split
    inner join pools
        on split.pool_key = pools.pool_key

)

select * from final
