{#- Use the folder's schema name as is (raw, staging, marts ...) so the warehouse
    contract in docs/design.md holds whatever the target schema is. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
