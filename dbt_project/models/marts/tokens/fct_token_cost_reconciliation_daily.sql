{#- One row per usage day, reporting source, provider and model where a source reports its own
    cost next to the tokens: the estimated cost (tokens x the price book) against the reported
    cost, and the gap. Today that is the LiteLLM proxy's `spend` (computed from the proxy's own
    price map): a check of the proxy's price map against the book. The providers' bills (OpenAI
    costs API, Anthropic cost report) are reconciled in fct_llm_cost_reconciliation instead,
    where the bill is the cost of record; this one charges nothing. -#}
with

lines as (

    select * from {{ ref('int_llm_token_lines_attributed') }}

),

daily as (

    select
        usage_date,
        source as reported_by,
        provider,
        model,
        sum(tokens) as total_tokens,
        sum(requests) as requests,
        sum(cost) as estimated_priced_cost,
        sum(case when pricing_status = 'unpriced' then tokens else 0 end) as unpriced_tokens,
        sum(reported_cost) as reported_cost,
        count(reported_cost) as reported_lines,
        max(price_currency) as currency
    from lines
    group by
        usage_date,
        source,
        provider,
        model

),

final as (

    select
        usage_date,
        reported_by,
        provider,
        model,
        cast(total_tokens as bigint) as total_tokens,
        cast(requests as bigint) as requests,
        coalesce(currency, 'USD') as currency,
        cast(unpriced_tokens as bigint) as unpriced_tokens,
        case when unpriced_tokens = 0 then cast(coalesce(estimated_priced_cost, 0) as {{ money_type() }}) end as estimated_cost,
        cast(reported_cost as {{ money_type() }}) as reported_cost,
        case
            when unpriced_tokens = 0 then cast(reported_cost - coalesce(estimated_priced_cost, 0) as {{ money_type() }})
        end as gap,
        case
            when unpriced_tokens = 0 and coalesce(estimated_priced_cost, 0) <> 0
                then {{ divide('reported_cost - estimated_priced_cost', 'estimated_priced_cost') }}
        end as gap_ratio
    from daily
    where reported_lines > 0

)

select * from final
