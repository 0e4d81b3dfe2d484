{#- Azure cost-details rows (EA and MCA column sets, unified on load), renamed and cast only. -#}
with

source as (

    select * from {{ source('azure_cost', 'azure_cost_details') }}

),

renamed as (

    select
        -- ids
        _file_id as file_id,
        _source_file as source_file,
        agreement_type,
        billing_account_id,
        billing_account_name,
        billing_profile_id,
        billing_profile_name,
        invoice_id,
        invoice_section_name,
        subscription_id,
        subscription_name,
        resource_group,
        resource_id,
        resource_name,
        meter_id,
        product_id,
        part_number,
        reservation_id,
        reservation_name,
        benefit_id,
        benefit_name,

        -- strings
        charge_type,
        pricing_model,
        frequency,
        resource_location,
        availability_zone,
        meter_name,
        meter_category,
        meter_subcategory,
        meter_region,
        product_name,
        service_family,
        consumed_service,
        unit_of_measure,
        billing_currency,
        pricing_currency,
        publisher_type,
        publisher_name,
        term,
        cost_center,
        tags,
        additional_info,

        -- money and quantities
        cast(quantity as {{ quantity_type() }}) as quantity,
        cast(effective_price as {{ money_type() }}) as effective_price,
        cast(unit_price as {{ money_type() }}) as unit_price,
        cast(payg_price as {{ money_type() }}) as payg_price,
        cast(cost_in_billing_currency as {{ money_type() }}) as cost_in_billing_currency,
        cast(cost_in_pricing_currency as {{ money_type() }}) as cost_in_pricing_currency,
        cast(payg_cost_in_billing_currency as {{ money_type() }}) as payg_cost_in_billing_currency,
        cast(exchange_rate_pricing_to_billing as {{ quantity_type() }}) as exchange_rate_pricing_to_billing,

        -- dates (the exporter's day, UTC)
        cast(usage_date as {{ timestamp_type() }}) as usage_date_at,
        cast(billing_period_start_date as {{ timestamp_type() }}) as billing_period_start_at,
        -- Azure writes the last day of the period; FOCUS period ends are exclusive (+1 day)
        cast(billing_period_end_date as {{ timestamp_type() }}) as billing_period_last_day_at

    from source

)

select * from renamed
