{#- GENERATED from seeds/focus/focus_columns.csv by `python -m dagster_project.focus_contract`:
    edit the seed and rerun it (tests/test_focus_contract.py fails while the two differ). -#}

{#- The FOCUS 1.3 Cost and Usage columns in the spec's alphabetical order, with the warehouse
    type each is stored as (the 1.2 columns plus focus_1_3_columns(); ProviderName and
    PublisherName kept while deprecated). Every provider model is unioned through this list
    (focus_union, macros/focus_union.sql), so a new source only has to produce the columns it
    knows; the rest become typed nulls. -#}
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
    {{ return(['AllocatedMethodDetails', 'AllocatedMethodId', 'AllocatedResourceId', 'AllocatedResourceName', 'AllocatedTags', 'ContractApplied', 'HostProviderName', 'ServiceProviderName']) }}
{%- endmacro %}
