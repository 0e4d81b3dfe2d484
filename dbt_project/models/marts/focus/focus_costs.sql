{#- The FOCUS 1.3 Cost and Usage dataset: every provider's charges with FOCUS names and types,
    then the x_ columns. The official (1.2-only) validator reads its 1.2 projection, the 1.3
    columns dropped (dagster_project/conformance.py); the 1.3 rules are dbt tests (docs/focus_1_3.md).
    Rows here are not split: the Allocated* columns stay null unless a provider's own export
    split them, and the split by tenant is marts.focus_costs_allocated. -#}
with

charges as (

    select * from {{ ref('int_charges_classified') }}

),

final as (

    select
        {%- for name, dtype in focus_columns() %}
        {%- if name in ('ServiceProviderName', 'HostProviderName') %}
        -- 1.3 names for ProviderName (kept, deprecated); no source of ours names another host
        coalesce({{ name }}, ProviderName) as {{ name }},
        {%- elif name == 'ContractApplied' %}
        coalesce(ContractApplied, {{ focus_contract_applied() }}) as ContractApplied,
        {%- elif name == 'PricingCurrency' %}
        coalesce(PricingCurrency, BillingCurrency) as PricingCurrency,
        {%- elif name in ('PricingCurrencyEffectiveCost', 'PricingCurrencyListUnitPrice', 'PricingCurrencyContractedUnitPrice') %}
        -- priced in the billing currency unless the source says otherwise (e.g. tokens)
        case when PricingCurrency is null then {{ name | replace('PricingCurrency', '') }} else {{ name }} end as {{ name }},
        {%- else %}
        {{ adapter.quote(name) }},
        {%- endif %}
        {%- endfor %}
        x_source,
        x_source_file,
        x_file_id,
        x_line_item_type,
        x_tenant,
        x_cost_kind,
        x_allocation_rule,
        x_allocation_pool,
        x_account_key_type,
        x_account_key,
        x_usage_tokens,
        x_model,
        x_is_effective_cost_fallback
    from charges

)

select * from final
