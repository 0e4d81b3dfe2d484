{#- Provider-native FOCUS export rows (1.0 to 1.2) upgraded to FOCUS 1.2 values, one output row
    per input row; BilledCost passes through unchanged (per-file conservation).
    Upgrades: enum spellings (focus_enum), ChargeFrequency where 1.0 left it empty, one
    ServiceCategory and ServiceSubcategory per ServiceName (1.1+ rule: the curated service seeds,
    else the name's most frequent value in the exports, else 'Other (<category>)'), ContractedCost
    and ContractedUnitPrice where an exporter left them null (FOCUS: without negotiated discounts the
    contracted cost is the list cost), units from seed unit_map, InvoiceIssuerName/PublisherName from
    ProviderName when missing. -#}
with

export_rows as (

    select * from {{ ref('stg_focus__export_rows') }}

),

aws_services as (

    select * from {{ ref('aws_services') }}

),

gcp_services as (

    select * from {{ ref('gcp_services') }}

),

azure_services as (

    select * from {{ ref('azure_services') }}

),

aws_regions as (

    select * from {{ ref('aws_regions') }}

),

gcp_regions as (

    select * from {{ ref('gcp_regions') }}

),

azure_regions as (

    select * from {{ ref('azure_regions') }}

),

units as (

    select * from {{ ref('unit_map') }} where source = 'focus'

),

known_regions as (

    select region_id, min(region_name) as region_name
    from (
        select region_id, region_name from aws_regions
        union all
        select region_id, region_name from gcp_regions
        union all
        select region_id, region_name from azure_regions
    ) as seeded
    group by region_id

),

known_services as (

    select service_name, min(service_category) as service_category, min(service_subcategory) as service_subcategory
    from (
        select service_name, service_category, service_subcategory from aws_services
        union all
        select service_name, service_category, service_subcategory from gcp_services
        union all
        select service_name, service_category, service_subcategory from azure_services
    ) as seeded
    group by service_name

),

normalized as (

    select
        export_rows.*,
        {{ focus_enum('ChargeCategory', 'ChargeCategory') }} as charge_category,
        {{ focus_enum('ChargeClass', 'ChargeClass') }} as charge_class,
        {{ focus_enum('ChargeFrequency', 'ChargeFrequency') }} as charge_frequency,
        {{ focus_enum('PricingCategory', 'PricingCategory') }} as pricing_category,
        {{ focus_enum('CommitmentDiscountCategory', 'CommitmentDiscountCategory') }} as commitment_discount_category,
        {{ focus_enum('CommitmentDiscountStatus', 'CommitmentDiscountStatus') }} as commitment_discount_status,
        {{ focus_enum('CapacityReservationStatus', 'CapacityReservationStatus') }} as capacity_reservation_status,
        {{ focus_enum('ServiceCategory', 'ServiceCategory') }} as delivered_service_category,
        -- unit prices are non-negative in FOCUS: a negative one (a 1.0 credit row) is dropped, its cost kept
        case when ListUnitPrice >= 0 then ListUnitPrice end as list_unit_price,
        case when ContractedUnitPrice >= 0 then ContractedUnitPrice end as contracted_unit_price,
        coalesce(RegionId, RegionName) as region_id
    from export_rows

),

classified as (

    select
        normalized.*,
        charge_category = 'Usage' and coalesce(commitment_discount_status, '') <> 'Unused' as is_consumption
    from normalized

),

category_votes as (

    select
        ServiceName as service_name,
        delivered_service_category as service_category,
        row_number() over (partition by ServiceName order by count(*) desc, delivered_service_category) as rank_in_name
    from normalized
    group by ServiceName, delivered_service_category

),

service_categories as (

    select
        category_votes.service_name,
        coalesce(known_services.service_category, category_votes.service_category) as service_category,
        known_services.service_subcategory as seeded_subcategory
    from category_votes
    left join known_services
        on category_votes.service_name = known_services.service_name
    where category_votes.rank_in_name = 1

),

subcategory_votes as (

    select
        normalized.ServiceName as service_name,
        normalized.ServiceSubcategory as service_subcategory,
        row_number() over (partition by normalized.ServiceName order by count(*) desc, normalized.ServiceSubcategory)
            as rank_in_name
    from normalized
    inner join service_categories
        on normalized.ServiceName = service_categories.service_name
            and normalized.delivered_service_category = service_categories.service_category
    where normalized.ServiceSubcategory is not null
    group by normalized.ServiceName, normalized.ServiceSubcategory

),

services as (

    select
        service_categories.service_name,
        service_categories.service_category,
        coalesce(
            service_categories.seeded_subcategory,
            subcategory_votes.service_subcategory,
            {{ dbt.concat(["'Other ('", "service_categories.service_category", "')'"]) }}
        ) as service_subcategory
    from service_categories
    left join subcategory_votes
        on service_categories.service_name = subcategory_votes.service_name
            and subcategory_votes.rank_in_name = 1

),

mapped as (

    select
        normalized.AvailabilityZone,
        normalized.BilledCost,
        normalized.BillingAccountId,
        -- FOCUS 1.2: not null where the provider names accounts; the id stands in for a missing name
        coalesce(normalized.BillingAccountName, normalized.BillingAccountId) as BillingAccountName,
        normalized.BillingAccountType,
        normalized.BillingCurrency,
        normalized.BillingPeriodEnd,
        normalized.BillingPeriodStart,
        normalized.CapacityReservationId,
        normalized.capacity_reservation_status as CapacityReservationStatus,
        normalized.charge_category as ChargeCategory,
        normalized.charge_class as ChargeClass,
        normalized.ChargeDescription,
        coalesce(
            normalized.charge_frequency,
            case when normalized.charge_category = 'Usage' then 'Usage-Based' else 'One-Time' end
        ) as ChargeFrequency,
        normalized.ChargePeriodEnd,
        normalized.ChargePeriodStart,
        normalized.commitment_discount_category as CommitmentDiscountCategory,
        normalized.CommitmentDiscountId,
        normalized.CommitmentDiscountName,
        normalized.CommitmentDiscountQuantity,
        normalized.commitment_discount_status as CommitmentDiscountStatus,
        normalized.CommitmentDiscountType,
        normalized.CommitmentDiscountUnit,
        -- consumption is measured on usage, never on other categories or unused commitments
        case when normalized.is_consumption then normalized.ConsumedQuantity end as ConsumedQuantity,
        case when normalized.is_consumption and normalized.ConsumedQuantity is not null
                then coalesce(consumed_units.focus_unit, normalized.ConsumedUnit)
        end as ConsumedUnit,
        coalesce(
            normalized.ContractedCost,
            {{ dbt.safe_cast('normalized.contracted_unit_price * normalized.PricingQuantity', money_type()) }},
            normalized.ListCost
        ) as ContractedCost,
        case
            when normalized.ContractedUnitPrice is null and normalized.ContractedCost is null then normalized.list_unit_price
            else normalized.contracted_unit_price
        end as ContractedUnitPrice,
        normalized.EffectiveCost,
        normalized.InvoiceId,
        coalesce(normalized.InvoiceIssuerName, normalized.ProviderName, normalized.ServiceProviderName) as InvoiceIssuerName,
        normalized.ListCost,
        normalized.list_unit_price as ListUnitPrice,
        normalized.pricing_category as PricingCategory,
        normalized.PricingCurrency,
        -- priced in the billing currency: the pricing-currency amounts are the billing ones
        coalesce(
            normalized.PricingCurrencyContractedUnitPrice,
            case when normalized.PricingCurrency = normalized.BillingCurrency then normalized.contracted_unit_price end
        ) as PricingCurrencyContractedUnitPrice,
        coalesce(
            normalized.PricingCurrencyEffectiveCost,
            case when normalized.PricingCurrency = normalized.BillingCurrency then normalized.EffectiveCost end
        ) as PricingCurrencyEffectiveCost,
        coalesce(
            normalized.PricingCurrencyListUnitPrice,
            case when normalized.PricingCurrency = normalized.BillingCurrency then normalized.list_unit_price end
        ) as PricingCurrencyListUnitPrice,
        normalized.PricingQuantity,
        case when normalized.PricingQuantity is not null then coalesce(pricing_units.focus_unit, normalized.PricingUnit) end
            as PricingUnit,
        -- FOCUS 1.3 deprecates ProviderName/PublisherName for ServiceProviderName: either fills the other
        coalesce(normalized.ProviderName, normalized.ServiceProviderName) as ProviderName,
        coalesce(normalized.PublisherName, normalized.ServiceProviderName, normalized.ProviderName) as PublisherName,
        coalesce(normalized.ServiceProviderName, normalized.ProviderName) as ServiceProviderName,
        coalesce(normalized.HostProviderName, normalized.ServiceProviderName, normalized.ProviderName) as HostProviderName,
        -- a provider's own split cost allocation and contract application pass through as exported
        normalized.AllocatedMethodDetails,
        normalized.AllocatedMethodId,
        normalized.AllocatedResourceId,
        normalized.AllocatedResourceName,
        normalized.AllocatedTags,
        normalized.ContractApplied,
        -- FOCUS 1.2 sets RegionId and RegionName together (1.0 exports had a name without an id)
        normalized.region_id as RegionId,
        coalesce(normalized.RegionName, known_regions.region_name, normalized.region_id) as RegionName,
        normalized.ResourceId,
        case when normalized.ResourceId is not null then normalized.ResourceName end as ResourceName,
        -- ResourceType goes with ResourceId: the service names a resource whose type was not exported
        case when normalized.ResourceId is not null then coalesce(normalized.ResourceType, normalized.ServiceName) end
            as ResourceType,
        services.service_category as ServiceCategory,
        normalized.ServiceName,
        services.service_subcategory as ServiceSubcategory,
        normalized.SkuId,
        -- SkuMeter (1.1) names what a SKU meters: a 1.0 export's metered unit stands in for it
        case when normalized.SkuId is not null
                then coalesce(normalized.SkuMeter, normalized.ConsumedUnit, normalized.PricingUnit)
        end as SkuMeter,
        nullif(normalized.SkuPriceDetails, '{}') as SkuPriceDetails,
        normalized.SkuPriceId,
        normalized.SubAccountId,
        normalized.SubAccountName,
        normalized.SubAccountType,
        nullif(normalized.Tags, '{}') as Tags,
        'focus' as x_source,
        normalized.source_file as x_source_file,
        normalized.file_id as x_file_id,
        normalized.charge_category as x_line_item_type,
        -- the tenant map keys sub-accounts by provider, as the provider-specific sources do
        case
            when lower(normalized.ProviderName) like 'aws%' or lower(normalized.ProviderName) like 'amazon%' then 'aws_account'
            when lower(normalized.ProviderName) like 'microsoft%' or lower(normalized.ProviderName) like 'azure%'
                then 'azure_subscription'
            when lower(normalized.ProviderName) like 'google%' then 'gcp_project'
            else 'focus_sub_account'
        end as x_account_key_type,
        replace(normalized.SubAccountId, '/subscriptions/', '') as x_account_key
    from classified as normalized
    left join services
        on normalized.ServiceName = services.service_name
    left join known_regions
        on normalized.region_id = known_regions.region_id
    left join units as pricing_units
        on normalized.PricingUnit = pricing_units.provider_unit
    left join units as consumed_units
        on normalized.ConsumedUnit = consumed_units.provider_unit

),

final as (

    select
        *,
        {{ json_get_string('Tags', 'tenant') }} as x_tag_tenant
    from mapped

)

select * from final
