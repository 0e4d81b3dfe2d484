{#- The FOCUS 1.3 Cost and Usage dataset split by tenant: one row per charge and tenant part
    (int_charges_split). Rows of a split charge (a common pool's share, a provider bill's share)
    carry the FOCUS 1.3 Allocated* columns: the rule as AllocatedMethodId, the driver, its value
    and the share in AllocatedMethodDetails, the tenant as AllocatedResourceId/Name and as the
    AllocatedTags key `finops/tenant`; ResourceId, Tags and every other column stay the origin
    charge's. An EC2 instance split by split cost allocation data gives each tenant a used part
    (variable, AllocatedMethodId its container_split rule) and a share of the instance's idle
    part (common, the container_idle pool's rule; its AllocatedRatio is the share of the idle
    part). A variable charge is one unsplit row with Allocated* null (FOCUS: null when not
    from a split cost allocation). EffectiveCost and BilledCost of a charge's parts sum to the
    charge exactly; the other metric columns are the origin charge's (do not sum them over parts).
    x_chargeback_amount is each part's share of its fct_allocation_detail cell (day, tenant,
    pool or tenant, rule) in the reporting currency, by cumulative rounding in minor units, so
    the chargeback marts are this table's sums to the cent. -#}
with

parts as (

    select * from {{ ref('int_charges_split') }}

),

charges as (

    select * from {{ ref('int_charges_shaped') }}
    where {{ in_build_months('ChargePeriodStart') }}

),

converted as (

    select * from {{ ref('int_charges_converted') }}

),

allocation_detail as (

    select * from {{ ref('fct_allocation_detail') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

fx_rates as (

    select distinct
        billing_currency,
        charge_date,
        fx_rate
    from converted

),

-- the chargeback windows run on a narrow projection (a part's key and amount) and join back:
-- sorting the ~80 FOCUS columns along with them took most of this model's time
keyed as (

    select
        parts.x_charge_id,
        parts.x_part_tenant,
        parts.x_part_cost_kind,
        parts.x_part_rule,
        parts.charge_date,
        case when parts.x_part_cost_kind = 'common' then 'common' else 'variable' end as cell_kind,
        case when parts.x_part_cost_kind = 'common' then parts.x_part_pool else parts.x_part_tenant end as cell_key,
        cast(parts.x_part_effective_cost * fx_rates.fx_rate as {{ money_type() }})
        * cast(power(10, reporting.minor_unit) as decimal(38, 0)) as reporting_scaled,
        reporting.minor_unit as reporting_minor_unit
    from parts
    inner join currencies as reporting
        on reporting.currency = '{{ var("reporting_currency") }}'
    left join fx_rates
        on parts.BillingCurrency = fx_rates.billing_currency
            and parts.charge_date = fx_rates.charge_date

),

cumulated as (

    select
        keyed.*,
        sum(reporting_scaled) over (
            partition by charge_date, x_part_tenant, cell_kind, cell_key, x_part_rule
            order by x_charge_id rows between unbounded preceding and current row
        ) as cumulative_scaled,
        sum(reporting_scaled) over (partition by charge_date, x_part_tenant, cell_kind, cell_key, x_part_rule) as cell_scaled,
        row_number() over (
            partition by charge_date, x_part_tenant, cell_kind, cell_key, x_part_rule order by x_charge_id desc
        ) as rank_from_last
    from keyed

),

distributed as (

    select
        cumulated.x_charge_id,
        cumulated.x_part_tenant,
        cumulated.x_part_cost_kind,
        cumulated.reporting_minor_unit,
        -- telescoping: the parts' rounded running sums differ by whole units and end at the
        -- cell's rounded exact sum; the last part takes what largest remainder moved the cell by
        round(cumulative_scaled, 0) - round(cumulative_scaled - reporting_scaled, 0)
        + case
            when rank_from_last = 1
                then cast(allocation_detail.allocated_amount * cast(power(10, reporting_minor_unit) as decimal(38, 0)) as decimal(38, 0))
                    - round(cell_scaled, 0)
            else 0
        end as chargeback_units
    from cumulated
    left join allocation_detail
        on cumulated.charge_date = allocation_detail.charge_date
            and cumulated.x_part_tenant = allocation_detail.tenant
            and cumulated.cell_kind = allocation_detail.cost_kind
            and cumulated.cell_key = coalesce(allocation_detail.pool, allocation_detail.tenant)
            and cumulated.x_part_rule = allocation_detail.rule_id

),

parts_distributed as (

    select
        parts.*,
        distributed.reporting_minor_unit,
        distributed.chargeback_units
    from parts
    inner join distributed
        on parts.x_charge_id = distributed.x_charge_id
            and parts.x_part_tenant = distributed.x_part_tenant
            and parts.x_part_cost_kind = distributed.x_part_cost_kind

),

final as (

    select
        {%- for name, dtype in focus_columns() %}
        {%- if name == 'EffectiveCost' %}
        parts_distributed.x_part_effective_cost as EffectiveCost,
        {%- elif name == 'BilledCost' %}
        parts_distributed.x_part_billed_cost as BilledCost,
        {%- elif name == 'AllocatedMethodId' %}
        case when x_is_split then x_part_rule end as AllocatedMethodId,
        {%- elif name == 'AllocatedMethodDetails' %}
        case when x_is_split then {{ focus_allocated_method_details() }} end as AllocatedMethodDetails,
        {%- elif name == 'AllocatedResourceId' %}
        case when x_is_split then {{ dbt.concat(["'tenant/'", "x_part_tenant"]) }} end as AllocatedResourceId,
        {%- elif name == 'AllocatedResourceName' %}
        case when x_is_split then x_part_tenant end as AllocatedResourceName,
        {%- elif name == 'AllocatedTags' %}
        case when x_is_split then {{ dbt.concat(["'{\"finops/tenant\":\"'", "x_part_tenant", "'\"}'"]) }} end as AllocatedTags,
        {%- else %}
        charges.{{ adapter.quote(name) }},
        {%- endif %}
        {%- endfor %}
        charges.x_charge_id,
        x_part_tenant as x_tenant,
        x_part_cost_kind as x_cost_kind,
        x_part_rule as x_allocation_rule,
        x_part_pool as x_allocation_pool,
        x_part_driver as x_allocation_driver,
        x_is_split,
        charge_date as x_charge_date,
        cast(cast(chargeback_units as decimal(38, 0)) * cast(power(10, -reporting_minor_unit) as {{ money_type() }}) as {{ money_type() }})
            as x_chargeback_amount,
        '{{ var("reporting_currency") }}' as x_chargeback_currency,
        charges.x_source,
        charges.x_source_file,
        charges.x_file_id,
        charges.x_line_item_type
    -- the ~80 columns of the charge join its parts once
    from parts_distributed
    inner join charges
        on parts_distributed.x_charge_id = charges.x_charge_id

)

select * from final
