with

source as (

    select * from {{ source('openai_usage', 'openai_usage_token_lines') }}

),

renamed as (

    select
        -- ids
        _file_id as file_id,
        _source_file as source_file,
        cast(record_index as bigint) as record_index,
        organization_id,
        project_id,
        user_id,
        api_key_id,

        -- strings
        model,
        service_tier,
        token_type,

        -- booleans
        coalesce(batch, false) as is_batch,

        -- quantities
        cast(tokens as bigint) as tokens,
        cast(requests as bigint) as requests,

        -- timestamps (UTC)
        cast(bucket_start_time as {{ timestamp_type() }}) as bucket_start_at,
        cast(bucket_end_time as {{ timestamp_type() }}) as bucket_end_at

    from source

)

select * from renamed
