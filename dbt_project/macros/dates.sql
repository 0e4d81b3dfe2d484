{#- Date helpers used by the FOCUS models. -#}
{% macro month_start(ts) -%}
    {{ dbt.date_trunc('month', ts) }}
{%- endmacro %}
{% macro next_month_start(ts) -%}
    {{ dbt.dateadd('month', 1, dbt.date_trunc('month', ts)) }}
{%- endmacro %}
