{#-
  The listed columns are never null: one scan of the model for all of them, one row per column
  that has nulls (column_name, null_rows). One test per model instead of one per column: dbt
  spends ~0.1 s per test node before any data is read, and ~490 column tests made up a third
  of the nightly build (README "Performance").
-#}
{% test not_null_columns(model, columns) %}
{{ config(fail_calc='coalesce(sum(null_rows), 0)') }}
with null_counts as (
    select
    {%- for column in columns %}
        count(*) - count({{ column }}) as null_rows_{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{%- for column in columns %}
select '{{ column }}' as column_name, null_rows_{{ loop.index }} as null_rows
from null_counts
where null_rows_{{ loop.index }} > 0
{{ "union all" if not loop.last }}
{%- endfor %}
{% endtest %}
