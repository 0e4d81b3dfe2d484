{#- Fails on every row whose composite key (columns) has no match in `to` (to_columns,
    same order). Rows with a null key part are skipped, as dbt's relationships test does. -#}
{% test tei_relationships_composite(model, columns, to, to_columns) %}

select child.*
from {{ model }} as child
where
    {% for column in columns -%}
    child.{{ column }} is not null
    and {% endfor -%}
    not exists (
        select 1
        from {{ to }} as parent
        where
            {% for column in columns -%}
            parent.{{ to_columns[loop.index0] }} = child.{{ column }}{{ '' if loop.last else '\n            and' }}
            {% endfor %}
    )

{% endtest %}
