-- FOCUS 1.3 split cost allocation: the allocated charges of an origin charge sum to it.
-- Per charge, EffectiveCost and BilledCost of its parts equal the origin's exactly, and every
-- focus_costs row has parts (per file: charges, EffectiveCost and BilledCost in = out). A build of
-- some months checks those months (macros/build_months.sql).
with

parts as (

    select
        x_charge_id,
        max(EffectiveCost) as origin_effective_cost,
        max(BilledCost) as origin_billed_cost,
        sum(x_part_effective_cost) as parts_effective_cost,
        sum(x_part_billed_cost) as parts_billed_cost
    from {{ ref('int_charges_split') }}
    group by x_charge_id

),

charge_mismatches as (

    select x_charge_id as what, origin_effective_cost as expected, parts_effective_cost as actual
    from parts
    where parts_effective_cost <> origin_effective_cost or parts_billed_cost <> origin_billed_cost

),

origin_files as (

    select x_file_id, count(*) as charges, sum(EffectiveCost) as effective_cost, sum(BilledCost) as billed_cost
    from {{ ref('focus_costs') }}
    where {{ in_build_months('ChargePeriodStart') }}
    group by x_file_id

),

allocated_files as (

    select x_file_id, count(distinct x_charge_id) as charges, sum(EffectiveCost) as effective_cost, sum(BilledCost) as billed_cost
    from {{ ref('focus_costs_allocated') }}
    where {{ in_build_months('ChargePeriodStart') }}
    group by x_file_id

),

file_mismatches as (

    select
        coalesce(origin_files.x_file_id, allocated_files.x_file_id) as what,
        origin_files.effective_cost as expected,
        allocated_files.effective_cost as actual
    from origin_files
    full outer join allocated_files
        on origin_files.x_file_id = allocated_files.x_file_id
    where origin_files.x_file_id is null or allocated_files.x_file_id is null
        or origin_files.charges <> allocated_files.charges
        or origin_files.effective_cost <> allocated_files.effective_cost
        or origin_files.billed_cost <> allocated_files.billed_cost

)

select * from charge_mismatches
union all
select * from file_mismatches
