with

source as (

    select * from {{ source('platform_jobs', 'platform_jobs') }}

),

renamed as (

    select
        _file_id as file_id,
        _source_file as source_file,
        job_id,
        tenant as tenant_key,
        cluster,
        cast(started_at as {{ timestamp_type() }}) as started_at,
        cast(ended_at as {{ timestamp_type() }}) as ended_at,
        cast(vcpu as {{ quantity_type() }}) as vcpu,
        cast(memory_gb as {{ quantity_type() }}) as memory_gb,
        cast(usage_date as date) as usage_date,
        cast(seconds as bigint) as seconds,
        cast(vcpu_seconds as {{ quantity_type() }}) as vcpu_seconds,
        cast(memory_gb_seconds as {{ quantity_type() }}) as memory_gb_seconds

    from source

)

select * from renamed
