{#- Every provider's charges in the FOCUS 1.3 shape (marts.focus_costs is this model as it is):
    FOCUS names and types, the 1.3 columns derived where a source has none, then the x_
    columns. Written once here (parquet on DuckDB) so that the allocation models read an
    intermediate, not the public mart, and the mart stays a plain view for BI.
    Rows are not split: the Allocated* columns stay null unless a provider's own export split
    them; the split by tenant is marts.focus_costs_allocated. -#}
with

charges as (

    select * from {{ ref('int_charges_classified') }}
    where {{ in_build_months('ChargePeriodStart') }}

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
