{#- A bound known only from the data, read when the model runs (the relation is built by
    then), for SQL that is unrolled in Jinja instead of recursing: recursive CTEs are not
    portable (Spark 3.5 has none). 1 at parse time. -#}
{% macro max_int_of(sql, relation=none) -%}
    {#- `relation` not built yet (a compile or lint on an empty warehouse): one step -#}
    {%- if not execute or (relation is not none and load_relation(relation) is none) -%}{{ return(1) }}{%- endif -%}
    {%- set value = run_query(sql).columns[0].values()[0] -%}
    {{ return(1 if value is none else value | int) }}
{%- endmacro %}
