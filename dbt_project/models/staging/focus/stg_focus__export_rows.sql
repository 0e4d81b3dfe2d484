-- noqa: disable=LT02
-- (the Jinja column loop is indented as the select list it renders, which the layout rule cannot follow)
{#- Rows of provider-native FOCUS exports, loaded under FOCUS 1.3 column names (renamed from
    older names, placeholder strings already null, timestamps UTC). The names stay FOCUS names:
    they are a standard's, and the mapping model passes them through. -#}
{#- a warehouse loaded before the 1.3 columns existed lacks them in raw: typed nulls then -#}
{%- set present = [] %}
{%- if execute %}
    {%- for col in adapter.get_columns_in_relation(source('focus', 'focus_export_rows')) %}{% do present.append(col.name) %}{% endfor %}
{%- endif %}
with

source as (

    select * from {{ source('focus', 'focus_export_rows') }}

),

renamed as (

    select
        _file_id as file_id,
        _source_file as source_file,
        x_focus_version as focus_version,
        {%- for name, dtype in focus_columns() %}
        {%- if name in present %}
        cast({{ adapter.quote(name) }} as {{ dtype }}) as {{ adapter.quote(name) }}{{ "," if not loop.last }}
        {%- else %}
        cast(null as {{ dtype }}) as {{ adapter.quote(name) }}{{ "," if not loop.last }}
        {%- endif %}
        {%- endfor %}

    from source

)

select * from renamed
