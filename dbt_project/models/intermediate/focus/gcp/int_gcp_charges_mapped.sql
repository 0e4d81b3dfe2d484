{#- GCP Cloud Billing export rows as FOCUS 1.2 charges, one output row per staged row.
    Credits: every credits[] entry is its own Credit row (BilledCost = EffectiveCost = ListCost =
    ContractedCost = the credit's amount) and the export row keeps its full cost, so a credit is
    counted once, on its own row, and sum(BilledCost) is what GCP invoices: cost + credits. -#}
with

export_rows as (

    select * from {{ ref('stg_gcp__billing_export_rows') }}

),

services as (

    select * from {{ ref('gcp_services') }}

),

regions as (

    select * from {{ ref('gcp_regions') }}

),

units as (

    select * from {{ ref('unit_map') }} where source = 'gcp_billing'

),

categorized as (

    select
        export_rows.*,
        case
            when row_kind = 'credit' then 'Credit'
            when cost_type = 'regular' then 'Usage'
            when cost_type = 'tax' then 'Tax'
            -- adjustment and rounding_error rows correct or round the invoice
            else 'Adjustment'
        end as charge_category,
        case when row_kind = 'credit' then credit_amount else cost end as billed_cost
    from export_rows

),

priced as (

    select
        categorized.*,
        -- prices and quantities only on usage rows (tax, adjustments and credits carry none)
        charge_category = 'Usage' as is_priced,
        case
            when effective_price is not null then {{ divide('effective_price', 'coalesce(nullif(pricing_unit_quantity, 0), 1)') }}
            when usage_amount_in_pricing_units <> 0 then {{ divide('cost', 'usage_amount_in_pricing_units') }}
        end as contracted_unit_price,
        case
            when usage_amount_in_pricing_units <> 0 then {{ divide('coalesce(cost_at_list, cost)', 'usage_amount_in_pricing_units') }}
        end as list_unit_price
    from categorized

),

mapped as (

    select
        priced.zone as AvailabilityZone,
        priced.billed_cost as BilledCost,
        priced.billing_account_id as BillingAccountId,
        -- the export carries no account name: the id stands in (FOCUS: not null where accounts have names)
        priced.billing_account_id as BillingAccountName,
        priced.currency as BillingCurrency,
        {{ next_month_start('priced.invoice_month_start_at') }} as BillingPeriodEnd,
        priced.invoice_month_start_at as BillingPeriodStart,
        priced.charge_category as ChargeCategory,
        cast(null as {{ dbt.type_string() }}) as ChargeClass,
        case when priced.row_kind = 'credit' then coalesce(priced.credit_full_name, priced.credit_name) else priced.sku_description end
            as ChargeDescription,
        case when priced.charge_category in ('Usage', 'Credit') then 'Usage-Based' else 'One-Time' end as ChargeFrequency,
        priced.usage_end_at as ChargePeriodEnd,
        priced.usage_start_at as ChargePeriodStart,
        case when priced.is_priced then priced.usage_amount end as ConsumedQuantity,
        case when priced.is_priced then coalesce(consumed_units.focus_unit, priced.usage_unit) end as ConsumedUnit,
        case when priced.is_priced then cast(priced.contracted_unit_price as {{ money_type() }}) end as ContractedUnitPrice,
        case when priced.row_kind = 'credit' then priced.billed_cost else priced.cost end as ContractedCost,
        priced.billed_cost as EffectiveCost,
        -- GCP invoices its own services; a marketplace seller is the publisher
        'Google Cloud' as InvoiceIssuerName,
        case when priced.is_priced then cast(priced.list_unit_price as {{ money_type() }}) end as ListUnitPrice,
        case when priced.row_kind = 'credit' then priced.billed_cost else coalesce(priced.cost_at_list, priced.cost) end as ListCost,
        case when priced.is_priced then 'Standard' end as PricingCategory,
        case when priced.is_priced then priced.usage_amount_in_pricing_units end as PricingQuantity,
        case when priced.is_priced then coalesce(pricing_units.focus_unit, priced.pricing_unit, 'Units') end as PricingUnit,
        'Google Cloud' as ProviderName,
        case
            when priced.transaction_type = 'THIRD_PARTY_RESELLER' or priced.seller_name not in ('Google', 'Google LLC')
                then priced.seller_name
            else 'Google Cloud'
        end as PublisherName,
        priced.region as RegionId,
        case when priced.region is not null then coalesce(regions.region_name, priced.region) end as RegionName,
        priced.resource_global_name as ResourceId,
        priced.resource_name as ResourceName,
        case when priced.resource_global_name is not null then priced.service_description end as ResourceType,
        coalesce(services.service_category, 'Other') as ServiceCategory,
        coalesce(priced.service_description, services.service_name, 'Google Cloud') as ServiceName,
        coalesce(services.service_subcategory, 'Other (Other)') as ServiceSubcategory,
        case when priced.is_priced then priced.sku_id end as SkuId,
        case when priced.is_priced then priced.sku_description end as SkuMeter,
        -- a GCP SKU has one list price per tier: the SKU id identifies the price point
        case when priced.is_priced then priced.sku_id end as SkuPriceId,
        priced.project_id as SubAccountId,
        priced.project_name as SubAccountName,
        case when priced.project_id is not null then 'Project' end as SubAccountType,
        priced.labels as Tags,
        'gcp_billing' as x_source,
        priced.source_file as x_source_file,
        priced.file_id as x_file_id,
        case when priced.row_kind = 'credit' then priced.credit_type else priced.cost_type end as x_line_item_type,
        'gcp_project' as x_account_key_type,
        priced.project_id as x_account_key
    from priced
    left join services
        on priced.service_id = services.service_id
    left join regions
        on priced.region = regions.region_id
    left join units as pricing_units
        on priced.pricing_unit = pricing_units.provider_unit
    left join units as consumed_units
        on priced.usage_unit = consumed_units.provider_unit

),

final as (

    select
        *,
        -- a GKE workload's tenant label arrives as k8s-label/tenant (GKE cost allocation)
        coalesce({{ json_get_string('Tags', 'tenant') }}, {{ json_get_string('Tags', 'k8s-label/tenant') }}) as x_tag_tenant
    from mapped

)

select * from final
