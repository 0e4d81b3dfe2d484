{#- JSON helpers, dispatched per adapter so models stay portable. Tags are stored as a
    JSON object in a string column. -#}
{% macro json_get_string(json_col, key) -%}
    {{ return(adapter.dispatch('json_get_string', 'finops')(json_col, key)) }}
{%- endmacro %}
{% macro duckdb__json_get_string(json_col, key) -%}
    json_extract_string({{ json_col }}, '$."{{ key }}"')
{%- endmacro %}
{% macro spark__json_get_string(json_col, key) -%}
    {#- a key like k8s-namespace (GKE cost allocation labels) needs the bracket form -#}
    {%- if modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', key) -%}
    get_json_object({{ json_col }}, '$.{{ key }}')
    {%- else -%}
    get_json_object({{ json_col }}, '$[\'{{ key }}\']')
    {%- endif -%}
{%- endmacro %}

{#- Remove a key prefix (AWS writes user tags as user_<key>) from a JSON object's keys.
    Only keys are touched: a key is a JSON string followed by a colon. -#}
{% macro json_strip_key_prefix(json_col, prefix) -%}
    {{ return(adapter.dispatch('json_strip_key_prefix', 'finops')(json_col, prefix)) }}
{%- endmacro %}
{% macro duckdb__json_strip_key_prefix(json_col, prefix) -%}
    {#- Without backslashes, arrays or whitespace after `{` / `,` (DuckDB's own to_json of a tag
        map), every `{"` and `,"` starts a key: two plain replaces do what the regex does at a
        third of its cost (~3 CPU-s per 10M rows). Anything else takes the regex. The test for
        whitespace is plain substring searches (a regex per row cost ~1 s per 10M rows): a space
        after `{` or `,`, or a tab, newline, form feed or carriage return anywhere (JSON allows
        those raw only between tokens). -#}
    case
        when not contains({{ json_col }}, '\') and not contains({{ json_col }}, '[')
            and not contains({{ json_col }}, ', ') and not contains({{ json_col }}, '{ ')
            and not contains({{ json_col }}, chr(9)) and not contains({{ json_col }}, chr(10))
            and not contains({{ json_col }}, chr(12)) and not contains({{ json_col }}, chr(13))
            then replace(replace({{ json_col }}, '{"{{ prefix }}', '{"'), ',"{{ prefix }}', ',"')
        else regexp_replace({{ json_col }}, '"{{ prefix }}((?:[^"\\]|\\.)*)"(\s*):', '"\1"\2:', 'g')
    end
{%- endmacro %}
{% macro spark__json_strip_key_prefix(json_col, prefix) -%}
    regexp_replace({{ json_col }}, '"{{ prefix }}((?:[^"\\\\]|\\\\.)*)"(\\s*):', '"$1"$2:')
{%- endmacro %}
