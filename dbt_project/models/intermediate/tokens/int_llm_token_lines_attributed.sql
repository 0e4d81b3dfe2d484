{#- Each priced token line attributed to a tenant with seeds/allocation/tenant_map, the way
    int_charges_classified attributes a FOCUS charge: a tenant tag first (the self-hosted
    gateway's tenant header), then the line's account key. The account key is the source's
    own grouping (OpenAI project, Anthropic workspace, LiteLLM team, gateway key) unless only
    the API key is in the tenant map; the key that attributed the line is carried to the FOCUS
    row (x_account_key_type / x_account_key) so that both attribute it alike. Unknown keys go
    to the visible 'unallocated' tenant. -#}
with

lines as (

    select * from {{ ref('int_llm_token_lines_priced') }}
    where {{ in_build_months('usage_start_at') }}

),

tenant_map as (

    select * from {{ ref('tenant_map') }}

),

mapped as (

    select
        lines.*,
        tag_map.tenant as tag_map_tenant,
        primary_map.tenant as primary_map_tenant,
        key_map.tenant as key_map_tenant
    from lines
    left join tenant_map as tag_map
        on tag_map.key_type = 'tag'
            and tag_map.key_value = lines.tag_tenant
    left join tenant_map as primary_map
        on primary_map.key_type = lines.primary_key_type
            and primary_map.key_value = lines.primary_key
    left join tenant_map as key_map
        on key_map.key_type = 'api_key'
            and key_map.key_value = lines.api_key_id

),

final as (

    select
        mapped.*,
        case
            when primary_map_tenant is null and key_map_tenant is not null then 'api_key'
            else primary_key_type
        end as account_key_type,
        case
            when primary_map_tenant is null and key_map_tenant is not null then api_key_id
            else primary_key
        end as account_key,
        coalesce(tag_map_tenant, primary_map_tenant, key_map_tenant, 'unallocated') as tenant,
        case
            when tag_map_tenant is not null then 'tenant_map:tag'
            when primary_map_tenant is not null then {{ dbt.concat(["'tenant_map:'", "primary_key_type"]) }}
            when key_map_tenant is not null then 'tenant_map:api_key'
            else 'no_rule_unallocated'
        end as tenant_rule
    from mapped

)

select * from final
