{#- One row per analysis, line, input and period: the seeded inputs (tei_line_inputs) plus,
    for each actuals-fed line, its annualized actual as a `factor` input in every year
    1..years (input id <line_id>_actual). The line's seeded factors (a growth index, an
    adoption share ...) multiply it like any other input; the actual is never an initial
    (period 0) flow. -#}
with

line_inputs as (

    select * from {{ ref('tei_line_inputs') }}

),

actuals_annualized as (

    select * from {{ ref('fct_tei_actuals_annualized') }}

),

discount_factors as (

    select * from {{ ref('int_tei_discount_factors_compounded') }}

),

analysis_years as (

    select
        analysis_id,
        period
    from discount_factors
    where
        is_base_rate
        and period >= 1

),

actual_inputs as (

    select
        actuals_annualized.analysis_id,
        actuals_annualized.line_id,
        {{ dbt.concat(["actuals_annualized.line_id", "'_actual'"]) }} as input_id,
        {{ dbt.concat([
            "'Annualized actual: '",
            "actuals_annualized.source_model",
            "'.'",
            "actuals_annualized.source_measure",
            "' (latest full month x 12)'",
        ]) }} as input_name,
        'factor' as input_role,
        analysis_years.period,
        actuals_annualized.annualized_amount as value
    from actuals_annualized
    inner join analysis_years
        on actuals_annualized.analysis_id = analysis_years.analysis_id

),

unioned as (

    select
        analysis_id,
        line_id,
        input_id,
        input_name,
        input_role,
        period,
        value,
        false as is_actual
    from line_inputs

    union all

    select
        analysis_id,
        line_id,
        input_id,
        input_name,
        input_role,
        period,
        value,
        true as is_actual
    from actual_inputs

),

final as (

    select
        analysis_id,
        line_id,
        input_id,
        input_name,
        input_role,
        period,
        cast(value as {{ money_type() }}) as value,
        is_actual
    from unioned

)

select * from final
