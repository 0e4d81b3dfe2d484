with

source as (

    select * from {{ source('anthropic_costs', 'anthropic_cost_lines') }}

),

renamed as (

    select
        -- ids
        _file_id as file_id,
        _source_file as source_file,
        cast(record_index as bigint) as record_index,
        organization_id,
        workspace_id,

        -- strings
        description,
        cost_type,
        model,
        token_type,
        service_tier,
        context_window,
        inference_geo,
        currency,

        -- money
        cast(amount_minor as decimal(38, 12)) as billed_cost_minor_units,
        cast(amount as {{ money_type() }}) as billed_cost,

        -- timestamps (UTC)
        cast(bucket_starting_at as {{ timestamp_type() }}) as bucket_start_at,
        cast(bucket_ending_at as {{ timestamp_type() }}) as bucket_end_at

    from source

)

select * from renamed
