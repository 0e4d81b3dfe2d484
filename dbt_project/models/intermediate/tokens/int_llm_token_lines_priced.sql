{#- Each token line priced at the price book row in force on its usage day (UTC) for its
    provider, model (exact name or LIKE pattern) and service tier. cost = tokens x price per 1M
    / 1e6, exact in DECIMAL. A line whose model, tier, day or token type has no price stays
    visible with pricing_status 'unpriced' and a null cost, never 0. Self-hosted lines have no
    list price ('self_hosted'): their GPU fleet's cost is split by their tokens.
    OpenAI cache-write tokens (input_cache_write) take the model's cache_write_per_1m; a model
    with none is priced at its input price, since those tokens are prompt input the provider
    bills at the input rate unless it lists a cache-write rate (price_basis says which).
    web_search lines count searches, not tokens, priced per 1M searches.
    Long-context prices: a line takes the row of its context window (context_window_key; a
    line without one is in the base window). Reasoning tokens are billed as output tokens by
    OpenAI and Anthropic and both usage reports count them inside output_tokens, so they are
    priced at output_per_1m; a source that reports them apart (token type 'reasoning') is
    priced at output_per_1m too. -#}
with

lines as (

    select * from {{ ref('int_llm_token_lines_unioned') }}

),

prices as (

    select * from {{ ref('int_llm_prices_effective') }}

),

matched as (

    select
        lines.*,
        prices.price_id,
        prices.model as price_model,
        prices.publisher,
        prices.currency as price_currency,
        prices.effective_from as price_effective_from,
        case lines.token_type
            when 'input' then prices.input_per_1m
            when 'cached_input' then prices.cached_input_per_1m
            when 'cache_write_5m' then prices.cache_write_5m_per_1m
            when 'cache_write_1h' then prices.cache_write_1h_per_1m
            when 'input_cache_write' then coalesce(prices.cache_write_per_1m, prices.input_per_1m)
            when 'output' then prices.output_per_1m
            when 'reasoning' then prices.output_per_1m
            when 'input_audio' then prices.input_audio_per_1m
            when 'output_audio' then prices.output_audio_per_1m
            when 'web_search' then prices.web_search_per_1m
        end as unit_price_per_1m,
        -- null when no price row matched
        case when prices.price_id is not null then case lines.token_type
                    when 'input' then 'input_per_1m'
                    when 'cached_input' then 'cached_input_per_1m'
                    when 'cache_write_5m' then 'cache_write_5m_per_1m'
                    when 'cache_write_1h' then 'cache_write_1h_per_1m'
                    when 'input_cache_write'
                        then
                            case
                                when prices.cache_write_per_1m is not null then 'cache_write_per_1m'
                                else 'input_per_1m (no cache-write price listed: billed as input)'
                            end
                    when 'output' then 'output_per_1m'
                    when 'reasoning' then 'output_per_1m (reasoning tokens are billed as output)'
                    when 'input_audio' then 'input_audio_per_1m'
                    when 'output_audio' then 'output_audio_per_1m'
                    when 'web_search' then 'web_search_per_1m'
                end
        end as price_basis
    from lines
    left join prices
        on lines.provider = prices.provider
            and lines.service_tier = prices.service_tier
            and lines.context_window_key = prices.context_window_key
            and (lines.model = prices.model or lines.model like prices.model_pattern)
            and lines.usage_date >= prices.effective_from
            and lines.usage_date < prices.effective_until
            and lines.source <> 'selfhosted_llm'

),

final as (

    select
        matched.*,
        case
            when source = 'selfhosted_llm' then 'self_hosted'
            when unit_price_per_1m is not null then 'priced'
            else 'unpriced'
        end as pricing_status,
        -- tokens in millions: exact (6 decimals), the FOCUS PricingQuantity
        cast(tokens * 0.000001 as {{ quantity_type() }}) as tokens_in_millions,
        case
            when unit_price_per_1m is not null
                then cast(tokens * unit_price_per_1m * 0.000001 as {{ money_type() }})
        end as cost
    from matched

)

select * from final
