-- Every loaded file's rows and billed cost (in its own currency) reach focus_costs unchanged.
-- all_months: it reads every month (a chunked build runs it after the last chunk).
{{ config(tags=['all_months']) }}
with

files as (

    select file_id, path, rows, cost_total
    from {{ source('ops', 'ingest_files') }}
    where status = 'loaded'
        and source in (select distinct x_source from {{ ref('focus_costs') }})

),

focus as (

    select x_file_id as file_id, count(*) as rows, sum(BilledCost) as cost_total
    from {{ ref('focus_costs') }}
    group by 1

)

select files.path, files.rows, focus.rows as focus_rows, files.cost_total, focus.cost_total as focus_cost_total
from files
left join focus
    on files.file_id = focus.file_id
where focus.file_id is null
    or files.rows <> focus.rows
    or files.cost_total <> focus.cost_total
