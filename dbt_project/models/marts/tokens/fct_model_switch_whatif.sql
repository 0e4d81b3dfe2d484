{#- One row per month, tenant, model used and alternative model: the priced cost of the month's
    tokens and what the same tokens would have cost at the alternative's standard prices in
    force on each usage day (the price book), with the saving. Token types map one to one; where
    the alternative has no cache prices, cached reads and cache writes are priced as its plain
    input (a model without prompt caching reads the whole prompt). Audio tokens need audio
    prices: without them the alternative's cost is null (unpriced_alternative_tokens > 0).
    Only priced API usage takes part (self-hosted usage's cost is its GPU fleet's). -#}
with

lines as (

    select * from {{ ref('int_llm_token_lines_attributed') }}
    where pricing_status = 'priced'

),

prices as (

    select * from {{ ref('int_llm_prices_effective') }}
    -- the standard list price of the base window (long-context rows are a surcharge band)
    where service_tier = 'standard' and context_window_key = 'base'

),

usage_by_day as (

    select
        {{ dbt.date_trunc('month', 'usage_date') }} as billing_month,
        tenant,
        provider,
        model,
        price_model,
        price_currency as currency,
        usage_date,
        token_type,
        sum(tokens) as tokens,
        sum(cost) as cost
    from lines
    group by
        {{ dbt.date_trunc('month', 'usage_date') }},
        tenant,
        provider,
        model,
        price_model,
        price_currency,
        usage_date,
        token_type

),

alternatives as (

    select distinct
        provider as alternative_provider,
        model as alternative_model,
        currency
    from prices

),

candidates as (

    select
        usage_by_day.*,
        alternatives.alternative_provider,
        alternatives.alternative_model
    from usage_by_day
    inner join alternatives
        on usage_by_day.currency = alternatives.currency
        and not (
            usage_by_day.provider = alternatives.alternative_provider
            and usage_by_day.price_model = alternatives.alternative_model
        )

),

repriced as (

    select
        candidates.*,
        case candidates.token_type
            when 'input' then alt.input_per_1m
            when 'cached_input' then coalesce(alt.cached_input_per_1m, alt.input_per_1m)
            when 'cache_write_5m' then coalesce(alt.cache_write_5m_per_1m, alt.input_per_1m)
            when 'cache_write_1h' then coalesce(alt.cache_write_1h_per_1m, alt.input_per_1m)
            when 'input_cache_write' then coalesce(alt.cache_write_per_1m, alt.input_per_1m)
            when 'output' then alt.output_per_1m
            when 'web_search' then alt.web_search_per_1m
            when 'input_audio' then alt.input_audio_per_1m
            when 'output_audio' then alt.output_audio_per_1m
        end as alternative_unit_price_per_1m
    from candidates
    left join prices as alt
        on candidates.alternative_provider = alt.provider
        and candidates.alternative_model = alt.model
        and candidates.usage_date >= alt.effective_from
        and candidates.usage_date < alt.effective_until

),

monthly as (

    select
        billing_month,
        tenant,
        provider,
        model,
        price_model,
        alternative_provider,
        alternative_model,
        currency,
        sum(tokens) as total_tokens,
        sum(cost) as actual_cost,
        sum(case when alternative_unit_price_per_1m is null then tokens else 0 end) as unpriced_alternative_tokens,
        sum(tokens * alternative_unit_price_per_1m * 0.000001) as alternative_priced_cost
    from repriced
    group by
        billing_month,
        tenant,
        provider,
        model,
        price_model,
        alternative_provider,
        alternative_model,
        currency

),

final as (

    select
        cast(billing_month as date) as billing_month,
        tenant,
        provider,
        model,
        price_model,
        alternative_provider,
        alternative_model,
        currency,
        cast(total_tokens as bigint) as total_tokens,
        cast(unpriced_alternative_tokens as bigint) as unpriced_alternative_tokens,
        cast(actual_cost as {{ money_type() }}) as actual_cost,
        case
            when unpriced_alternative_tokens = 0 then cast(coalesce(alternative_priced_cost, 0) as {{ money_type() }})
        end as alternative_cost,
        case
            when unpriced_alternative_tokens = 0
                then cast(actual_cost - coalesce(alternative_priced_cost, 0) as {{ money_type() }})
        end as saving,
        case
            when unpriced_alternative_tokens = 0 and actual_cost <> 0
                then {{ divide('actual_cost - coalesce(alternative_priced_cost, 0)', 'actual_cost') }}
        end as saving_ratio
    from monthly

)

select * from final
