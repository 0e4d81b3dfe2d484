with

source as (

    select * from {{ source('selfhosted_llm', 'selfhosted_llm_token_lines') }}

),

renamed as (

    select
        -- ids
        _file_id as file_id,
        _source_file as source_file,
        cast(record_index as bigint) as record_index,
        fleet_name,
        request_id,
        api_key_id,
        tenant as tenant_header,
        host,

        -- strings
        model,
        status,
        token_type,

        -- quantities
        cast(tokens as bigint) as tokens,
        cast(requests as bigint) as requests,
        cast(latency_ms as bigint) as latency_ms,

        -- timestamps (UTC)
        cast(request_at as {{ timestamp_type() }}) as request_at

    from source

)

select * from renamed
