{#- Every LLM token line (one record x token type) of the four sources in one column list:
    the provider, the billing account and sub-account, the keys the tenant map can attribute
    by, the service tier to price at, and the usage day. One output row per staged row.
    A usage page fetched without grouping by model has model null: the line keeps the visible
    name below (never priced, alerted by the ungrouped_token_usage check), never a NULL. -#}
with

openai_lines as (

    select * from {{ ref('stg_openai__usage_token_lines') }}

),

anthropic_lines as (

    select * from {{ ref('stg_anthropic__usage_token_lines') }}

),

litellm_lines as (

    select * from {{ ref('stg_litellm__spend_token_lines') }}

),

selfhosted_lines as (

    select * from {{ ref('stg_selfhosted__request_token_lines') }}

),

providers as (

    select * from {{ ref('llm_providers') }}

),

openai as (

    select
        'openai_usage' as source,
        file_id,
        source_file,
        record_index,
        token_type,
        tokens,
        requests,
        bucket_start_at as usage_start_at,
        bucket_start_at as charge_period_start_at,
        bucket_end_at as charge_period_end_at,
        'openai' as provider,
        organization_id as billing_account_id,
        project_id as sub_account_id,
        'openai_project' as primary_key_type,
        project_id as primary_key,
        api_key_id,
        cast(null as {{ dbt.type_string() }}) as tag_tenant,
        coalesce(model, '(unknown: fetch with group_by=model)') as model,
        -- batch usage is priced at the Batch API prices; OpenAI's default tier is the standard price
        case
            when is_batch then 'batch'
            when service_tier is null or service_tier in ('default', 'auto', 'standard') then 'standard'
            else service_tier
        end as service_tier,
        -- the usage API does not say the prompt size: base window
        'base' as context_window_key,
        cast(null as {{ money_type() }}) as reported_cost,
        false as is_possible_double_count
    from openai_lines

),

anthropic as (

    select
        'anthropic_usage' as source,
        file_id,
        source_file,
        record_index,
        token_type,
        tokens,
        requests,
        bucket_start_at as usage_start_at,
        bucket_start_at as charge_period_start_at,
        bucket_end_at as charge_period_end_at,
        'anthropic' as provider,
        organization_id as billing_account_id,
        -- the report writes null for the organization's Default workspace
        coalesce(workspace_id, 'default') as sub_account_id,
        'anthropic_workspace' as primary_key_type,
        coalesce(workspace_id, 'default') as primary_key,
        api_key_id,
        cast(null as {{ dbt.type_string() }}) as tag_tenant,
        coalesce(model, '(unknown: fetch with group_by=model)') as model,
        coalesce(service_tier, 'standard') as service_tier,
        -- "0-200k" (or none) is the base window; "200k-1M" the long-context band
        case
            when context_window is null or lower(context_window) = '0-200k' then 'base'
            else lower(context_window)
        end as context_window_key,
        cast(null as {{ money_type() }}) as reported_cost,
        false as is_possible_double_count
    from anthropic_lines

),

litellm as (

    select
        'litellm_spend' as source,
        litellm_lines.file_id,
        litellm_lines.source_file,
        litellm_lines.record_index,
        litellm_lines.token_type,
        litellm_lines.tokens,
        litellm_lines.requests,
        litellm_lines.request_start_at as usage_start_at,
        {{ dbt.date_trunc('day', 'litellm_lines.request_start_at') }} as charge_period_start_at,
        {{ dbt.dateadd('day', 1, dbt.date_trunc('day', 'litellm_lines.request_start_at')) }} as charge_period_end_at,
        coalesce(providers.provider, litellm_lines.custom_llm_provider) as provider,
        -- the proxy's account at the upstream provider
        {{ dbt.concat([
            "coalesce(litellm_lines.proxy_name, 'litellm')", "':'",
            "coalesce(providers.provider, litellm_lines.custom_llm_provider)"]) }}
            as billing_account_id,
        litellm_lines.team_id as sub_account_id,
        'litellm_team' as primary_key_type,
        litellm_lines.team_id as primary_key,
        litellm_lines.api_key_hash as api_key_id,
        cast(null as {{ dbt.type_string() }}) as tag_tenant,
        litellm_lines.model,
        'standard' as service_tier,
        'base' as context_window_key,
        litellm_lines.request_spend as reported_cost,
        -- the provider's own export or logs are loaded too: the same tokens would count twice
        coalesce(providers.has_own_usage_export, false) as is_possible_double_count
    from litellm_lines
    left join providers
        on litellm_lines.custom_llm_provider = providers.litellm_provider

),

selfhosted as (

    select
        'selfhosted_llm' as source,
        file_id,
        source_file,
        record_index,
        token_type,
        tokens,
        requests,
        request_at as usage_start_at,
        {{ dbt.date_trunc('day', 'request_at') }} as charge_period_start_at,
        {{ dbt.dateadd('day', 1, dbt.date_trunc('day', 'request_at')) }} as charge_period_end_at,
        'selfhosted' as provider,
        fleet_name as billing_account_id,
        cast(null as {{ dbt.type_string() }}) as sub_account_id,
        'api_key' as primary_key_type,
        api_key_id as primary_key,
        api_key_id,
        tenant_header as tag_tenant,
        model,
        'standard' as service_tier,
        'base' as context_window_key,
        cast(null as {{ money_type() }}) as reported_cost,
        false as is_possible_double_count
    from selfhosted_lines

),

unioned as (

    select * from openai
    union all
    select * from anthropic
    union all
    select * from litellm
    union all
    select * from selfhosted

),

final as (

    select
        {{ dbt.concat(["file_id", "':'", "cast(record_index as " ~ dbt.type_string() ~ ")", "':'", "token_type"]) }} as line_id,
        unioned.*,
        cast(usage_start_at as date) as usage_date
    from unioned

)

select * from final
