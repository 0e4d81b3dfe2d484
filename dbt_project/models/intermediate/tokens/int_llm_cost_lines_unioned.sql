{#- Every line of the providers' cost reports (OpenAI costs API, Anthropic cost report) in one
    column list: the bill of a day, billing account, project/workspace and line item, with the
    model, token type and service tier read from it in the token types of the usage lines
    (int_llm_token_lines_unioned), so that the bill meets the usage it explains.
    OpenAI writes them in the line item: "<model>, <kind>" ("gpt-4o-2024-08-06, input"),
    optionally prefixed by a tier ("priority | ...") and suffixed ", long context" (line items
    seen on the costs API with group_by=line_item: docs/llm_bill.md). Kinds: input, uncached
    input, cached input, cache write(s), output. Anything else ("web search tool calls",
    "whisper-1, audio", a model with a modality word) is not guessed: model keeps the line item
    as written and token_type is '(line item not parsed)', an explained gap in the
    reconciliation. A line without a line item (page not grouped by line_item) is
    '(line item not grouped)'. The costs API states no service tier except that prefix.
    Anthropic states model, token_type and service_tier as fields. One output row per staged row. -#}
with

openai_costs as (

    select * from {{ ref('stg_openai__costs') }}

),

anthropic_costs as (

    select * from {{ ref('stg_anthropic__costs') }}

),

openai_untiered as (

    select
        openai_costs.*,
        case
            when line_item like 'priority | %' then 'priority'
            when line_item like 'flex | %' then 'flex'
            when line_item like 'batch | %' then 'batch'
            when line_item like 'scale | %' then 'scale'
        end as line_tier,
        line_item like '%, long context' as is_long_context,
        -- the tier prefix and the long-context suffix taken off: "<model>, <kind>" is left
        replace(replace(replace(replace(replace(
            line_item,
            'priority | ', ''
        ), 'flex | ', ''), 'batch | ', ''), 'scale | ', ''), ', long context', '') as line_body
    from openai_costs

),

openai_split as (

    select
        openai_untiered.*,
        case
            when line_body like '%, %' and line_body not like '%, %, %'
                then trim({{ dbt.split_part('line_body', "', '", 1) }})
        end as line_model,
        case
            when line_body like '%, %' and line_body not like '%, %, %'
                then lower(trim({{ dbt.split_part('line_body', "', '", 2) }}))
        end as line_kind
    from openai_untiered

),

openai_parsed as (

    select
        openai_split.*,
        case
            when line_model like '% %' or line_model = '' then cast(null as {{ dbt.type_string() }})
            when line_kind = 'input' then 'input'
            when line_kind = 'uncached input' then 'input'
            when line_kind = 'cached input' then 'cached_input'
            when line_kind in ('cache write', 'cache writes') then 'input_cache_write'
            when line_kind = 'output' then 'output'
        end as parsed_token_type
    from openai_split

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
        case
            when line_item is null then '(line item not grouped)'
            when parsed_token_type is null then line_item
            else line_model
        end as model,
        case
            when line_item is null then '(not stated)'
            when parsed_token_type is null then '(line item not parsed)'
            else parsed_token_type
        end as token_type,
        line_tier as service_tier,
        case when is_long_context then 'long context' end as context_window,
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
