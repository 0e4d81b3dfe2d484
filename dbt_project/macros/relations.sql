{#- `select <columns> from <relation> [where <where>]`; when the relation is not built
    (`relation` is none: load_relation found nothing) the same columns as typed nulls and
    no rows, so a model that reads an optional relation still builds. columns: a list of
    (name, type) pairs; the type is used only for the empty case. -#}
{% macro select_or_empty(relation, columns, where=none) -%}
    {%- if relation is not none -%}
    select
        {%- for name, type in columns %}
        {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
    {%- else -%}
    select
        {%- for name, type in columns %}
        cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    where 1 = 0
    {%- endif %}
{%- endmacro %}
