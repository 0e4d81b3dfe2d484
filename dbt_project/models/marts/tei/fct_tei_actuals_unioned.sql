{#- The warehouse actuals that actuals-fed TEI lines take (tei_lines.source_model), in one
    long shape: one row per source mart, measure, month and dimension values.
    - fct_chargeback_monthly: total_cost, variable_cost, common_cost per tenant;
    - fct_token_usage_daily: cost per tenant, provider and model, summed to the month
      (rows without a cost, i.e. self-hosted or unpriced, add nothing);
    - fct_model_switch_whatif: saving per tenant, model used and alternative (null when the
      alternative has no price for some tokens); a free tier (a 0.00 price) is no saving to
      plan on and is left out.
    A month is full when the source's daily data reaches its first and its last day
    (chargeback: fct_chargeback_daily; tokens and the what-if: fct_token_usage_daily), so a
    month still loading is never annualized. A mart that is not built (a TEI-only build)
    reads as empty: its lines come out as 0. The refs below keep the build order; reading
    marts, this model and the TEI steps after it are marts too (the graph runs one way). -#}
-- depends_on: {{ ref('fct_chargeback_monthly') }}
-- depends_on: {{ ref('fct_chargeback_daily') }}
-- depends_on: {{ ref('fct_token_usage_daily') }}
-- depends_on: {{ ref('fct_model_switch_whatif') }}
{%- set sources = {} -%}
{%- if execute -%}
{%- for name in ['fct_chargeback_monthly', 'fct_chargeback_daily', 'fct_token_usage_daily', 'fct_model_switch_whatif'] -%}
{%- do sources.update({name: load_relation(ref(name))}) -%}
{%- endfor -%}
{%- endif -%}
{%- set chargeback_measures = ['total_cost', 'variable_cost', 'common_cost'] %}
{%- set string = dbt.type_string() %}
{%- set money = money_type() %}

with

chargeback_monthly as (

    {{ select_or_empty(sources.get('fct_chargeback_monthly'), [
        ('billing_month', 'date'),
        ('tenant', string),
        ('currency', string),
        ('total_cost', money),
        ('variable_cost', money),
        ('common_cost', money),
    ]) }}

),

chargeback_daily as (

    {{ select_or_empty(sources.get('fct_chargeback_daily'), [
        ('charge_date', 'date'),
    ]) }}

),

token_usage_daily as (

    {{ select_or_empty(sources.get('fct_token_usage_daily'), [
        ('usage_date', 'date'),
        ('tenant', string),
        ('provider', string),
        ('model', string),
        ('currency', string),
        ('cost', money),
    ]) }}

),

model_switch_whatif as (

    {{ select_or_empty(sources.get('fct_model_switch_whatif'), [
        ('billing_month', 'date'),
        ('tenant', string),
        ('provider', string),
        ('model', string),
        ('alternative_provider', string),
        ('alternative_model', string),
        ('currency', string),
        ('saving', money),
    ], where="alternative_basis <> 'free_tier'") }}

),

coverage as (

    select
        'chargeback' as coverage_source,
        min(charge_date) as first_day,
        max(charge_date) as last_day
    from chargeback_daily

    union all

    select
        'tokens' as coverage_source,
        min(usage_date) as first_day,
        max(usage_date) as last_day
    from token_usage_daily

),

chargeback_measures_unpivoted as (

    {% for measure in chargeback_measures -%}
    select
        'fct_chargeback_monthly' as source_model,
        '{{ measure }}' as source_measure,
        'chargeback' as coverage_source,
        cast(billing_month as date) as billing_month,
        tenant,
        cast(null as {{ dbt.type_string() }}) as provider,
        cast(null as {{ dbt.type_string() }}) as model,
        cast(null as {{ dbt.type_string() }}) as alternative_provider,
        cast(null as {{ dbt.type_string() }}) as alternative_model,
        currency,
        sum({{ measure }}) as amount
    from chargeback_monthly
    group by
        billing_month,
        tenant,
        currency
    {% if not loop.last %}
    union all

    {% endif -%}
    {%- endfor %}

),

token_costs_monthly as (

    select
        'fct_token_usage_daily' as source_model,
        'cost' as source_measure,
        'tokens' as coverage_source,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as billing_month,
        tenant,
        provider,
        model,
        cast(null as {{ dbt.type_string() }}) as alternative_provider,
        cast(null as {{ dbt.type_string() }}) as alternative_model,
        currency,
        sum(cost) as amount
    from token_usage_daily
    where cost is not null
    group by
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date),
        tenant,
        provider,
        model,
        currency

),

model_switch_savings as (

    select
        'fct_model_switch_whatif' as source_model,
        'saving' as source_measure,
        'tokens' as coverage_source,
        cast(billing_month as date) as billing_month,
        tenant,
        provider,
        model,
        alternative_provider,
        alternative_model,
        currency,
        saving as amount
    from model_switch_whatif

),

unioned as (

    select * from chargeback_measures_unpivoted
    union all
    select * from token_costs_monthly
    union all
    select * from model_switch_savings

),

months_classified as (

    select
        unioned.*,
        coalesce(
            coverage.first_day <= unioned.billing_month
            and coverage.last_day >= cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'unioned.billing_month')) }} as date),
            false
        ) as is_full_month
    from unioned
    left join coverage
        on unioned.coverage_source = coverage.coverage_source

),

final as (

    select
        source_model,
        source_measure,
        billing_month,
        tenant,
        provider,
        model,
        alternative_provider,
        alternative_model,
        currency,
        cast(amount as {{ money_type() }}) as amount,
        is_full_month,
        coalesce(
            is_full_month
            and billing_month = max(case when is_full_month then billing_month end) over (
                partition by source_model
            ),
            false
        ) as is_latest_full_month
    from months_classified

)

select * from final
