{#- Each token line priced at the price book row in force on its usage day (UTC) for its
    provider, model (exact name or LIKE pattern) and service tier. cost = tokens x price per 1M
    / 1e6, exact in DECIMAL. A line whose model, tier, day or token type has no price stays
    visible with pricing_status 'unpriced' and a null cost, never 0. Self-hosted lines have no
    list price ('self_hosted'): their GPU fleet's cost is split by their tokens. -#}
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
            when 'output' then prices.output_per_1m
            when 'input_audio' then prices.input_audio_per_1m
            when 'output_audio' then prices.output_audio_per_1m
        end as unit_price_per_1m
    from lines
    left join prices
        on lines.provider = prices.provider
        and lines.service_tier = prices.service_tier
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
