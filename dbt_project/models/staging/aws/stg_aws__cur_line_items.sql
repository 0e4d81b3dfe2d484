with

source as (

    select * from {{ source('aws_cur', 'aws_cur_line_items') }}

),

renamed as (

    select
        -- ids
        identity_line_item_id as line_item_id,
        _file_id as file_id,
        _source_file as source_file,
        bill_payer_account_id as payer_account_id,
        bill_payer_account_name as payer_account_name,
        line_item_usage_account_id as usage_account_id,
        line_item_usage_account_name as usage_account_name,
        bill_invoice_id as invoice_id,
        nullif(line_item_resource_id, '') as resource_id,
        reservation_reservation_a_r_n as reservation_arn,
        savings_plan_savings_plan_a_r_n as savings_plan_arn,

        -- strings
        line_item_line_item_type as line_item_type,
        line_item_product_code as product_code,
        nullif(line_item_usage_type, '') as usage_type,
        nullif(line_item_operation, '') as operation,
        line_item_line_item_description as line_item_description,
        nullif(line_item_availability_zone, '') as availability_zone,
        nullif(product_region_code, '') as region_code,
        bill_invoicing_entity as invoicing_entity,
        line_item_currency_code as currency_code,
        nullif(pricing_unit, '') as pricing_unit,
        nullif(pricing_purchase_option, '') as purchase_option,
        nullif(pricing_term, '') as pricing_term,
        nullif(pricing_rate_code, '') as pricing_rate_code,
        nullif(product_sku, '') as product_sku,
        nullif(product_product_family, '') as product_family,
        nullif(product_instance_type, '') as instance_type,
        nullif(line_item_tax_type, '') as tax_type,
        resource_tags,

        -- money and quantities
        cast(line_item_unblended_cost as {{ money_type() }}) as unblended_cost,
        cast(line_item_net_unblended_cost as {{ money_type() }}) as net_unblended_cost,
        cast(line_item_unblended_rate as {{ money_type() }}) as unblended_rate,
        cast(line_item_usage_amount as {{ quantity_type() }}) as usage_amount,
        cast(pricing_public_on_demand_rate as {{ money_type() }}) as public_on_demand_rate,
        cast(pricing_public_on_demand_cost as {{ money_type() }}) as public_on_demand_cost,
        cast(reservation_effective_cost as {{ money_type() }}) as reservation_effective_cost,
        cast(reservation_unused_amortized_upfront_fee_for_billing_period as {{ money_type() }}) as reservation_unused_amortized_upfront_fee,
        cast(reservation_unused_recurring_fee as {{ money_type() }}) as reservation_unused_recurring_fee,
        cast(savings_plan_savings_plan_effective_cost as {{ money_type() }}) as savings_plan_effective_cost,
        cast(savings_plan_total_commitment_to_date as {{ money_type() }}) as savings_plan_total_commitment_to_date,
        cast(savings_plan_used_commitment as {{ money_type() }}) as savings_plan_used_commitment,

        -- split cost allocation data (ECS tasks / EKS pods): a share of the parent instance's
        -- cost, which stays on the parent's own row (docs/container_costs.md)
        nullif(split_line_item_parent_resource_id, '') as split_parent_resource_id,
        cast(split_line_item_split_cost as {{ money_type() }}) as split_cost,
        cast(split_line_item_unused_cost as {{ money_type() }}) as split_unused_cost,
        cast(split_line_item_net_split_cost as {{ money_type() }}) as split_net_split_cost,
        cast(split_line_item_net_unused_cost as {{ money_type() }}) as split_net_unused_cost,
        cast(split_line_item_split_usage as {{ quantity_type() }}) as split_usage,
        cast(split_line_item_split_usage_ratio as {{ quantity_type() }}) as split_usage_ratio,
        cast(split_line_item_actual_usage as {{ quantity_type() }}) as split_actual_usage,
        cast(split_line_item_reserved_usage as {{ quantity_type() }}) as split_reserved_usage,

        -- timestamps (UTC)
        cast(line_item_usage_start_date as {{ timestamp_type() }}) as usage_start_at,
        cast(line_item_usage_end_date as {{ timestamp_type() }}) as usage_end_at,
        cast(bill_billing_period_start_date as {{ timestamp_type() }}) as billing_period_start_at

    from source

)

select * from renamed
