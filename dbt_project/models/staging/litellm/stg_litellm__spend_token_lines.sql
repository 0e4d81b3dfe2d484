with

source as (

    select * from {{ source('litellm_spend', 'litellm_spend_token_lines') }}

),

renamed as (

    select
        -- ids
        _file_id as file_id,
        _source_file as source_file,
        cast(record_index as bigint) as record_index,
        proxy_name,
        request_id,
        api_key as api_key_hash,
        team_id,
        user_id,
        end_user,
        model_id,

        -- strings
        call_type,
        model,
        model_group,
        custom_llm_provider,
        api_base,
        status,
        token_type,
        metadata,

        -- quantities and money
        cast(tokens as bigint) as tokens,
        cast(requests as bigint) as requests,
        cast(request_spend as {{ money_type() }}) as request_spend,

        -- timestamps (UTC)
        cast(start_time as {{ timestamp_type() }}) as request_start_at,
        cast(end_time as {{ timestamp_type() }}) as request_end_at

    from source

)

select * from renamed
