{#- GCP Cloud Billing export rows as FOCUS 1.2 charges, one output row per staged row.
    Credits: every credits[] entry is its own Credit row (BilledCost = EffectiveCost = ListCost =
    ContractedCost = the credit's amount) and the export row keeps its full cost, so a credit is
    counted once, on its own row, and sum(BilledCost) is what GCP invoices: cost + credits.
    Committed use discounts (CUDs): a commitment fee (SKU "Commitment v1: ..." resource-based,
    "Commitment - dollar based v1: ..." spend-based) is a recurring Purchase; a usage row a CUD
    covered (it has a CUD credit, or the new data model's subscription.instance_id) is Used and
    priced Committed; CUD credits (and the new model's fee utilization offset) carry the commitment.
    The commitment id is subscription.instance_id where the export has it, else the credit's id;
    a legacy fee row names no commitment, so it stays a Purchase without CommitmentDiscountId. -#}
{%- set cud_credit_types = "'COMMITTED_USAGE_DISCOUNT', 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE', 'FEE_UTILIZATION_OFFSET'" -%}

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

cud_credits as (

    -- the CUD that covered an export row: a usage row may carry other credits beside it
    select
        file_id,
        export_row,
        min(coalesce(subscription_instance_id, credit_id, credit_full_name, credit_name)) as commitment_id,
        min(credit_type) as credit_type
    from export_rows
    where row_kind = 'credit' and credit_type in ({{ cud_credit_types }})
    group by file_id, export_row

),

with_commitments as (

    select
        export_rows.*,
        export_rows.row_kind = 'cost' and export_rows.cost_type = 'regular'
        and export_rows.sku_description like 'Commitment%' as is_commitment_fee,
        case
            when export_rows.row_kind = 'credit' and export_rows.credit_type in ({{ cud_credit_types }})
                then coalesce(
                        export_rows.subscription_instance_id, export_rows.credit_id, export_rows.credit_full_name, export_rows.credit_name
                    )
            when export_rows.row_kind = 'cost' then coalesce(export_rows.subscription_instance_id, cud_credits.commitment_id)
        end as commitment_id,
        case
            when export_rows.row_kind = 'credit' and export_rows.credit_type = 'COMMITTED_USAGE_DISCOUNT' then 'Usage'
            when export_rows.row_kind = 'credit' and export_rows.credit_type in ({{ cud_credit_types }}) then 'Spend'
            when export_rows.row_kind = 'credit' then null
            -- the new data model (subscription.instance_id) is spend-based CUDs only
            when export_rows.subscription_instance_id is not null then 'Spend'
            when cud_credits.credit_type = 'COMMITTED_USAGE_DISCOUNT' then 'Usage'
            when cud_credits.credit_type is not null then 'Spend'
        end as commitment_category
    from export_rows
    left join cud_credits
        on export_rows.row_kind = 'cost'
            and export_rows.file_id = cud_credits.file_id
            and export_rows.export_row = cud_credits.export_row

),

categorized as (

    select
        with_commitments.*,
        case
            when row_kind = 'credit' then 'Credit'
            when is_commitment_fee then 'Purchase'
            when cost_type = 'regular' then 'Usage'
            when cost_type = 'tax' then 'Tax'
            -- adjustment and rounding_error rows correct or round the invoice
            else 'Adjustment'
        end as charge_category,
        case when row_kind = 'credit' then credit_amount else cost end as billed_cost
    from with_commitments

),

priced as (

    select
        categorized.*,
        -- prices only on usage and purchase rows (tax, adjustments and credits carry none)
        charge_category in ('Usage', 'Purchase') as is_priced,
        -- a commitment fee names its commitment only in the new data model
        case when not is_commitment_fee or subscription_instance_id is not null then commitment_id end as commitment_discount_id,
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
        case
            when priced.charge_category = 'Purchase' then 'Recurring'
            when priced.charge_category in ('Usage', 'Credit') then 'Usage-Based'
            else 'One-Time'
        end as ChargeFrequency,
        priced.usage_end_at as ChargePeriodEnd,
        priced.usage_start_at as ChargePeriodStart,
        case when priced.commitment_discount_id is not null then priced.commitment_category end as CommitmentDiscountCategory,
        priced.commitment_discount_id as CommitmentDiscountId,
        case
            when priced.commitment_discount_id is null then null
            when priced.row_kind = 'credit' then coalesce(priced.credit_full_name, priced.credit_name)
            when priced.is_commitment_fee then priced.sku_description
        end as CommitmentDiscountName,
        case when priced.commitment_discount_id is not null and priced.charge_category = 'Usage' then 'Used' end
            as CommitmentDiscountStatus,
        case
            when priced.commitment_discount_id is null then null
            when priced.commitment_category = 'Usage' then 'Resource-based Committed Use Discount'
            else 'Spend-based Committed Use Discount'
        end as CommitmentDiscountType,
        case when priced.charge_category = 'Usage' then priced.usage_amount end as ConsumedQuantity,
        case when priced.charge_category = 'Usage' then coalesce(consumed_units.focus_unit, priced.usage_unit) end as ConsumedUnit,
        case when priced.is_priced then cast(priced.contracted_unit_price as {{ money_type() }}) end as ContractedUnitPrice,
        case when priced.row_kind = 'credit' then priced.billed_cost else priced.cost end as ContractedCost,
        priced.billed_cost as EffectiveCost,
        -- GCP invoices its own services; a marketplace seller is the publisher
        'Google Cloud' as InvoiceIssuerName,
        case when priced.is_priced then cast(priced.list_unit_price as {{ money_type() }}) end as ListUnitPrice,
        case when priced.row_kind = 'credit' then priced.billed_cost else coalesce(priced.cost_at_list, priced.cost) end as ListCost,
        case
            when not priced.is_priced then null
            when priced.charge_category = 'Usage' and priced.commitment_discount_id is not null then 'Committed'
            else 'Standard'
        end as PricingCategory,
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
