{#- Money is exact: DECIMAL with 10 decimals covers provider unit prices
    (AWS rates go to 10 decimals) and 28 integer digits. -#}
{% macro money_type() %}{{ return('decimal(38, 10)') }}{% endmacro %}
{% macro quantity_type() %}{{ return('decimal(38, 10)') }}{% endmacro %}
{% macro timestamp_type() %}{{ return(adapter.dispatch('timestamp_type', 'finops')()) }}{% endmacro %}
{% macro default__timestamp_type() %}{{ return('timestamp') }}{% endmacro %}
