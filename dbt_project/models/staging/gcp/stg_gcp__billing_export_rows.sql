{#- GCP billing export rows as loaded: one row per export row (row_kind 'cost') plus one per
    credit of that row (row_kind 'credit'). Renamed and cast only. -#}
with

source as (

    select * from {{ source('gcp_billing', 'gcp_billing_export_rows') }}

),

renamed as (

    select
        -- ids
        _file_id as file_id,
        _source_file as source_file,
        row_kind,
        export_row,
        credit_index,
        billing_account_id,
        nullif(project_id, '') as project_id,
        nullif(project_number, '') as project_number,
        nullif(project_name, '') as project_name,
        nullif(resource_name, '') as resource_name,
        nullif(resource_global_name, '') as resource_global_name,
        nullif(credit_id, '') as credit_id,
        nullif(subscription_instance_id, '') as subscription_instance_id,

        -- strings
        invoice_month,
        cost_type,
        nullif(service_id, '') as service_id,
        nullif(service_description, '') as service_description,
        nullif(sku_id, '') as sku_id,
        nullif(sku_description, '') as sku_description,
        labels,
        project_labels,
        nullif(location, '') as location,
        nullif(country, '') as country,
        nullif(region, '') as region,
        nullif(zone, '') as zone,
        nullif(usage_unit, '') as usage_unit,
        nullif(usage_pricing_unit, '') as pricing_unit,
        nullif(price_unit, '') as price_unit,
        currency,
        nullif(transaction_type, '') as transaction_type,
        nullif(seller_name, '') as seller_name,
        nullif(credit_name, '') as credit_name,
        nullif(credit_full_name, '') as credit_full_name,
        nullif(credit_type, '') as credit_type,

        -- money and quantities
        cast(cost as {{ money_type() }}) as cost,
        cast(cost_at_list as {{ money_type() }}) as cost_at_list,
        cast(credit_amount as {{ money_type() }}) as credit_amount,
        cast(price_effective_price as {{ money_type() }}) as effective_price,
        cast(price_pricing_unit_quantity as {{ quantity_type() }}) as pricing_unit_quantity,
        cast(currency_conversion_rate as {{ quantity_type() }}) as currency_conversion_rate,
        cast(usage_amount as {{ quantity_type() }}) as usage_amount,
        cast(usage_amount_in_pricing_units as {{ quantity_type() }}) as usage_amount_in_pricing_units,

        -- timestamps (UTC)
        cast(usage_start_time as {{ timestamp_type() }}) as usage_start_at,
        cast(usage_end_time as {{ timestamp_type() }}) as usage_end_at,
        cast(export_time as {{ timestamp_type() }}) as exported_at,
        cast(
            {{ dbt.concat(["substr(invoice_month, 1, 4)", "'-'", "substr(invoice_month, 5, 2)", "'-01'"]) }}
            as {{ timestamp_type() }}
        ) as invoice_month_start_at

    from source

)

select * from renamed
