{#- One row per what-if-fed line (source_model fct_model_switch_whatif) and model used
    (provider, model) in the source's latest full month: the alternative with the largest
    saving summed over the line's tenants, one switch per model (a team does not run two
    replacements of one model). An alternative with no price for some of the tokens (a null
    saving) cannot be chosen. When no alternative saves anything the model stays: no
    alternative, saving 0. -#}
with

matched as (

    select * from {{ ref('fct_tei_actuals_matched') }}
    where source_model = 'fct_model_switch_whatif'

),

alternatives_totaled as (

    select
        analysis_id,
        line_id,
        billing_month,
        currency,
        provider,
        model,
        alternative_provider,
        alternative_model,
        sum(amount) as saving,
        sum(case when amount is null then 1 else 0 end) as unpriced_rows
    from matched
    group by
        analysis_id,
        line_id,
        billing_month,
        currency,
        provider,
        model,
        alternative_provider,
        alternative_model

),

alternatives_ranked as (

    select
        alternatives_totaled.*,
        row_number() over (
            partition by analysis_id, line_id, provider, model
            order by saving desc, alternative_provider, alternative_model
        ) as saving_rank
    from alternatives_totaled
    where
        unpriced_rows = 0
        and saving > 0

),

models_used as (

    select distinct
        analysis_id,
        line_id,
        billing_month,
        currency,
        provider,
        model
    from matched

),

final as (

    select
        models_used.analysis_id,
        models_used.line_id,
        models_used.billing_month,
        models_used.provider,
        models_used.model,
        models_used.currency,
        alternatives_ranked.alternative_provider,
        alternatives_ranked.alternative_model,
        cast(coalesce(alternatives_ranked.saving, 0) as {{ money_type() }}) as monthly_saving
    from models_used
    left join alternatives_ranked
        on models_used.analysis_id = alternatives_ranked.analysis_id
            and models_used.line_id = alternatives_ranked.line_id
            and models_used.provider = alternatives_ranked.provider
            and models_used.model = alternatives_ranked.model
            and alternatives_ranked.saving_rank = 1

)

select * from final
