{#- Custom columns every provider model carries after the FOCUS columns. -#}
{% macro focus_extension_columns() -%}
    {%- set text = dbt.type_string() -%}
    {{ return([
        ('x_source', text),
        ('x_source_file', text),
        ('x_file_id', text),
        ('x_line_item_type', text),
        ('x_tag_tenant', text),
        ('x_account_key_type', text),
        ('x_account_key', text),
        ('x_usage_tokens', quantity_type()),
        ('x_model', text),
        ('x_is_effective_cost_fallback', dbt.type_boolean()),
    ]) }}
{%- endmacro %}

{#- Union provider models into the FOCUS column list: present columns are cast,
    absent ones become typed nulls. -#}
{% macro focus_union(model_names) -%}
    {%- set all_columns = focus_columns() + focus_extension_columns() -%}
    {%- for model_name in model_names %}
    {%- set rel = ref(model_name) %}
    {%- set present = [] %}
    {%- if execute %}
        {%- for col in adapter.get_columns_in_relation(rel) %}{% do present.append(col.name) %}{% endfor %}
    {%- endif %}
    select
        {%- for name, dtype in all_columns %}
        {% if name in present %}cast({{ adapter.quote(name) }} as {{ dtype }}){% else %}cast(null as {{ dtype }}){% endif %} as {{ adapter.quote(name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ rel }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
