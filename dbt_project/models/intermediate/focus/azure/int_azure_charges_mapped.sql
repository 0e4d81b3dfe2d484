{#- Azure cost-details rows (EA and MCA) as FOCUS 1.2 charges, one output row per input row.
    The file is read as the amortized dataset plus commitment purchases: usage covered by a
    reservation or savings plan and Unused* rows carry their amortized cost as EffectiveCost with
    BilledCost 0 (billed on the purchase); a commitment purchase is billed with EffectiveCost 0.
    The BilledCost rule is the one the loader sums per file (ingest/azure_cost.py BILLED_COST_SQL). -#}
with

cost_details as (

    select * from {{ ref('stg_azure__cost_details') }}

),

services as (

    select * from {{ ref('azure_services') }}

),

regions as (

    select * from {{ ref('azure_regions') }}

),

units as (

    select * from {{ ref('unit_map') }} where source = 'azure_cost'

),

classified as (

    select
        cost_details.*,
        lower(charge_type) as charge_type_key,
        lower(coalesce(pricing_model, 'ondemand')) as pricing_model_key,
        coalesce(benefit_id, reservation_id) as commitment_id,
        lower(coalesce(pricing_model, '')) in ('reservation', 'savingsplan')
        or lower(charge_type) in ('unusedreservation', 'unusedsavingsplan') as is_commitment,
        coalesce(exchange_rate_pricing_to_billing, 1) as fx_to_billing,
        {{ dbt.split_part(dbt.split_part('resource_id', "'/providers/'", 2), "'/'", 1) }} as resource_provider,
        {{ dbt.split_part(dbt.split_part('resource_id', "'/providers/'", 2), "'/'", 2) }} as resource_kind
    from cost_details

),

categorized as (

    select
        classified.*,
        case
            when charge_type_key in ('usage', 'unusedreservation', 'unusedsavingsplan') then 'Usage'
            when charge_type_key = 'purchase' then 'Purchase'
            when charge_type_key = 'tax' then 'Tax'
            -- a refund reverses an earlier charge: a commitment's purchase, else usage
            when charge_type_key = 'refund' and is_commitment then 'Purchase'
            when charge_type_key = 'refund' then 'Usage'
            else 'Adjustment'
        end as charge_category,
        case when charge_type_key = 'refund' then 'Correction' end as charge_class,
        case
            when charge_type_key in ('unusedreservation', 'unusedsavingsplan') then cast(0 as {{ money_type() }})
            when charge_type_key = 'usage' and pricing_model_key in ('reservation', 'savingsplan') then cast(0 as {{ money_type() }})
            else cost_in_billing_currency
        end as billed_cost,
        case
            -- a commitment's purchase (or its refund) is amortized into the usage it covers
            when charge_type_key in ('purchase', 'refund') and is_commitment then cast(0 as {{ money_type() }})
            else cost_in_billing_currency
        end as effective_cost
    from classified

),

priced as (

    select
        categorized.*,
        charge_category in ('Usage', 'Purchase') and charge_class is null as is_priced,
        charge_category = 'Usage' and charge_class is null and charge_type_key = 'usage' as is_consumption,
        -- partner (MPA) files carry no UnitPrice: their effectivePrice is the price agreed
        cast(coalesce(unit_price, effective_price) * fx_to_billing as {{ money_type() }}) as contracted_unit_price,
        cast(coalesce(payg_price, unit_price) * fx_to_billing as {{ money_type() }}) as list_unit_price
    from categorized

),

mapped as (

    select
        priced.availability_zone as AvailabilityZone,
        priced.billed_cost as BilledCost,
        -- MCA and partner (MPA) files invoice per billing profile, EA per enrollment; the loader
        -- fills billing_account_id of partner and legacy pay-as-you-go files (ingest/azure_cost.py)
        case when priced.agreement_type in ('MCA', 'MPA') then coalesce(priced.billing_profile_id, priced.billing_account_id)
            else priced.billing_account_id
        end as BillingAccountId,
        case when priced.agreement_type in ('MCA', 'MPA') then coalesce(priced.billing_profile_name, priced.billing_account_name)
            else priced.billing_account_name
        end as BillingAccountName,
        case
            when priced.agreement_type = 'MCA' then 'Billing Profile'
            when priced.agreement_type = 'MPA' and priced.billing_profile_id is not null then 'Billing Profile'
            when priced.agreement_type = 'MPA' then 'Partner Customer'
            when priced.agreement_type = 'PAYG' then 'Subscription'
            else 'Billing Account'
        end as BillingAccountType,
        priced.billing_currency as BillingCurrency,
        coalesce(
            {{ dbt.dateadd('day', 1, 'priced.billing_period_last_day_at') }},
            {{ next_month_start('priced.usage_date_at') }}
        ) as BillingPeriodEnd,
        coalesce(priced.billing_period_start_at, {{ month_start('priced.usage_date_at') }}) as BillingPeriodStart,
        priced.charge_category as ChargeCategory,
        priced.charge_class as ChargeClass,
        coalesce(priced.product_name, priced.meter_name) as ChargeDescription,
        case
            when priced.charge_class is not null then 'One-Time'
            when lower(priced.frequency) = 'recurring' then 'Recurring'
            when priced.charge_category = 'Usage' then 'Usage-Based'
            else 'One-Time'
        end as ChargeFrequency,
        {{ dbt.dateadd('day', 1, 'priced.usage_date_at') }} as ChargePeriodEnd,
        priced.usage_date_at as ChargePeriodStart,
        case
            when priced.pricing_model_key = 'reservation' or priced.charge_type_key = 'unusedreservation' then 'Usage'
            when priced.pricing_model_key = 'savingsplan' or priced.charge_type_key = 'unusedsavingsplan' then 'Spend'
        end as CommitmentDiscountCategory,
        case when priced.is_commitment then priced.commitment_id end as CommitmentDiscountId,
        case when priced.is_commitment then coalesce(priced.benefit_name, priced.reservation_name) end as CommitmentDiscountName,
        case
            when not priced.is_commitment or priced.charge_category <> 'Usage' then null
            when priced.charge_type_key in ('unusedreservation', 'unusedsavingsplan') then 'Unused'
            else 'Used'
        end as CommitmentDiscountStatus,
        case
            when priced.pricing_model_key = 'reservation' or priced.charge_type_key = 'unusedreservation' then 'Reservation'
            when priced.pricing_model_key = 'savingsplan' or priced.charge_type_key = 'unusedsavingsplan' then 'Savings Plan'
        end as CommitmentDiscountType,
        case when priced.is_consumption then priced.quantity end as ConsumedQuantity,
        case when priced.is_consumption then coalesce(units.focus_unit, priced.unit_of_measure) end as ConsumedUnit,
        case when priced.is_priced then priced.contracted_unit_price end as ContractedUnitPrice,
        case
            when priced.is_priced then cast(priced.contracted_unit_price * priced.quantity as {{ money_type() }})
            else priced.cost_in_billing_currency
        end as ContractedCost,
        priced.effective_cost as EffectiveCost,
        priced.invoice_id as InvoiceId,
        'Microsoft' as InvoiceIssuerName,
        case when priced.is_priced then priced.list_unit_price end as ListUnitPrice,
        case
            when priced.is_priced then cast(priced.list_unit_price * priced.quantity as {{ money_type() }})
            else priced.cost_in_billing_currency
        end as ListCost,
        case
            when not priced.is_priced then null
            when priced.charge_category = 'Usage' and priced.is_commitment then 'Committed'
            when priced.pricing_model_key = 'spot' then 'Dynamic'
            else 'Standard'
        end as PricingCategory,
        priced.pricing_currency as PricingCurrency,
        case when priced.pricing_currency is not null and priced.is_priced then coalesce(priced.unit_price, priced.effective_price) end
            as PricingCurrencyContractedUnitPrice,
        case
            when priced.pricing_currency is null then null
            when priced.effective_cost = 0 then cast(0 as {{ money_type() }})
            else coalesce(priced.cost_in_pricing_currency, {{ divide('priced.effective_cost', 'priced.fx_to_billing') }})
        end as PricingCurrencyEffectiveCost,
        case when priced.pricing_currency is not null and priced.is_priced then coalesce(priced.payg_price, priced.unit_price) end
            as PricingCurrencyListUnitPrice,
        case when priced.is_priced then priced.quantity end as PricingQuantity,
        case when priced.is_priced then coalesce(units.focus_unit, priced.unit_of_measure, 'Units') end as PricingUnit,
        'Microsoft' as ProviderName,
        coalesce(priced.publisher_name, 'Microsoft') as PublisherName,
        lower(replace(priced.resource_location, ' ', '')) as RegionId,
        case when priced.resource_location is not null then coalesce(regions.region_name, priced.resource_location) end as RegionName,
        priced.resource_id as ResourceId,
        priced.resource_name as ResourceName,
        case when priced.resource_id is not null then
                coalesce(
                    nullif({{ dbt.concat(["priced.resource_provider", "'/'", "priced.resource_kind"]) }}, '/'),
                    priced.consumed_service,
                    priced.meter_category
                )
        end as ResourceType,
        coalesce(services.service_category, 'Other') as ServiceCategory,
        coalesce(services.service_name, priced.meter_category, priced.consumed_service, 'Microsoft Azure') as ServiceName,
        coalesce(services.service_subcategory, 'Other (Other)') as ServiceSubcategory,
        case when priced.is_priced then coalesce(priced.product_id, priced.meter_id, priced.part_number) end as SkuId,
        case when priced.is_priced then priced.meter_name end as SkuMeter,
        case when priced.is_priced then
                {{ dbt.concat(["coalesce(priced.product_id, priced.meter_id, priced.part_number)", "'/'", "priced.pricing_model_key"]) }}
        end as SkuPriceId,
        priced.subscription_id as SubAccountId,
        priced.subscription_name as SubAccountName,
        case when priced.subscription_id is not null then 'Subscription' end as SubAccountType,
        -- the FOCUS name differs from the source column in case only
        priced.tags as Tags,  -- noqa: AL09
        'azure_cost' as x_source,
        priced.source_file as x_source_file,
        priced.file_id as x_file_id,
        priced.charge_type as x_line_item_type,
        'azure_subscription' as x_account_key_type,
        priced.subscription_id as x_account_key
    from priced
    left join services
        on priced.meter_category = services.meter_category
    left join regions
        on lower(replace(priced.resource_location, ' ', '')) = regions.region_id
    left join units
        on priced.unit_of_measure = units.provider_unit

),

final as (

    select
        *,
        {{ json_get_string('Tags', 'tenant') }} as x_tag_tenant
    from mapped

)

select * from final
