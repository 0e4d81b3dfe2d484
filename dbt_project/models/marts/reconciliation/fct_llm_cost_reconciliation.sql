{#- One row per usage day, provider, model, token type and service tier: what the usage priced
    at the price book says the LLM cost was (estimated_cost) against what the provider's cost
    report bills (billed_cost), the gap (billed - estimated) and, where it can be told, why.
    OpenAI's costs API states no service tier: its rows are per model and token type over all
    tiers (service_tier '(all: not on the bill)'). A day without a cost report has billed_cost
    null and gap_reason 'not billed yet' (its chargeback is the estimate, flagged llm_estimate).
    gap_reason: 'none'; 'unpriced model' (usage of a model the price book does not list);
    'tier not in the book' (the model is listed, not at this tier); 'context window not in the
    book' (listed at this tier, not for this long-context window); 'line item not parsed' (an
    OpenAI cost line whose line item is not "<model>, <token kind>": billed, never guessed onto
    a model); 'token type not priced'
    (listed at this tier without a price for this token type); 'rounding' (under one cent);
    'unknown' (anything else: a price the book has wrong, a discount, a line billed without
    usage). The reasons are checked in this order. -#}
with

token_lines as (

    select * from {{ ref('int_llm_token_lines_attributed') }}
    where source in ('openai_usage', 'anthropic_usage')

),

cost_lines as (

    select * from {{ ref('int_llm_cost_lines_unioned') }}

),

billed_days as (

    select * from {{ ref('int_llm_billed_days') }}

),

prices as (

    select * from {{ ref('int_llm_prices_effective') }}

),

book_models as (

    select distinct
        provider,
        model,
        model_pattern,
        service_tier,
        context_window_key
    from prices

),

lines_keyed as (

    select
        token_lines.*,
        case when provider = 'openai' then '(all: not on the bill)' else service_tier end as reconciliation_tier
    from token_lines

),

unpriced_known as (

    -- for each unpriced line: is its model in the book at all, and at its tier?
    select
        lines_keyed.line_id,
        max(case when book_models.model is not null then 1 else 0 end) as is_model_in_book,
        max(case when book_models.service_tier = lines_keyed.service_tier then 1 else 0 end) as is_tier_in_book,
        max(case
            when book_models.service_tier = lines_keyed.service_tier
                and book_models.context_window_key = lines_keyed.context_window_key then 1
            else 0
        end) as is_window_in_book
    from lines_keyed
    left join book_models
        on lines_keyed.provider = book_models.provider
            and (lines_keyed.model = book_models.model or lines_keyed.model like book_models.model_pattern)
    where lines_keyed.pricing_status = 'unpriced'
    group by lines_keyed.line_id

),

estimated as (

    select
        lines_keyed.usage_date,
        lines_keyed.provider,
        lines_keyed.model,
        lines_keyed.token_type,
        lines_keyed.reconciliation_tier as service_tier,
        sum(lines_keyed.tokens) as tokens,
        sum(coalesce(lines_keyed.cost, 0)) as estimated_cost,
        sum(case when lines_keyed.pricing_status = 'unpriced' then lines_keyed.tokens else 0 end) as unpriced_tokens,
        sum(case when unpriced_known.is_model_in_book = 0 then lines_keyed.tokens else 0 end) as tokens_model_not_in_book,
        sum(case when unpriced_known.is_model_in_book = 1 and unpriced_known.is_tier_in_book = 0 then lines_keyed.tokens else 0 end)
            as tokens_tier_not_in_book,
        sum(case when unpriced_known.is_tier_in_book = 1 and unpriced_known.is_window_in_book = 0 then lines_keyed.tokens else 0 end)
            as tokens_window_not_in_book
    from lines_keyed
    left join unpriced_known
        on lines_keyed.line_id = unpriced_known.line_id
    group by
        lines_keyed.usage_date,
        lines_keyed.provider,
        lines_keyed.model,
        lines_keyed.token_type,
        lines_keyed.reconciliation_tier

),

billed as (

    select
        usage_date,
        provider,
        model,
        token_type,
        case when provider = 'openai' then '(all: not on the bill)' else coalesce(service_tier, 'standard') end as service_tier,
        sum(billed_cost) as billed_cost,
        count(*) as cost_lines,
        sum(case when token_type = '(line item not parsed)' then 1 else 0 end) as unparsed_lines,
        max(currency) as currency
    from cost_lines
    group by
        usage_date,
        provider,
        model,
        token_type,
        case when provider = 'openai' then '(all: not on the bill)' else coalesce(service_tier, 'standard') end

),

provider_days as (

    select
        provider,
        usage_date
    from billed_days
    group by
        provider,
        usage_date

),

joined as (

    select
        coalesce(estimated.usage_date, billed.usage_date) as usage_date,
        coalesce(estimated.provider, billed.provider) as provider,
        coalesce(estimated.model, billed.model) as model,
        coalesce(estimated.token_type, billed.token_type) as token_type,
        coalesce(estimated.service_tier, billed.service_tier) as service_tier,
        estimated.tokens,
        estimated.unpriced_tokens,
        estimated.tokens_model_not_in_book,
        estimated.tokens_tier_not_in_book,
        estimated.tokens_window_not_in_book,
        billed.unparsed_lines,
        coalesce(estimated.estimated_cost, 0) as estimated_cost,
        billed.billed_cost,
        billed.cost_lines,
        billed.currency
    from estimated
    full outer join billed
        on estimated.usage_date = billed.usage_date
            and estimated.provider = billed.provider
            and estimated.model = billed.model
            and estimated.token_type = billed.token_type
            and estimated.service_tier = billed.service_tier

),

with_bill_status as (

    select
        joined.*,
        provider_days.usage_date is not null as is_billed_day,
        case
            when provider_days.usage_date is not null then coalesce(joined.billed_cost, 0)
        end as billed_amount
    from joined
    left join provider_days
        on joined.provider = provider_days.provider
            and joined.usage_date = provider_days.usage_date

),

final as (

    select
        usage_date,
        provider,
        model,
        token_type,
        service_tier,
        coalesce(currency, 'USD') as currency,
        cast(coalesce(tokens, 0) as bigint) as tokens,
        cast(coalesce(unpriced_tokens, 0) as bigint) as unpriced_tokens,
        cast(coalesce(cost_lines, 0) as bigint) as cost_lines,
        is_billed_day,
        cast(estimated_cost as {{ money_type() }}) as estimated_cost,
        cast(billed_amount as {{ money_type() }}) as billed_cost,
        cast(billed_amount - estimated_cost as {{ money_type() }}) as gap,
        case
            when billed_amount <> 0 then {{ divide('billed_amount - estimated_cost', 'billed_amount') }}
        end as gap_ratio,
        case
            when not is_billed_day then 'not billed yet'
            when billed_amount = estimated_cost then 'none'
            when coalesce(tokens_model_not_in_book, 0) > 0 then 'unpriced model'
            when coalesce(tokens_tier_not_in_book, 0) > 0 then 'tier not in the book'
            when coalesce(tokens_window_not_in_book, 0) > 0 then 'context window not in the book'
            when coalesce(unparsed_lines, 0) > 0 then 'line item not parsed'
            when coalesce(unpriced_tokens, 0) > 0 then 'token type not priced'
            when billed_amount - estimated_cost > -0.01 and billed_amount - estimated_cost < 0.01 then 'rounding'
            else 'unknown'
        end as gap_reason
    from with_bill_status

)

select * from final
