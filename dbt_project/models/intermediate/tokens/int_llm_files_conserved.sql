{#- One row per loaded token log file: its lines, tokens and requests as staged from the file,
    as they reach the token marts (the attributed lines the marts aggregate) and, for the API
    sources, as FOCUS charges. is_conserved must be true for every file (tested): a dropped or
    doubled line (a price or tenant-map row matching twice) breaks it. -#}
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

attributed_lines as (

    select * from {{ ref('int_llm_token_lines_attributed') }}

),

charges as (

    select * from {{ ref('int_llm_charges_mapped') }}

),

staged as (

    select 'openai_usage' as source, file_id, source_file, count(*) as lines, sum(tokens) as tokens, sum(requests) as requests
    from openai_lines group by file_id, source_file
    union all
    select 'anthropic_usage' as source, file_id, source_file, count(*) as lines, sum(tokens) as tokens, sum(requests) as requests
    from anthropic_lines group by file_id, source_file
    union all
    select 'litellm_spend' as source, file_id, source_file, count(*) as lines, sum(tokens) as tokens, sum(requests) as requests
    from litellm_lines group by file_id, source_file
    union all
    select 'selfhosted_llm' as source, file_id, source_file, count(*) as lines, sum(tokens) as tokens, sum(requests) as requests
    from selfhosted_lines group by file_id, source_file

),

in_marts as (

    select
        file_id,
        count(*) as lines,
        sum(tokens) as tokens,
        sum(requests) as requests,
        sum(case when pricing_status = 'unpriced' then tokens else 0 end) as unpriced_tokens
    from attributed_lines
    group by file_id

),

in_focus as (

    select
        x_file_id as file_id,
        count(*) as lines,
        sum(x_usage_tokens) as tokens
    from charges
    group by x_file_id

),

final as (

    select
        staged.source,
        staged.file_id,
        staged.source_file,
        cast(staged.lines as bigint) as file_lines,
        cast(staged.tokens as bigint) as file_tokens,
        cast(staged.requests as bigint) as file_requests,
        cast(coalesce(in_marts.lines, 0) as bigint) as mart_lines,
        cast(coalesce(in_marts.tokens, 0) as bigint) as mart_tokens,
        cast(in_marts.requests as bigint) as mart_requests,
        cast(coalesce(in_marts.unpriced_tokens, 0) as bigint) as unpriced_tokens,
        cast(coalesce(in_focus.lines, 0) as bigint) as focus_lines,
        cast(coalesce(in_focus.tokens, 0) as bigint) as focus_tokens,
        staged.lines = coalesce(in_marts.lines, 0)
        and staged.tokens = coalesce(in_marts.tokens, 0)
        and coalesce(staged.requests, -1) = coalesce(in_marts.requests, -1)
        and (
            staged.source = 'selfhosted_llm' and coalesce(in_focus.lines, 0) = 0
            or staged.lines = coalesce(in_focus.lines, 0) and staged.tokens = coalesce(in_focus.tokens, 0)
        ) as is_conserved
    from staged
    left join in_marts
        on staged.file_id = in_marts.file_id
    left join in_focus
        on staged.file_id = in_focus.file_id

)

select * from final
