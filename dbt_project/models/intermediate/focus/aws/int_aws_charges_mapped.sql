{#- AWS CUR 2.0 line items as FOCUS 1.2 charges. Rules: docs/reference/focus_1_2_notes.md
    and the README's mapping table. One output row per input row (conservation is tested). -#}
with

line_items as (

    select * from {{ ref('stg_aws__cur_line_items') }}

),

services as (

    select * from {{ ref('aws_services') }}

),

regions as (

    select * from {{ ref('aws_regions') }}

),

units as (

    select * from {{ ref('unit_map') }} where source = 'aws_cur'

),

categorized as (

    select
        line_items.*,
        case
            when line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation') then 'Usage'
            -- the recurring commitment fee carries the unused commitment as its effective cost:
            -- FOCUS shows that as Usage with CommitmentDiscountStatus 'Unused' (Purchase rows must have EffectiveCost 0)
            when line_item_type in ('RIFee', 'SavingsPlanRecurringFee') then 'Usage'
            when line_item_type in ('Fee', 'SavingsPlanUpfrontFee') then 'Purchase'
            when line_item_type = 'Tax' then 'Tax'
            when line_item_type in (
                    'Credit', 'BundledDiscount', 'EdpDiscount', 'PrivateRateDiscount', 'SppDiscount', 'DistributorDiscount'
                ) then 'Credit'
            -- a refund reverses an earlier usage charge: same category, flagged as a correction
            when line_item_type = 'Refund' then 'Usage'
            else 'Adjustment'
        end as charge_category,
        case when line_item_type = 'Refund' then 'Correction' end as charge_class,
        coalesce(net_unblended_cost, unblended_cost) as billed_cost
    from line_items

),

priced as (

    select
        categorized.*,
        -- unit prices and quantities only where FOCUS wants them: Usage/Purchase, not corrections
        charge_category in ('Usage', 'Purchase') and charge_class is null and usage_amount is not null as is_priced,
        -- consumption is measured on usage rows, not on the unused part of a commitment
        charge_category = 'Usage' and charge_class is null and line_item_type not in ('RIFee', 'SavingsPlanRecurringFee')
            as is_consumption
    from categorized

),

costed as (

    select
        priced.*,
        -- ContractedCost is the cost at the account's negotiated rates. A Spot row (and any row
        -- AWS writes without line_item_unblended_rate) has no rate: its unblended cost is that
        -- cost, and ContractedUnitPrice stays null (FOCUS allows it; ContractedCost-C-006-C)
        case
            when is_priced and unblended_rate is not null then cast(unblended_rate * usage_amount as {{ money_type() }})
            when is_priced then unblended_cost
            else billed_cost
        end as contracted_cost,
        -- the public price, else the account's own (a fee, CloudTrail's free tier have no public rate)
        case when is_priced then abs(coalesce(public_on_demand_rate, unblended_rate)) end as list_unit_price,
        -- the amortized (effective) cost of a commitment fee is its unused part; a file without the
        -- savings_plan_* / reservation_* columns, or with them empty on the row, cannot say what it
        -- is: the fee's billed cost is used instead and the row is flagged
        case
            when line_item_type = 'SavingsPlanRecurringFee'
                then savings_plan_total_commitment_to_date is null or savings_plan_used_commitment is null
            when line_item_type = 'RIFee'
                then reservation_unused_amortized_upfront_fee is null and reservation_unused_recurring_fee is null
            else false
        end as is_effective_cost_fallback,
        -- Spot: pricing_purchase_option says so; older files leave it empty and only the usage
        -- type (`...SpotUsage:<type>`) or the operation (`RunInstances:SV<nnn>`) tell
        coalesce(
            purchase_option = 'Spot',
            usage_type like '%SpotUsage%' or operation like 'RunInstances:SV%',
            false
        ) as is_spot
    from priced

),

mapped as (

    select
        priced.availability_zone as AvailabilityZone,
        priced.billed_cost as BilledCost,
        priced.payer_account_id as BillingAccountId,
        priced.payer_account_name as BillingAccountName,
        priced.currency_code as BillingCurrency,
        {{ next_month_start('priced.billing_period_start_at') }} as BillingPeriodEnd,
        priced.billing_period_start_at as BillingPeriodStart,
        priced.charge_category as ChargeCategory,
        priced.charge_class as ChargeClass,
        priced.line_item_description as ChargeDescription,
        case
            when priced.line_item_type in ('RIFee', 'SavingsPlanRecurringFee') then 'Recurring'
            when priced.charge_category = 'Usage' and priced.charge_class is null then 'Usage-Based'
            else 'One-Time'
        end as ChargeFrequency,
        priced.usage_end_at as ChargePeriodEnd,
        priced.usage_start_at as ChargePeriodStart,
        case
            when priced.reservation_arn is not null then 'Usage'
            when priced.savings_plan_arn is not null then 'Spend'
        end as CommitmentDiscountCategory,
        coalesce(priced.reservation_arn, priced.savings_plan_arn) as CommitmentDiscountId,
        case
            when priced.line_item_type in ('RIFee', 'SavingsPlanRecurringFee') then 'Unused'
            when priced.charge_category = 'Usage' and coalesce(priced.reservation_arn, priced.savings_plan_arn) is not null
                then 'Used'
        end as CommitmentDiscountStatus,
        case
            when priced.reservation_arn is not null then 'Reserved Instance'
            when priced.savings_plan_arn is not null then 'Savings Plan'
        end as CommitmentDiscountType,
        case when priced.is_consumption then priced.usage_amount end as ConsumedQuantity,
        case when priced.is_consumption then coalesce(units.focus_unit, priced.pricing_unit) end as ConsumedUnit,
        -- unit prices are non-negative: a negation carries its sign on the quantity
        case when priced.is_priced then abs(priced.unblended_rate) end as ContractedUnitPrice,
        priced.contracted_cost as ContractedCost,
        case
            when priced.line_item_type = 'DiscountedUsage' then priced.reservation_effective_cost
            when priced.line_item_type = 'SavingsPlanCoveredUsage' then priced.savings_plan_effective_cost
            when priced.line_item_type in ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') then 0
            when priced.is_effective_cost_fallback then priced.billed_cost
            when priced.line_item_type = 'SavingsPlanRecurringFee'
                then priced.savings_plan_total_commitment_to_date - priced.savings_plan_used_commitment
            when priced.line_item_type = 'RIFee'
                then coalesce(priced.reservation_unused_amortized_upfront_fee, 0) + coalesce(priced.reservation_unused_recurring_fee, 0)
            -- an upfront RI payment is amortized into the usage it covers
            when priced.line_item_type = 'Fee' and priced.reservation_arn is not null then 0
            else priced.billed_cost
        end as EffectiveCost,
        priced.invoice_id as InvoiceId,
        -- AWS issues the invoice for its own services (BilledCost-C-005: issuer = provider)
        'AWS' as InvoiceIssuerName,
        priced.list_unit_price as ListUnitPrice,
        -- without any unit price the list cost is the contracted cost (FOCUS ListCost-C-006-C)
        case
            when priced.list_unit_price is not null
                then cast(
                        priced.list_unit_price
                        * case when priced.unblended_rate < 0 then -priced.usage_amount else priced.usage_amount end
                        as {{ money_type() }}
                    )
            else priced.contracted_cost
        end as ListCost,
        case
            when not priced.is_priced then null
            when priced.line_item_type in (
                    'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'RIFee', 'SavingsPlanRecurringFee'
                ) then 'Committed'
            when priced.is_spot then 'Dynamic'
            else 'Standard'
        end as PricingCategory,
        case
            when priced.is_priced and priced.unblended_rate < 0 then -priced.usage_amount
            when priced.is_priced then priced.usage_amount
        end as PricingQuantity,
        case when priced.is_priced then coalesce(units.focus_unit, priced.pricing_unit, 'Units') end as PricingUnit,
        'AWS' as ProviderName,
        'AWS' as PublisherName,
        priced.region_code as RegionId,
        regions.region_name as RegionName,
        priced.resource_id as ResourceId,
        case when priced.resource_id is not null then coalesce(priced.product_family, services.service_name) end as ResourceType,
        coalesce(services.service_category, 'Other') as ServiceCategory,
        coalesce(services.service_name, priced.product_code) as ServiceName,
        coalesce(services.service_subcategory, 'Other (Other)') as ServiceSubcategory,
        case when priced.is_priced then priced.product_sku end as SkuId,
        case when priced.is_priced and priced.product_sku is not null then coalesce(priced.usage_type, priced.product_code) end as SkuMeter,
        case when priced.is_priced and priced.product_sku is not null then priced.pricing_rate_code end as SkuPriceId,
        priced.usage_account_id as SubAccountId,
        priced.usage_account_name as SubAccountName,
        nullif({{ json_strip_key_prefix('priced.resource_tags', 'user_') }}, '{}') as Tags,
        'aws_cur' as x_source,
        priced.source_file as x_source_file,
        priced.file_id as x_file_id,
        priced.line_item_type as x_line_item_type,
        'aws_account' as x_account_key_type,
        priced.usage_account_id as x_account_key,
        priced.is_effective_cost_fallback as x_is_effective_cost_fallback
    from costed as priced
    left join services
        on priced.product_code = services.product_code
    left join regions
        on priced.region_code = regions.region_id
    left join units
        on priced.pricing_unit = units.provider_unit

),

final as (

    select
        *,
        {{ json_get_string('Tags', 'tenant') }} as x_tag_tenant
    from mapped

)

select * from final
