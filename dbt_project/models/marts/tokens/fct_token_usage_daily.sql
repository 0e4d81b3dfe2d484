{#- One row per usage day, tenant, provider and model: tokens by type, requests, the priced cost
    and unit economics. Tenants as in int_llm_token_lines_attributed (the tenant map; unknown
    keys 'unallocated'). Cost is null when any of the row's tokens has no price ('unpriced' or
    'partly_priced': the warn-level test names them) and for self-hosted models, whose cost is
    their GPU fleet's, split by these tokens in the allocation (driver tokens_selfhosted). -#}
with

lines as (

    select * from {{ ref('int_llm_token_lines_attributed') }}

),

daily as (

    select
        usage_date,
        tenant,
        provider,
        model,
        sum(case when token_type = 'input' then tokens else 0 end) as input_tokens,
        sum(case when token_type = 'cached_input' then tokens else 0 end) as cached_input_tokens,
        sum(case when token_type = 'cache_write_5m' then tokens else 0 end) as cache_write_5m_tokens,
        sum(case when token_type = 'cache_write_1h' then tokens else 0 end) as cache_write_1h_tokens,
        sum(case when token_type = 'input_cache_write' then tokens else 0 end) as cache_write_tokens,
        sum(case when token_type = 'output' then tokens else 0 end) as output_tokens,
        sum(case when token_type = 'input_audio' then tokens else 0 end) as input_audio_tokens,
        sum(case when token_type = 'output_audio' then tokens else 0 end) as output_audio_tokens,
        -- web_search lines count searches, not tokens
        sum(case when token_type = 'web_search' then tokens else 0 end) as web_search_requests,
        sum(case when token_type <> 'web_search' then tokens else 0 end) as total_tokens,
        sum(case when pricing_status = 'unpriced' and token_type <> 'web_search' then tokens else 0 end) as unpriced_tokens,
        sum(case when pricing_status = 'unpriced' and token_type = 'web_search' then tokens else 0 end) as unpriced_web_search_requests,
        -- null when the source counts no requests (Anthropic's usage report)
        sum(requests) as requests,
        sum(cost) as priced_cost,
        max(price_currency) as currency,
        max(case when pricing_status = 'self_hosted' then 1 else 0 end) as is_self_hosted,
        max(case when pricing_status = 'unpriced' then 1 else 0 end) as has_unpriced_lines,
        max(case when pricing_status = 'priced' then 1 else 0 end) as has_priced_lines
    from lines
    group by
        usage_date,
        tenant,
        provider,
        model

),

costed as (

    select
        daily.*,
        case
            when is_self_hosted = 1 then 'self_hosted'
            when has_unpriced_lines = 1 and has_priced_lines = 1 then 'partly_priced'
            when has_unpriced_lines = 1 then 'unpriced'
            else 'priced'
        end as pricing_status,
        case
            when is_self_hosted = 0 and has_unpriced_lines = 0 then coalesce(priced_cost, 0)
        end as cost
    from daily

),

final as (

    select
        usage_date,
        tenant,
        provider,
        model,
        cast(input_tokens as bigint) as input_tokens,
        cast(cached_input_tokens as bigint) as cached_input_tokens,
        cast(cache_write_5m_tokens as bigint) as cache_write_5m_tokens,
        cast(cache_write_1h_tokens as bigint) as cache_write_1h_tokens,
        cast(cache_write_tokens as bigint) as cache_write_tokens,
        cast(output_tokens as bigint) as output_tokens,
        cast(input_audio_tokens as bigint) as input_audio_tokens,
        cast(output_audio_tokens as bigint) as output_audio_tokens,
        cast(total_tokens as bigint) as total_tokens,
        cast(unpriced_tokens as bigint) as unpriced_tokens,
        cast(web_search_requests as bigint) as web_search_requests,
        cast(unpriced_web_search_requests as bigint) as unpriced_web_search_requests,
        cast(requests as bigint) as requests,
        cast(cost as {{ money_type() }}) as cost,
        currency,
        pricing_status,
        {{ divide('cost * 1000', 'total_tokens') }} as cost_per_1k_tokens,
        {{ divide('cost', 'requests') }} as cost_per_request
    from costed

)

select * from final
