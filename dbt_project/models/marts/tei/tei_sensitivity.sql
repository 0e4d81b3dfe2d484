{#- One row per analysis and scenario: NPV and ROI when one assumption moves.
    - base: the analysis as seeded (equals marts.tei_summary);
    - discount_rate: each rate in seed tei_sensitivity_discount_rates, risk as seeded;
    - risk_adjustment: one line's risk adjustment moved by N points (var
      tei_sensitivity_risk_shift_points, default 10) towards more risk (plus: benefits cut
      further, costs raised further) or less risk (minus), at the analysis's rate.
    Values go through the same risk-adjust, discount and round steps as the marts. -#}
{%- set shift_points = var('tei_sensitivity_risk_shift_points', 10) %}

with

analyses as (

    select * from {{ ref('tei_analyses') }}

),

line_values as (

    select * from {{ ref('fct_tei_line_values_combined') }}

),

discount_factors as (

    select * from {{ ref('int_tei_discount_factors_compounded') }}

),

sensitivity_discount_rates as (

    select * from {{ ref('tei_sensitivity_discount_rates') }}

),

lines as (

    select distinct
        analysis_id,
        line_id
    from line_values

),

scenarios as (

    select
        analysis_id,
        cast('base' as {{ dbt.type_string() }}) as scenario_id,
        cast('base' as {{ dbt.type_string() }}) as scenario_type,
        discount_rate,
        cast(null as {{ dbt.type_string() }}) as line_id,
        0 as risk_shift_points
    from analyses

    union all

    select
        analyses.analysis_id,
        {{ dbt.concat([
            "'discount_rate_'",
            dbt.cast("cast(sensitivity_discount_rates.discount_rate * 10000 as integer)", dbt.type_string()),
            "'bp'",
        ]) }} as scenario_id,
        'discount_rate' as scenario_type,
        sensitivity_discount_rates.discount_rate,
        cast(null as {{ dbt.type_string() }}) as line_id,
        0 as risk_shift_points
    from analyses
    cross join sensitivity_discount_rates

    {% for sign, label in [(1, 'plus'), (-1, 'minus')] %}
    union all

    select
        analyses.analysis_id,
        {{ dbt.concat(["'risk_'", "lines.line_id", "'_" ~ label ~ "_" ~ shift_points ~ "pts'"]) }} as scenario_id,
        'risk_adjustment' as scenario_type,
        analyses.discount_rate,
        lines.line_id,
        {{ sign * shift_points }} as risk_shift_points
    from analyses
    inner join lines
        on analyses.analysis_id = lines.analysis_id
    {% endfor %}

),

scenario_lines_adjusted as (

    -- more risk lowers a benefit's (negative) adjustment and raises a cost's
    select
        scenarios.analysis_id,
        scenarios.scenario_id,
        scenarios.discount_rate,
        line_values.line_id,
        line_values.kind,
        line_values.period,
        line_values.unadjusted,
        case
            when line_values.line_id = scenarios.line_id
                then cast(
                        line_values.risk_adjustment
                        + (case when line_values.kind = 'benefit' then -1 else 1 end)
                        * scenarios.risk_shift_points * 0.01
                        as {{ money_type() }}
                    )
            else line_values.risk_adjustment
        end as risk_adjustment
    from scenarios
    inner join line_values
        on scenarios.analysis_id = line_values.analysis_id

),

scenario_lines_discounted as (

    select
        scenario_lines_adjusted.analysis_id,
        scenario_lines_adjusted.scenario_id,
        scenario_lines_adjusted.kind,
        cast(
            cast(
                scenario_lines_adjusted.unadjusted * (1 + scenario_lines_adjusted.risk_adjustment)
                as {{ money_type() }}
            ) * discount_factors.discount_factor
            as {{ money_type() }}
        ) as present_value
    from scenario_lines_adjusted
    inner join discount_factors
        on scenario_lines_adjusted.analysis_id = discount_factors.analysis_id
            and scenario_lines_adjusted.discount_rate = discount_factors.discount_rate
            and scenario_lines_adjusted.period = discount_factors.period

),

scenarios_totaled as (

    select
        analysis_id,
        scenario_id,
        cast(sum(case when kind = 'benefit' then present_value else 0 end) as {{ money_type() }}) as pv_benefits,
        cast(sum(case when kind = 'cost' then present_value else 0 end) as {{ money_type() }}) as pv_costs
    from scenario_lines_discounted
    group by
        analysis_id,
        scenario_id

),

shifted_line_adjustments as (

    select distinct
        scenario_lines_adjusted.analysis_id,
        scenario_lines_adjusted.scenario_id,
        scenario_lines_adjusted.risk_adjustment as line_risk_adjustment
    from scenario_lines_adjusted
    inner join scenarios
        on scenario_lines_adjusted.analysis_id = scenarios.analysis_id
            and scenario_lines_adjusted.scenario_id = scenarios.scenario_id
            and scenario_lines_adjusted.line_id = scenarios.line_id

),

final as (

    select
        scenarios.analysis_id,
        scenarios.scenario_id,
        scenarios.scenario_type,
        scenarios.discount_rate,
        scenarios.line_id,
        scenarios.risk_shift_points,
        shifted_line_adjustments.line_risk_adjustment,
        scenarios_totaled.pv_benefits,
        scenarios_totaled.pv_costs,
        cast(scenarios_totaled.pv_benefits - scenarios_totaled.pv_costs as {{ money_type() }}) as npv,
        {{ divide('scenarios_totaled.pv_benefits - scenarios_totaled.pv_costs', 'scenarios_totaled.pv_costs') }} as roi,
        cast(
            (scenarios_totaled.pv_benefits - scenarios_totaled.pv_costs)
            - (base_totals.pv_benefits - base_totals.pv_costs)
            as {{ money_type() }}
        ) as npv_change_from_base
    from scenarios
    inner join scenarios_totaled
        on scenarios.analysis_id = scenarios_totaled.analysis_id
            and scenarios.scenario_id = scenarios_totaled.scenario_id
    inner join scenarios_totaled as base_totals
        on scenarios.analysis_id = base_totals.analysis_id
            and base_totals.scenario_id = 'base'
    left join shifted_line_adjustments
        on scenarios.analysis_id = shifted_line_adjustments.analysis_id
            and scenarios.scenario_id = shifted_line_adjustments.scenario_id

)

select * from final
