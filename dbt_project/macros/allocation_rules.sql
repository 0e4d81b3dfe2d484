{#- Allocation rules come from the allocation_rules seed and are compiled into one CASE,
    first match by priority wins. match_column is a charge column or `tag:<key>`. -#}
{% macro load_allocation_rules() -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set sql -%}
        select rule_id, match_column, match_operator, match_value
        from {{ ref('allocation_rules') }}
        order by priority, rule_id
    {%- endset -%}
    {{ return(run_query(sql).rows) }}
{%- endmacro %}

{% macro allocation_rule_condition(rule) -%}
    {%- set known = [] -%}
    {%- for name, dtype in focus_columns() + focus_extension_columns() %}{% do known.append(name) %}{% endfor -%}
    {%- if rule['match_column'].startswith('tag:') -%}
        {%- set lhs = json_get_string('Tags', rule['match_column'][4:]) -%}
    {%- elif rule['match_column'] in known -%}
        {%- set lhs = adapter.quote(rule['match_column']) -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("allocation rule " ~ rule['rule_id'] ~ ": unknown match_column " ~ rule['match_column']) }}
    {%- endif -%}
    {%- set value = rule['match_value'] | replace("'", "''") -%}
    {%- if rule['match_operator'] == 'equals' -%}
        {{ lhs }} = '{{ value }}'
    {%- elif rule['match_operator'] == 'in' -%}
        {{ lhs }} in ({% for v in value.split('|') %}'{{ v }}'{{ ", " if not loop.last }}{% endfor %})
    {%- elif rule['match_operator'] == 'like' -%}
        {{ lhs }} like '{{ value }}'
    {%- else -%}
        {{ exceptions.raise_compiler_error("allocation rule " ~ rule['rule_id'] ~ ": unknown match_operator " ~ rule['match_operator']) }}
    {%- endif -%}
{%- endmacro %}
