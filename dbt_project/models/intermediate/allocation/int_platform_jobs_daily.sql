{#- The platform job log per day, cluster and tenant: requested vCPU- and memory-seconds, the
    drivers job_vcpu_seconds / job_memory_gb_seconds of a shared cluster's pool
    `cluster:<cluster>`. The job's tenant is a tenant name, or a key the tenant map lists under
    key_type platform_tenant; otherwise `unallocated`. -#}
with

job_days as (

    select * from {{ ref('stg_platform_jobs__job_days') }}
    where {{ in_build_months('usage_date') }}

),

tenant_map as (

    select * from {{ ref('tenant_map') }}

),

known_tenants as (

    select distinct tenant from tenant_map

),

attributed as (

    select
        job_days.*,
        coalesce(tenant_map.tenant, known_tenants.tenant, 'unallocated') as tenant
    from job_days
    left join tenant_map
        on tenant_map.key_type = 'platform_tenant'
            and tenant_map.key_value = job_days.tenant_key
    left join known_tenants
        on known_tenants.tenant = job_days.tenant_key

),

final as (

    select
        usage_date,
        cluster,
        tenant,
        count(*) as jobs,
        sum(seconds) as seconds,
        sum(vcpu_seconds) as vcpu_seconds,
        sum(memory_gb_seconds) as memory_gb_seconds
    from attributed
    group by 1, 2, 3

)

select * from final
