{#- The FOCUS 1.3 Cost and Usage dataset: every provider's charges with FOCUS names and types,
    then the x_ columns (built in intermediate.int_charges_shaped; on DuckDB this is a view over
    its file). The official (1.2-only) validator reads its 1.2 projection, the 1.3 columns
    dropped (dagster_project/conformance.py); the 1.3 rules are dbt tests (docs/focus_1_3.md).
    Rows here are not split: the split by tenant is marts.focus_costs_allocated. -#}
with

charges as (

    select * from {{ ref('int_charges_shaped') }}

),

final as (

    select * from charges

)

select * from final
