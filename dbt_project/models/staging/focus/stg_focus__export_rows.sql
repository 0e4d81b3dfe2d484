{#- Rows of provider-native FOCUS exports, loaded under FOCUS 1.2 column names (renamed from
    older names, placeholder strings already null, timestamps UTC). The names stay FOCUS names:
    they are a standard's, and the mapping model passes them through. -#}
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
        cast({{ adapter.quote(name) }} as {{ dtype }}) as {{ adapter.quote(name) }}{{ "," if not loop.last }}
        {%- endfor %}

    from source

)

select * from renamed
