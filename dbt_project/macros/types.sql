{#- Money is exact: DECIMAL with 10 decimals covers provider unit prices
    (AWS rates go to 10 decimals) and 28 integer digits. -#}
{% macro money_type() %}{{ return('decimal(38, 10)') }}{% endmacro %}
{% macro quantity_type() %}{{ return('decimal(38, 10)') }}{% endmacro %}
{% macro timestamp_type() %}{{ return(adapter.dispatch('timestamp_type', 'finops')()) }}{% endmacro %}
{% macro default__timestamp_type() %}{{ return('timestamp') }}{% endmacro %}

{#- A decimal(38, 10) as plain text with all ten decimals, as DuckDB casts it ('0.0000000000'):
    Spark's cast writes small values in scientific notation ('0E-10', '1.000E-7'), which would
    put a different string into the JSON columns on each engine. -#}
{% macro decimal_text(expr) %}{{ return(adapter.dispatch('decimal_text', 'finops')(expr)) }}{% endmacro %}
{% macro default__decimal_text(expr) -%}
    cast({{ expr }} as {{ dbt.type_string() }})
{%- endmacro %}
{% macro spark__decimal_text(expr) -%}
    {#- to_char drops the 0 before the point of a negative value under 1 ('-.5') -#}
    {%- set text = "trim(to_char(cast(" ~ expr ~ " as decimal(38, 10)), 'MI" ~ '9' * 27 ~ "0." ~ '0' * 10 ~ "'))" -%}
    case when {{ text }} like '-.%' then concat('-0', substr({{ text }}, 2))
        when {{ text }} like '.%' then concat('0', {{ text }})
        else {{ text }} end
{%- endmacro %}
