{#- Every line of the providers' cost reports (OpenAI costs API, Anthropic cost report) in one
    column list: the bill of a day, billing account, project/workspace and line item, with the
    model, token type and service tier read from it in the token types of the usage lines
    (int_llm_token_lines_unioned), so that the bill meets the usage it explains.
    OpenAI writes them in the line item ("gpt-4o-2024-08-06, input"): the model is the part
    before the comma, the kind after it (input, cached input, output; another kind is kept as
    written); the costs API states no service tier (null). Anthropic states model, token_type
    and service_tier as fields. One output row per staged row. -#}
with

openai_costs as (

    select * from {{ ref('stg_openai__costs') }}

),

anthropic_costs as (

    select * from {{ ref('stg_anthropic__costs') }}

),

openai_parsed as (

    select
        openai_costs.*,
        case
            when line_item like '%, %' then trim({{ dbt.split_part('line_item', "', '", 1) }})
            else line_item
        end as line_model,
        case
            when line_item like '%, %' then lower(trim({{ dbt.split_part('line_item', "', '", 2) }}))
        end as line_kind
    from openai_costs

),

openai as (

    select
        'openai_costs' as source,
        file_id,
        source_file,
        record_index,
        'openai' as provider,
        organization_id as billing_account_id,
        project_id as sub_account_id,
        'openai_project' as primary_key_type,
        line_item,
        'tokens' as cost_type,
        coalesce(line_model, '(line item not grouped)') as model,
        case line_kind
            when 'input' then 'input'
            when 'uncached input' then 'input'
            when 'cached input' then 'cached_input'
            when 'cache write' then 'input_cache_write'
            when 'output' then 'output'
            else coalesce(line_kind, '(not stated)')
        end as token_type,
        cast(null as {{ dbt.type_string() }}) as service_tier,
        cast(null as {{ dbt.type_string() }}) as context_window,
        currency,
        billed_cost,
        bucket_start_at as charge_period_start_at,
        bucket_end_at as charge_period_end_at
    from openai_parsed

),

anthropic as (

    select
        'anthropic_costs' as source,
        file_id,
        source_file,
        record_index,
        'anthropic' as provider,
        organization_id as billing_account_id,
        -- the report writes null for the organization's Default workspace (as the usage report)
        coalesce(workspace_id, 'default') as sub_account_id,
        'anthropic_workspace' as primary_key_type,
        description as line_item,
        coalesce(cost_type, '(not stated)') as cost_type,
        coalesce(model, case when cost_type = 'tokens' or cost_type is null then '(not stated)' else cost_type end) as model,
        case
            when cost_type = 'web_search' then 'web_search'
            when token_type = 'uncached_input_tokens' then 'input'
            when token_type = 'cache_read_input_tokens' then 'cached_input'
            when token_type = 'cache_creation.ephemeral_5m_input_tokens' then 'cache_write_5m'
            when token_type = 'cache_creation.ephemeral_1h_input_tokens' then 'cache_write_1h'
            when token_type = 'output_tokens' then 'output'
            else coalesce(token_type, cost_type, '(not stated)')
        end as token_type,
        service_tier,
        context_window,
        currency,
        billed_cost,
        bucket_start_at as charge_period_start_at,
        bucket_end_at as charge_period_end_at
    from anthropic_costs

),

unioned as (

    select * from openai
    union all
    select * from anthropic

),

final as (

    select
        {{ dbt.concat(["file_id", "':'", "cast(record_index as " ~ dbt.type_string() ~ ")"]) }} as cost_line_id,
        unioned.*,
        cast(charge_period_start_at as date) as usage_date
    from unioned

)

select * from final
