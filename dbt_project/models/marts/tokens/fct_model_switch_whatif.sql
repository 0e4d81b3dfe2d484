{#- One row per month, tenant, model used and alternative: the cost of the month's tokens and
    what the same tokens would have cost at the alternative, with the saving.
    - API usage (priced) against every other standard-tier model of the price book, at its
      prices in force on each usage day. Token types map one to one; where the alternative has
      no cache prices, cached reads and cache writes are priced as its plain input (a model
      without prompt caching reads the whole prompt). Audio tokens need audio prices: without
      them the alternative's cost is null (unpriced_alternative_tokens > 0).
    - API usage against the self-hosted fleet (selfhosted / selfhosted-fleet), priced at the
      fleet's actual cost per 1M tokens that month (int_selfhosted_fleet_costs_totaled).
    - Self-hosted usage, its actual cost being its tokens at that same cost per 1M, against
      every API model. A month without a fleet cost leaves self-hosted usage out.
    A 0.00 price (Meta's own hosted Llama 3 405B) is basis 'free_tier' with a caveat and is
    never recommendable. Break-even: the fleet's cost is fixed per month, so its cost per
    token falls as it serves more; the API's is variable. The two meet at
    fleet_cost / (API price per token) tokens a month, the API price being the pair's blended
    price for its token mix over all tenants of the month. -#}
{%- set fleet_provider = 'selfhosted' %}
{%- set fleet_model = 'selfhosted-fleet' %}
with

lines as (

    select * from {{ ref('int_llm_token_lines_attributed') }}
    where pricing_status in ('priced', 'self_hosted')

),

prices as (

    select * from {{ ref('int_llm_prices_effective') }}
    -- the standard list price of the base window (long-context rows are a surcharge band)
    where service_tier = 'standard' and context_window_key = 'base'

),

fleet as (

    select * from {{ ref('int_selfhosted_fleet_costs_totaled') }}

),

usage_by_day as (

    select
        {{ dbt.date_trunc('month', 'usage_date') }} as billing_month,
        tenant,
        provider,
        model,
        coalesce(price_model, model) as price_model,
        coalesce(price_currency, '{{ var("reporting_currency") }}') as currency,
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
        coalesce(price_model, model),
        coalesce(price_currency, '{{ var("reporting_currency") }}'),
        usage_date,
        token_type

),

alternatives as (

    select distinct
        provider as alternative_provider,
        model as alternative_model,
        currency
    from prices

    union all

    select
        '{{ fleet_provider }}' as alternative_provider,
        '{{ fleet_model }}' as alternative_model,
        '{{ var("reporting_currency") }}' as currency

),

candidates as (

    select
        usage_by_day.*,
        alternatives.alternative_provider,
        alternatives.alternative_model
    from usage_by_day
    inner join alternatives
        on usage_by_day.currency = alternatives.currency
        -- not itself, and self-hosted traffic has the fleet already
            and not (
                usage_by_day.provider = alternatives.alternative_provider
                and (usage_by_day.price_model = alternatives.alternative_model or usage_by_day.provider = '{{ fleet_provider }}')
            )

),

repriced as (

    select
        candidates.*,
        case
            when candidates.alternative_provider = '{{ fleet_provider }}' then fleet.cost_per_1m_tokens
            else case candidates.token_type
                    when 'input' then alt.input_per_1m
                    when 'cached_input' then coalesce(alt.cached_input_per_1m, alt.input_per_1m)
                    when 'cache_write_5m' then coalesce(alt.cache_write_5m_per_1m, alt.input_per_1m)
                    when 'cache_write_1h' then coalesce(alt.cache_write_1h_per_1m, alt.input_per_1m)
                    when 'input_cache_write' then coalesce(alt.cache_write_per_1m, alt.input_per_1m)
                    when 'output' then alt.output_per_1m
                    when 'web_search' then alt.web_search_per_1m
                    when 'input_audio' then alt.input_audio_per_1m
                    when 'output_audio' then alt.output_audio_per_1m
                end
        end as alternative_unit_price_per_1m
    from candidates
    left join prices as alt
        on candidates.alternative_provider = alt.provider
            and candidates.alternative_model = alt.model
            and candidates.usage_date >= alt.effective_from
            and candidates.usage_date < alt.effective_until
    left join fleet
        on cast(candidates.billing_month as date) = fleet.billing_month
            and candidates.currency = fleet.currency

),

monthly as (

    select
        cast(billing_month as date) as billing_month,
        tenant,
        provider,
        model,
        price_model,
        alternative_provider,
        alternative_model,
        currency,
        sum(tokens) as total_tokens,
        sum(cost) as list_cost,
        sum(case when alternative_unit_price_per_1m is null then tokens else 0 end) as unpriced_alternative_tokens,
        sum(tokens * alternative_unit_price_per_1m * 0.000001) as alternative_priced_cost
    from repriced
    group by
        cast(billing_month as date),
        tenant,
        provider,
        model,
        price_model,
        alternative_provider,
        alternative_model,
        currency

),

costed as (

    select
        monthly.*,
        fleet.fleet_cost,
        fleet.tokens_served as fleet_tokens_served,
        fleet.cost_per_1m_tokens as fleet_cost_per_1m_tokens,
        case
            when monthly.provider = '{{ fleet_provider }}' then monthly.total_tokens * fleet.cost_per_1m_tokens * 0.000001
            else monthly.list_cost
        end as actual_cost,
        case
            when monthly.unpriced_alternative_tokens = 0 then coalesce(monthly.alternative_priced_cost, 0)
        end as alternative_cost,
        monthly.provider = '{{ fleet_provider }}' or monthly.alternative_provider = '{{ fleet_provider }}' as is_fleet_pair
    from monthly
    left join fleet
        on monthly.billing_month = fleet.billing_month
            and monthly.currency = fleet.currency
    where monthly.provider <> '{{ fleet_provider }}' or fleet.cost_per_1m_tokens is not null

),

classified as (

    select
        costed.*,
        case
            when alternative_provider = '{{ fleet_provider }}' then 'fleet_actual_cost'
            when alternative_cost = 0 and total_tokens > 0 then 'free_tier'
            else 'list_price'
        end as alternative_basis,
        -- the API side of a fleet pair: what the tokens cost (or would cost) at the API
        case
            when alternative_provider = '{{ fleet_provider }}' then actual_cost
            when provider = '{{ fleet_provider }}' then alternative_cost
        end as api_cost
    from costed

),

pairs_monthly as (

    select
        billing_month,
        provider,
        model,
        alternative_provider,
        alternative_model,
        currency,
        sum(total_tokens) as pair_tokens,
        case when count(api_cost) = count(*) then sum(api_cost) end as pair_api_cost
    from classified
    where is_fleet_pair
    group by
        billing_month,
        provider,
        model,
        alternative_provider,
        alternative_model,
        currency

),

final as (

    select
        classified.billing_month,
        classified.tenant,
        classified.provider,
        classified.model,
        classified.price_model,
        classified.alternative_provider,
        classified.alternative_model,
        classified.currency,
        cast(classified.total_tokens as bigint) as total_tokens,
        cast(classified.unpriced_alternative_tokens as bigint) as unpriced_alternative_tokens,
        cast(classified.actual_cost as {{ money_type() }}) as actual_cost,
        cast(classified.alternative_cost as {{ money_type() }}) as alternative_cost,
        cast(classified.actual_cost - classified.alternative_cost as {{ money_type() }}) as saving,
        case
            when classified.alternative_cost is not null and classified.actual_cost <> 0
                then {{ divide('classified.actual_cost - classified.alternative_cost', 'classified.actual_cost') }}
        end as saving_ratio,
        case when classified.provider = '{{ fleet_provider }}' then 'fleet_actual_cost' else 'list_price' end as actual_basis,
        classified.alternative_basis,
        classified.alternative_basis <> 'free_tier' and classified.alternative_cost is not null as is_recommendable,
        case classified.alternative_basis
            when 'free_tier'
                then
                    'free tier: a 0.00 list price (a promotional or rate-limited offer, no SLA), '
                    || 'not a price for production volume; never the recommended alternative'
            when 'fleet_actual_cost' then
                'the fleet at its actual cost per 1M tokens this month (GPUs fixed per month, idle included): '
                || 'more traffic lowers it until capacity runs out; see break_even_tokens'
        end as alternative_caveat,
        case when classified.is_fleet_pair then cast(classified.fleet_cost as {{ money_type() }}) end as fleet_cost,
        case when classified.is_fleet_pair then classified.fleet_tokens_served end as fleet_tokens_served,
        case when classified.is_fleet_pair then classified.fleet_cost_per_1m_tokens end as fleet_cost_per_1m_tokens,
        case
            when pairs_monthly.pair_tokens > 0
                then {{ divide('pairs_monthly.pair_api_cost * 1000000', 'pairs_monthly.pair_tokens') }}
        end as api_price_per_1m_tokens,
        -- fleet_cost / (pair_api_cost / pair_tokens); none when the API side is free or unpriced
        case
            when pairs_monthly.pair_api_cost > 0 and classified.fleet_cost > 0
                then cast(
                        {{ divide('classified.fleet_cost * pairs_monthly.pair_tokens', 'pairs_monthly.pair_api_cost', scale=0) }}
                        as bigint
                    )
        end as break_even_tokens
    from classified
    left join pairs_monthly
        on classified.billing_month = pairs_monthly.billing_month
            and classified.provider = pairs_monthly.provider
            and classified.model = pairs_monthly.model
            and classified.alternative_provider = pairs_monthly.alternative_provider
            and classified.alternative_model = pairs_monthly.alternative_model
            and classified.currency = pairs_monthly.currency

)

select * from final
