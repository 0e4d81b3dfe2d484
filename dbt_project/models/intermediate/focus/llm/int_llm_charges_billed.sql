{#- The providers' cost report lines (OpenAI costs API, Anthropic cost report) as FOCUS 1.2
    charges: one output row per cost line, so each cost file's rows and amounts reconcile to
    focus_costs. BilledCost = ListCost = ContractedCost = EffectiveCost = the amount the
    provider states, exactly (no list price or quantity is known from a cost line: the unit
    price, quantity and pricing unit columns are null; the tokens behind it are on the usage
    rows of the same day, 'TokenUsageOnBill'). The sub account is the project (OpenAI) or
    workspace (Anthropic); the tenants it is charged to are decided in int_llm_bills_split. -#}
with

cost_lines as (

    select * from {{ ref('int_llm_cost_lines_unioned') }}

),

providers as (

    select * from {{ ref('llm_providers') }}

),

described as (

    select
        cost_lines.*,
        coalesce(providers.provider_name, cost_lines.provider) as provider_name,
        coalesce(providers.service_name, {{ dbt.concat(["cost_lines.provider", "' API'"]) }}) as service_name
    from cost_lines
    left join providers
        on cost_lines.provider = providers.provider

),

mapped as (

    select
        billed_cost as BilledCost,
        coalesce(billing_account_id, source) as BillingAccountId,
        {{ dbt.concat(["provider_name", "' '", "coalesce(billing_account_id, source)"]) }} as BillingAccountName,
        currency as BillingCurrency,
        {{ next_month_start('charge_period_start_at') }} as BillingPeriodEnd,
        {{ month_start('charge_period_start_at') }} as BillingPeriodStart,
        'Usage' as ChargeCategory,
        cast(null as {{ dbt.type_string() }}) as ChargeClass,
        {{ dbt.concat([
            "'BILLED: '", "coalesce(line_item, model)", "' ('", "service_name", "', '",
            "coalesce(service_tier, 'tier not stated')", "'), as stated in the cost report of the provider'"]) }} as ChargeDescription,
        'Usage-Based' as ChargeFrequency,
        charge_period_end_at as ChargePeriodEnd,
        charge_period_start_at as ChargePeriodStart,
        billed_cost as ContractedCost,
        billed_cost as EffectiveCost,
        -- the provider invoices its own tokens (BilledCost-C-005-C: issuer = provider)
        provider_name as InvoiceIssuerName,
        billed_cost as ListCost,
        'Standard' as PricingCategory,
        currency as PricingCurrency,
        billed_cost as PricingCurrencyEffectiveCost,
        provider_name as ProviderName,
        provider_name as PublisherName,
        'AI and Machine Learning' as ServiceCategory,
        service_name as ServiceName,
        'Generative AI' as ServiceSubcategory,
        {{ dbt.concat(["provider", "'/'", "model", "'/'", "token_type"]) }} as SkuId,
        case token_type
            when 'input' then 'Input Tokens'
            when 'cached_input' then 'Cached Input Tokens'
            when 'cache_write_5m' then 'Cache Write 5m Tokens'
            when 'cache_write_1h' then 'Cache Write 1h Tokens'
            when 'input_cache_write' then 'Cache Write Tokens'
            when 'output' then 'Output Tokens'
            when 'web_search' then 'Web Search Requests'
            else coalesce(line_item, token_type)
        end as SkuMeter,
        sub_account_id as SubAccountId,
        -- the cost reports carry ids only: the id is the name
        sub_account_id as SubAccountName,
        source as x_source,
        source_file as x_source_file,
        file_id as x_file_id,
        'BilledTokenCost' as x_line_item_type,
        cast(null as {{ dbt.type_string() }}) as x_tag_tenant,
        primary_key_type as x_account_key_type,
        sub_account_id as x_account_key,
        model as x_model
    from described

),

final as (

    select * from mapped

)

select * from final
