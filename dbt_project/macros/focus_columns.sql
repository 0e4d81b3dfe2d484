{#- The FOCUS 1.3 Cost and Usage columns in the spec's alphabetical order, with the warehouse
    type each is stored as (the 1.2 columns plus focus_1_3_columns(); ProviderName and
    PublisherName kept while deprecated). Every provider model is unioned through this list, so
    a new source only has to produce the columns it knows; the rest become typed nulls. -#}
{% macro focus_columns() -%}
    {%- set money = money_type() -%}
    {%- set qty = quantity_type() -%}
    {%- set ts = timestamp_type() -%}
    {%- set text = dbt.type_string() -%}
    {{ return([
        ('AllocatedMethodDetails', text),
        ('AllocatedMethodId', text),
        ('AllocatedResourceId', text),
        ('AllocatedResourceName', text),
        ('AllocatedTags', text),
        ('AvailabilityZone', text),
        ('BilledCost', money),
        ('BillingAccountId', text),
        ('BillingAccountName', text),
        ('BillingAccountType', text),
        ('BillingCurrency', text),
        ('BillingPeriodEnd', ts),
        ('BillingPeriodStart', ts),
        ('CapacityReservationId', text),
        ('CapacityReservationStatus', text),
        ('ChargeCategory', text),
        ('ChargeClass', text),
        ('ChargeDescription', text),
        ('ChargeFrequency', text),
        ('ChargePeriodEnd', ts),
        ('ChargePeriodStart', ts),
        ('CommitmentDiscountCategory', text),
        ('CommitmentDiscountId', text),
        ('CommitmentDiscountName', text),
        ('CommitmentDiscountQuantity', qty),
        ('CommitmentDiscountStatus', text),
        ('CommitmentDiscountType', text),
        ('CommitmentDiscountUnit', text),
        ('ConsumedQuantity', qty),
        ('ConsumedUnit', text),
        ('ContractApplied', text),
        ('ContractedCost', money),
        ('ContractedUnitPrice', money),
        ('EffectiveCost', money),
        ('HostProviderName', text),
        ('InvoiceId', text),
        ('InvoiceIssuerName', text),
        ('ListCost', money),
        ('ListUnitPrice', money),
        ('PricingCategory', text),
        ('PricingCurrency', text),
        ('PricingCurrencyContractedUnitPrice', money),
        ('PricingCurrencyEffectiveCost', money),
        ('PricingCurrencyListUnitPrice', money),
        ('PricingQuantity', qty),
        ('PricingUnit', text),
        ('ProviderName', text),
        ('PublisherName', text),
        ('RegionId', text),
        ('RegionName', text),
        ('ResourceId', text),
        ('ResourceName', text),
        ('ResourceType', text),
        ('ServiceCategory', text),
        ('ServiceName', text),
        ('ServiceProviderName', text),
        ('ServiceSubcategory', text),
        ('SkuId', text),
        ('SkuMeter', text),
        ('SkuPriceDetails', text),
        ('SkuPriceId', text),
        ('SubAccountId', text),
        ('SubAccountName', text),
        ('SubAccountType', text),
        ('Tags', text),
    ]) }}
{%- endmacro %}

{#- The columns FOCUS 1.3 added to Cost and Usage (docs/focus_1_3.md). The conformance run
    drops them to validate the 1.2 view of the data with the 1.2-only official validator. -#}
{% macro focus_1_3_columns() -%}
    {{ return(['AllocatedMethodDetails', 'AllocatedMethodId', 'AllocatedResourceId', 'AllocatedResourceName',
        'AllocatedTags', 'ContractApplied', 'HostProviderName', 'ServiceProviderName']) }}
{%- endmacro %}

{#- Custom columns every provider model carries after the FOCUS columns. -#}
{% macro focus_extension_columns() -%}
    {%- set text = dbt.type_string() -%}
    {{ return([
        ('x_source', text),
        ('x_source_file', text),
        ('x_file_id', text),
        ('x_line_item_type', text),
        ('x_tag_tenant', text),
        ('x_account_key_type', text),
        ('x_account_key', text),
        ('x_usage_tokens', quantity_type()),
        ('x_model', text),
        ('x_is_effective_cost_fallback', dbt.type_boolean()),
    ]) }}
{%- endmacro %}

{#- Union provider models into the FOCUS column list: present columns are cast,
    absent ones become typed nulls. -#}
{% macro focus_union(model_names) -%}
    {%- set all_columns = focus_columns() + focus_extension_columns() -%}
    {%- for model_name in model_names %}
    {%- set rel = ref(model_name) %}
    {%- set present = [] %}
    {%- if execute %}
        {%- for col in adapter.get_columns_in_relation(rel) %}{% do present.append(col.name) %}{% endfor %}
    {%- endif %}
    select
        {%- for name, dtype in all_columns %}
        {% if name in present %}cast({{ adapter.quote(name) }} as {{ dtype }}){% else %}cast(null as {{ dtype }}){% endif %} as {{ adapter.quote(name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ rel }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
