{#- Fails on every row where the boolean SQL expression is false. A null result passes,
    so pair it with not_null where a value is required. -#}
{% test tei_expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
