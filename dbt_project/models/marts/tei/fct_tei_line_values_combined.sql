{#- One row per analysis, line and period 0..years: the line's unadjusted value from its
    inputs (fct_tei_line_inputs_unioned: the seeded ones, plus the annualized warehouse
    actual of an actuals-fed line). Rule `product` multiplies the factor inputs, `sum` adds
    them; divisor inputs then divide the result (admins = data scientists / 6 stays
    exact) and addend inputs are added last (a one-off fee). A period without inputs is
    worth 0. The running product is one CTE per input step up to the most steps any line
    period has (unrolled, portable: no recursive CTE), exact decimals, any count. -#}
{%- set max_steps = max_int_of(
    "select max(steps) from (select count(*) as steps from " ~ ref('fct_tei_line_inputs_unioned')
    ~ " where input_role in ('factor', 'divisor') group by analysis_id, line_id, period) as counted",
    ref('fct_tei_line_inputs_unioned')) %}

with

lines as (

    select * from {{ ref('tei_lines') }}

),

line_inputs as (

    -- the seeded inputs plus the annualized actuals of actuals-fed lines
    select * from {{ ref('fct_tei_line_inputs_unioned') }}

),

discount_factors as (

    select * from {{ ref('int_tei_discount_factors_compounded') }}

),

analysis_periods as (

    select
        analysis_id,
        period
    from discount_factors
    where is_base_rate

),

line_periods as (

    select
        lines.analysis_id,
        lines.line_id,
        lines.kind,
        lines.line_name,
        lines.combine_rule,
        lines.risk_adjustment,
        lines.source_model,
        analysis_periods.period
    from lines
    inner join analysis_periods
        on lines.analysis_id = analysis_periods.analysis_id

),

numbered_steps as (

    -- factors first, then divisors, so a divisor divides the finished product
    select
        line_inputs.analysis_id,
        line_inputs.line_id,
        line_inputs.period,
        line_inputs.input_role,
        line_inputs.value,
        lines.combine_rule,
        row_number() over (
            partition by line_inputs.analysis_id, line_inputs.line_id, line_inputs.period
            order by
                case when line_inputs.input_role = 'factor' then 0 else 1 end,
                line_inputs.input_id
        ) as step_number
    from line_inputs
    inner join lines
        on line_inputs.analysis_id = lines.analysis_id
            and line_inputs.line_id = lines.line_id
    where line_inputs.input_role in ('factor', 'divisor')

),

steps_1 as (

    select
        analysis_id,
        line_id,
        period,
        step_number,
        case
            when input_role = 'factor' then cast(value as {{ money_type() }})
            else cast(0 as {{ money_type() }})
        end as running_value
    from numbered_steps
    where step_number = 1

),
{% for step in range(2, max_steps + 1) %}
-- each branch is cast on its own
steps_{{ step }} as (

    select
        numbered_steps.analysis_id,
        numbered_steps.line_id,
        numbered_steps.period,
        numbered_steps.step_number,
        case
            when numbered_steps.input_role = 'divisor'
                then {{ divide('steps_combined.running_value', 'numbered_steps.value') }}
            when numbered_steps.combine_rule = 'sum'
                then cast(steps_combined.running_value + numbered_steps.value as {{ money_type() }})
            else cast(steps_combined.running_value * numbered_steps.value as {{ money_type() }})
        end as running_value
    from steps_{{ step - 1 }} as steps_combined
    inner join numbered_steps
        on steps_combined.analysis_id = numbered_steps.analysis_id
        and steps_combined.line_id = numbered_steps.line_id
        and steps_combined.period = numbered_steps.period
        and numbered_steps.step_number = {{ step }}

),
{% endfor %}
steps_combined as (

    {%- for step in range(1, max_steps + 1) %}
    select * from steps_{{ step }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

last_steps as (

    select
        analysis_id,
        line_id,
        period,
        max(step_number) as step_number
    from numbered_steps
    group by
        analysis_id,
        line_id,
        period

),

combined_inputs as (

    select
        steps_combined.analysis_id,
        steps_combined.line_id,
        steps_combined.period,
        steps_combined.running_value as combined_inputs_value
    from steps_combined
    inner join last_steps
        on steps_combined.analysis_id = last_steps.analysis_id
            and steps_combined.line_id = last_steps.line_id
            and steps_combined.period = last_steps.period
            and steps_combined.step_number = last_steps.step_number

),

addends_summed as (

    select
        analysis_id,
        line_id,
        period,
        sum(value) as addend_total
    from line_inputs
    where input_role = 'addend'
    group by
        analysis_id,
        line_id,
        period

),

inputs_counted as (

    select
        analysis_id,
        line_id,
        period,
        count(*) as input_count
    from line_inputs
    group by
        analysis_id,
        line_id,
        period

),

final as (

    select
        line_periods.analysis_id,
        line_periods.line_id,
        line_periods.period,
        line_periods.kind,
        line_periods.line_name,
        line_periods.combine_rule,
        line_periods.risk_adjustment,
        line_periods.source_model,
        coalesce(inputs_counted.input_count, 0) as input_count,
        cast(coalesce(combined_inputs.combined_inputs_value, 0) as {{ money_type() }}) as combined_inputs_value,
        cast(coalesce(addends_summed.addend_total, 0) as {{ money_type() }}) as addend_total,
        cast(
            coalesce(combined_inputs.combined_inputs_value, 0)
            + coalesce(addends_summed.addend_total, 0)
            as {{ money_type() }}
        ) as unadjusted
    from line_periods
    left join combined_inputs
        on line_periods.analysis_id = combined_inputs.analysis_id
            and line_periods.line_id = combined_inputs.line_id
            and line_periods.period = combined_inputs.period
    left join addends_summed
        on line_periods.analysis_id = addends_summed.analysis_id
            and line_periods.line_id = addends_summed.line_id
            and line_periods.period = addends_summed.period
    left join inputs_counted
        on line_periods.analysis_id = inputs_counted.analysis_id
            and line_periods.line_id = inputs_counted.line_id
            and line_periods.period = inputs_counted.period

)

select * from final
