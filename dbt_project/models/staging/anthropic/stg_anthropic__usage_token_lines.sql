with

source as (

    select * from {{ source('anthropic_usage', 'anthropic_usage_token_lines') }}

),

renamed as (

    select
        -- ids
        _file_id as file_id,
        _source_file as source_file,
        cast(record_index as bigint) as record_index,
        organization_id,
        workspace_id,
        api_key_id,

        -- strings
        model,
        service_tier,
        context_window,
        token_type,

        -- quantities
        cast(tokens as bigint) as tokens,
        cast(requests as bigint) as requests,

        -- timestamps (UTC)
        cast(bucket_starting_at as {{ timestamp_type() }}) as bucket_start_at,
        cast(bucket_ending_at as {{ timestamp_type() }}) as bucket_end_at

    from source

)

select * from renamed
