{#- One row per actuals-fed line (tei_lines.source_model set) and warehouse actuals row it
    takes: same source mart and measure, the source's latest full month, the analysis's
    currency (rows in another currency are left out, never mixed), and the line's filter
    (source_filter_column is one of the listed source_filter_values, '|'-separated). -#}
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

actuals_with_filter_values as (

    select
        actuals.*,
        lines.analysis_id,
        lines.line_id,
        lines.source_filter_column,
        lines.source_filter_values,
        case lines.source_filter_column
            when 'tenant' then actuals.tenant
            when 'provider' then actuals.provider
            when 'model' then actuals.model
            when 'alternative_provider' then actuals.alternative_provider
            when 'alternative_model' then actuals.alternative_model
        end as filter_value
    from lines
    inner join analyses
        on lines.analysis_id = analyses.analysis_id
    inner join actuals
        on lines.source_model = actuals.source_model
            and lines.source_measure = actuals.source_measure
            and analyses.currency = actuals.currency

),

final as (

    select
        analysis_id,
        line_id,
        source_model,
        source_measure,
        billing_month,
        tenant,
        provider,
        model,
        alternative_provider,
        alternative_model,
        currency,
        amount
    from actuals_with_filter_values
    where
        source_filter_column is null
        or {{ dbt.position(
            dbt.concat(["'|'", "filter_value", "'|'"]),
            dbt.concat(["'|'", "source_filter_values", "'|'"]),
        ) }} > 0

)

select * from final
