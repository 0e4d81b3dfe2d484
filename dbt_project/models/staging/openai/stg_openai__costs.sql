with

source as (

    select * from {{ source('openai_costs', 'openai_cost_lines') }}

),

renamed as (

    select
        -- ids
        _file_id as file_id,
        _source_file as source_file,
        cast(record_index as bigint) as record_index,
        organization_id,
        project_id,

        -- strings
        line_item,
        currency,

        -- money
        cast(amount_value as {{ money_type() }}) as billed_cost,

        -- timestamps (UTC)
        cast(bucket_start_time as {{ timestamp_type() }}) as bucket_start_at,
        cast(bucket_end_time as {{ timestamp_type() }}) as bucket_end_at

    from source

)

select * from renamed
