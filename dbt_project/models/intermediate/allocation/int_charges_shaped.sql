{#- Every provider's charges in the FOCUS 1.3 shape (marts.focus_costs is this model as it is):
    FOCUS names and types, the 1.3 columns derived where a source has none, then the x_
    columns. Written once here (parquet on DuckDB) so that the allocation models read an
    intermediate, not the public mart, and the mart stays a plain view for BI.
    Rows are not split: the Allocated* columns stay null unless a provider's own export split
    them; the split by tenant is marts.focus_costs_allocated. Each charge is numbered here
    (x_charge_id), once, so that the split and the allocated mart work on narrow projections
    and join the ~80 columns back once (numbering there meant a materialized copy of every
    column, read seven times: 3M rows spilled 32 GB). -#}
{%- set charge_order_columns = [
    'ChargePeriodStart', 'ChargePeriodEnd', 'ResourceId', 'SkuPriceId', 'SkuId', 'ChargeDescription', 'x_line_item_type',
    'Tags', 'ChargeCategory', 'SubAccountId', 'CommitmentDiscountId', 'ConsumedQuantity', 'ListCost', 'EffectiveCost',
    'BilledCost'] -%}
{%- set charge_order = [] -%}
{%- for column in charge_order_columns -%}{%- do charge_order.append('charges.' ~ column ~ ' nulls last') -%}{%- endfor -%}
{#- numbered within its file and month: a build of some months numbers those alike (macros/build_months.sql) -#}
{%- set charge_partition = 'charges.x_file_id, ' ~ dbt.date_trunc('month', 'charges.ChargePeriodStart') -%}
{#- a charge's place in its file; rows equal in every ordering column are interchangeable.
    nulls last spelled out: DuckDB and Spark sort nulls to opposite ends by default -#}
{%- set charge_id = dbt.concat([
    "charges.x_file_id", "'#'", month_key('charges.ChargePeriodStart'), "'#'",
    "cast(row_number() over (partition by " ~ charge_partition ~ " order by " ~ charge_order | join(', ') ~ ") as "
        ~ dbt.type_string() ~ ")"]) -%}
with

charges as (

    select * from {{ ref('int_charges_classified') }}
    where {{ in_build_months('ChargePeriodStart') }}

),

-- numbered over the whole row: with nothing else reading these rows a second time, one
-- window beats numbering a narrow projection and joining it back (3M rows: 27 s against 46 s)
numbered as (

    select
        charges.*,
        {{ charge_id }} as x_charge_id
    from charges

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
        x_is_effective_cost_fallback,
        x_charge_id
    from numbered

)

select * from final
