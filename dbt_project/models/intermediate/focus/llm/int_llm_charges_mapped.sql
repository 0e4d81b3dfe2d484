{#- LLM API token lines (OpenAI, Anthropic, LiteLLM-routed providers) as FOCUS 1.2 charges: one
    output row per token line, so each file's rows reconcile to focus_costs like any source.
    A line is a Usage charge of its model's SKU for its token type, priced from the price
    book: PricingUnit '1000000 Tokens' ('1000000 Requests' for web searches) (UnitFormat <quantity> <plural-units>), PricingQuantity
    = tokens / 1e6, ListUnitPrice = ContractedUnitPrice = the price per 1M, and BilledCost =
    ListCost = ContractedCost = EffectiveCost = tokens x price / 1e6 exactly (no negotiated
    discounts are known). The provider prices in its billing currency per token, so
    PricingCurrency is that currency and the PricingCurrency* columns equal the billing ones.
    Self-hosted request lines have no cost of their own and are not charges (their GPU fleet is).
    A line with no price is still a row, flagged x_line_item_type 'UnpricedTokenUsage' with a
    zero cost and an UNPRICED description (FOCUS costs cannot be null); the token marts show
    its cost as null and a warn-level test reports it.
    A day whose provider cost report is loaded (int_llm_billed_days) is billed by that report
    (int_llm_charges_billed): its usage lines stay rows, so that each usage file reconciles, but
    with zero cost ('TokenUsageOnBill'), never a second charge for the same tokens. Any other day's
    lines are the estimate standing in for the bill ('TokenUsage'; InvoiceId null), replaced when
    the report arrives. -#}
with

lines as (

    select * from {{ ref('int_llm_token_lines_attributed') }}
    where source <> 'selfhosted_llm'

),

providers as (

    select * from {{ ref('llm_providers') }}

),

billed_days as (

    select * from {{ ref('int_llm_billed_days') }}

),

lines_on_bill as (

    select
        lines.*,
        billed_days.usage_date is not null as is_on_bill
    from lines
    left join billed_days
        on lines.provider = billed_days.provider
            and coalesce(lines.billing_account_id, '') = billed_days.billing_account_key
            and lines.usage_date = billed_days.usage_date
            and lines.source in ('openai_usage', 'anthropic_usage')

),

described as (

    select
        lines.*,
        coalesce(providers.provider_name, lines.provider) as provider_name,
        coalesce(providers.service_name, {{ dbt.concat(["lines.provider", "' API'"]) }}) as service_name,
        lines.pricing_status = 'priced' as is_priced,
        coalesce(lines.price_currency, 'USD') as currency,
        -- on a billed day the cost is on the provider's cost report rows
        case when lines.is_on_bill then 0 else coalesce(lines.cost, 0) end as charge_cost,
        case when lines.is_on_bill then 0 else coalesce(lines.unit_price_per_1m, 0) end as charge_unit_price,
        {{ dbt.concat(["lines.provider", "'/'", "coalesce(lines.price_model, lines.model)", "'/'", "lines.token_type"]) }} as sku_id,
        case lines.token_type
            when 'input' then 'Input Tokens'
            when 'cached_input' then 'Cached Input Tokens'
            when 'cache_write_5m' then 'Cache Write 5m Tokens'
            when 'cache_write_1h' then 'Cache Write 1h Tokens'
            when 'input_cache_write' then 'Cache Write Tokens'
            when 'output' then 'Output Tokens'
            when 'input_audio' then 'Audio Input Tokens'
            when 'output_audio' then 'Audio Output Tokens'
            when 'web_search' then 'Web Search Requests'
        end as sku_meter,
        -- a web_search line counts searches, every other line tokens
        case when lines.token_type = 'web_search' then 'Requests' else 'Tokens' end as consumed_unit
    from lines_on_bill as lines
    left join providers
        on lines.provider = providers.provider

),

mapped as (

    select
        charge_cost as BilledCost,
        coalesce(billing_account_id, source) as BillingAccountId,
        {{ dbt.concat(["provider_name", "' '", "coalesce(billing_account_id, source)"]) }} as BillingAccountName,
        currency as BillingCurrency,
        {{ next_month_start('usage_start_at') }} as BillingPeriodEnd,
        {{ month_start('usage_start_at') }} as BillingPeriodStart,
        'Usage' as ChargeCategory,
        cast(null as {{ dbt.type_string() }}) as ChargeClass,
        case
            when is_on_bill then {{ dbt.concat([
                "'ON BILL: '", "model", "' '", "lower(sku_meter)", "' ('", "service_name", "', '", "service_tier",
                "' tier) on '", "cast(usage_date as " ~ dbt.type_string() ~ ")", "' is billed by the cost report rows of the provider; usage only, no cost here'"]) }}
            when is_priced then {{ dbt.concat([
                "model", "' '", "lower(sku_meter)", "' ('", "service_name", "', '", "service_tier", "' tier), '",
                "currency", "' '", "cast(cast(unit_price_per_1m as decimal(18, 4)) as " ~ dbt.type_string() ~ ")", "' per 1M '", "lower(consumed_unit)"]) }}
            else {{ dbt.concat([
                "'UNPRICED: '", "model", "' '", "lower(sku_meter)", "' ('", "service_name", "', '", "service_tier",
                "' tier) has no price in the price book on '", "cast(usage_date as " ~ dbt.type_string() ~ ")", "'; cost unknown, shown as 0'"]) }}
        end as ChargeDescription,
        'Usage-Based' as ChargeFrequency,
        charge_period_end_at as ChargePeriodEnd,
        charge_period_start_at as ChargePeriodStart,
        cast(tokens as {{ quantity_type() }}) as ConsumedQuantity,
        consumed_unit as ConsumedUnit,
        charge_cost as ContractedCost,
        charge_unit_price as ContractedUnitPrice,
        charge_cost as EffectiveCost,
        -- estimated from usage: no invoice yet
        cast(null as {{ dbt.type_string() }}) as InvoiceId,
        -- the provider invoices its own tokens (BilledCost-C-005-C: issuer = provider)
        provider_name as InvoiceIssuerName,
        charge_cost as ListCost,
        charge_unit_price as ListUnitPrice,
        'Standard' as PricingCategory,
        currency as PricingCurrency,
        charge_unit_price as PricingCurrencyContractedUnitPrice,
        charge_cost as PricingCurrencyEffectiveCost,
        charge_unit_price as PricingCurrencyListUnitPrice,
        tokens_in_millions as PricingQuantity,
        {{ dbt.concat(["'1000000 '", "consumed_unit"]) }} as PricingUnit,
        provider_name as ProviderName,
        coalesce(publisher, provider_name) as PublisherName,
        'AI and Machine Learning' as ServiceCategory,
        service_name as ServiceName,
        'Generative AI' as ServiceSubcategory,
        sku_id as SkuId,
        sku_meter as SkuMeter,
        case
            when is_priced
                then {{ dbt.concat([
                    "sku_id", "'/'", "service_tier", "'/'", "cast(price_effective_from as " ~ dbt.type_string() ~ ")"]) }}
            else {{ dbt.concat(["sku_id", "'/'", "service_tier", "'/unpriced'"]) }}
        end as SkuPriceId,
        sub_account_id as SubAccountId,
        -- the usage exports carry ids only: the id is the name
        sub_account_id as SubAccountName,
        source as x_source,
        source_file as x_source_file,
        file_id as x_file_id,
        case
            when is_on_bill then 'TokenUsageOnBill'
            when is_priced then 'TokenUsage'
            else 'UnpricedTokenUsage'
        end as x_line_item_type,
        cast(null as {{ dbt.type_string() }}) as x_tag_tenant,
        account_key_type as x_account_key_type,
        account_key as x_account_key,
        -- the line's quantity (searches on a web_search line, ConsumedUnit Requests), so files reconcile
        cast(tokens as {{ quantity_type() }}) as x_usage_tokens,
        model as x_model
    from described

),

final as (

    select * from mapped

)

select * from final
