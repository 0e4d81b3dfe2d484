{#- One row per actuals-fed line: the source's latest full month (null when the mart has
    none yet), the line's amount in that month and the annualized amount = month x 12.
    Lines on fct_model_switch_whatif take the best alternative per model
    (fct_tei_model_switches_chosen); the others sum their matched rows. A line without
    actuals (mart empty or not built, nothing in the analysis currency) is 0, so the TEI
    models still build and the line adds nothing. -#}
with

lines as (

    select * from {{ ref('tei_lines') }}
    where source_model is not null

),

analyses as (

    select * from {{ ref('tei_analyses') }}

),

actuals as (

    select * from {{ ref('fct_tei_actuals_unioned') }}
    where is_latest_full_month

),

matched as (

    select * from {{ ref('fct_tei_actuals_matched') }}

),

model_switches as (

    select * from {{ ref('fct_tei_model_switches_chosen') }}

),

source_months as (

    select
        source_model,
        max(billing_month) as actuals_month
    from actuals
    group by source_model

),

sums_matched as (

    select
        analysis_id,
        line_id,
        count(*) as source_rows,
        sum(amount) as monthly_amount
    from matched
    where source_model <> 'fct_model_switch_whatif'
    group by
        analysis_id,
        line_id

),

switches_totaled as (

    select
        analysis_id,
        line_id,
        count(*) as source_rows,
        sum(monthly_saving) as monthly_amount
    from model_switches
    group by
        analysis_id,
        line_id

),

line_amounts as (

    select * from sums_matched
    union all
    select * from switches_totaled

),

final as (

    select
        lines.analysis_id,
        lines.line_id,
        lines.source_model,
        lines.source_measure,
        lines.source_filter_column,
        lines.source_filter_values,
        analyses.currency,
        source_months.actuals_month,
        coalesce(line_amounts.source_rows, 0) as source_rows,
        cast(coalesce(line_amounts.monthly_amount, 0) as {{ money_type() }}) as monthly_amount,
        cast(12 * coalesce(line_amounts.monthly_amount, 0) as {{ money_type() }}) as annualized_amount
    from lines
    inner join analyses
        on lines.analysis_id = analyses.analysis_id
    left join source_months
        on lines.source_model = source_months.source_model
    left join line_amounts
        on lines.analysis_id = line_amounts.analysis_id
            and lines.line_id = line_amounts.line_id

)

select * from final
