{#- The FOCUS 1.2 columns in the spec's alphabetical order, with the warehouse type each
    is stored as. Every provider model is unioned through this list, so a new source only
    has to produce the columns it knows; the rest become typed nulls. -#}
{% macro focus_columns() -%}
    {%- set money = money_type() -%}
    {%- set qty = quantity_type() -%}
    {%- set ts = timestamp_type() -%}
    {{ return([
        ('AvailabilityZone', 'varchar'),
        ('BilledCost', money),
        ('BillingAccountId', 'varchar'),
        ('BillingAccountName', 'varchar'),
        ('BillingAccountType', 'varchar'),
        ('BillingCurrency', 'varchar'),
        ('BillingPeriodEnd', ts),
        ('BillingPeriodStart', ts),
        ('CapacityReservationId', 'varchar'),
        ('CapacityReservationStatus', 'varchar'),
        ('ChargeCategory', 'varchar'),
        ('ChargeClass', 'varchar'),
        ('ChargeDescription', 'varchar'),
        ('ChargeFrequency', 'varchar'),
        ('ChargePeriodEnd', ts),
        ('ChargePeriodStart', ts),
        ('CommitmentDiscountCategory', 'varchar'),
        ('CommitmentDiscountId', 'varchar'),
        ('CommitmentDiscountName', 'varchar'),
        ('CommitmentDiscountQuantity', qty),
        ('CommitmentDiscountStatus', 'varchar'),
        ('CommitmentDiscountType', 'varchar'),
        ('CommitmentDiscountUnit', 'varchar'),
        ('ConsumedQuantity', qty),
        ('ConsumedUnit', 'varchar'),
        ('ContractedCost', money),
        ('ContractedUnitPrice', money),
        ('EffectiveCost', money),
        ('InvoiceId', 'varchar'),
        ('InvoiceIssuerName', 'varchar'),
        ('ListCost', money),
        ('ListUnitPrice', money),
        ('PricingCategory', 'varchar'),
        ('PricingCurrency', 'varchar'),
        ('PricingCurrencyContractedUnitPrice', money),
        ('PricingCurrencyEffectiveCost', money),
        ('PricingCurrencyListUnitPrice', money),
        ('PricingQuantity', qty),
        ('PricingUnit', 'varchar'),
        ('ProviderName', 'varchar'),
        ('PublisherName', 'varchar'),
        ('RegionId', 'varchar'),
        ('RegionName', 'varchar'),
        ('ResourceId', 'varchar'),
        ('ResourceName', 'varchar'),
        ('ResourceType', 'varchar'),
        ('ServiceCategory', 'varchar'),
        ('ServiceName', 'varchar'),
        ('ServiceSubcategory', 'varchar'),
        ('SkuId', 'varchar'),
        ('SkuMeter', 'varchar'),
        ('SkuPriceDetails', 'varchar'),
        ('SkuPriceId', 'varchar'),
        ('SubAccountId', 'varchar'),
        ('SubAccountName', 'varchar'),
        ('SubAccountType', 'varchar'),
        ('Tags', 'varchar'),
    ]) }}
{%- endmacro %}

{#- Custom columns every provider model carries after the FOCUS columns. -#}
{% macro focus_extension_columns() -%}
    {{ return([
        ('x_source', 'varchar'),
        ('x_source_file', 'varchar'),
        ('x_file_id', 'varchar'),
        ('x_line_item_type', 'varchar'),
        ('x_tag_tenant', 'varchar'),
        ('x_account_key_type', 'varchar'),
        ('x_account_key', 'varchar'),
        ('x_usage_tokens', quantity_type()),
        ('x_model', 'varchar'),
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
