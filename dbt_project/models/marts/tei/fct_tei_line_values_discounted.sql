{#- One row per analysis, line and period: risk-adjusted and discounted at the analysis's
    own rate. Risk adjustments are signed (benefits negative, costs positive), so one
    formula covers both: risk_adjusted = unadjusted x (1 + risk_adjustment). Period 0 has
    discount factor 1 (initial flows are not discounted). -#}
with

line_values as (

    select * from {{ ref('fct_tei_line_values_combined') }}

),

discount_factors as (

    select * from {{ ref('int_tei_discount_factors_compounded') }}

),

analyses as (

    select * from {{ ref('tei_analyses') }}

),

lines_risk_adjusted as (

    select
        line_values.analysis_id,
        line_values.line_id,
        line_values.period,
        line_values.kind,
        line_values.line_name,
        line_values.source_model,
        line_values.risk_adjustment,
        line_values.unadjusted,
        cast(line_values.unadjusted * (1 + line_values.risk_adjustment) as {{ money_type() }}) as risk_adjusted
    from line_values

),

final as (

    select
        lines_risk_adjusted.analysis_id,
        lines_risk_adjusted.line_id,
        lines_risk_adjusted.period,
        lines_risk_adjusted.kind,
        lines_risk_adjusted.line_name,
        lines_risk_adjusted.source_model,
        analyses.currency,
        lines_risk_adjusted.risk_adjustment,
        lines_risk_adjusted.unadjusted,
        lines_risk_adjusted.risk_adjusted,
        discount_factors.discount_factor,
        cast(lines_risk_adjusted.risk_adjusted * discount_factors.discount_factor as {{ money_type() }}) as present_value
    from lines_risk_adjusted
    inner join analyses
        on lines_risk_adjusted.analysis_id = analyses.analysis_id
    inner join discount_factors
        on lines_risk_adjusted.analysis_id = discount_factors.analysis_id
            and lines_risk_adjusted.period = discount_factors.period
            and discount_factors.is_base_rate

)

select * from final
