{#- Engine set-up run before every build (on-run-start). On Spark the dbt sources are the
    landed raw tables exported as parquet (dagster_project/raw_parquet.py): each is declared
    as a table over its folder, under the same schema and name as in DuckDB, so source()
    resolves alike on both engines. Nothing to do on DuckDB, where they are tables already. -#}
{% macro register_raw_parquet_sources() -%}
    {{ return(adapter.dispatch('register_raw_parquet_sources', 'finops')()) }}
{%- endmacro %}

{% macro default__register_raw_parquet_sources() -%}
{%- endmacro %}

{% macro spark__register_raw_parquet_sources() -%}
    {%- if execute -%}
        {%- set root = env_var('FINOPS_RAW_PARQUET_DIR', '../data/warehouse/raw_parquet') -%}
        {%- set schemas = [] -%}
        {%- for node in graph.sources.values() -%}
            {%- if node.schema not in schemas -%}
                {%- do schemas.append(node.schema) -%}
                {%- do run_query('create schema if not exists ' ~ node.schema) -%}
            {%- endif -%}
            {%- do run_query('drop table if exists ' ~ node.schema ~ '.' ~ node.identifier) -%}
            {%- do run_query("create table " ~ node.schema ~ "." ~ node.identifier ~ " using parquet location '"
                ~ root ~ "/" ~ node.schema ~ "/" ~ node.identifier ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- Seeds on Spark: dbt-spark binds seed values as text with its own quoting, which breaks on
    an apostrophe and loads empty cells as the string 'None'. Values are rendered here as
    Spark literals instead (backslash escapes) and empty cells as null. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for type in types -%}
                    {%- set value = row[loop.index0] -%}
                    {%- if value is none -%}cast(null as {{ type }})
                    {%- else -%}cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
                    {%- endif -%}
                    {%- if not loop.last %},{% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}

{#- dbt.dateadd on Spark: dbt-spark's goes through unix seconds (to_unix_timestamp), which
    returns null on timestamps without time zone (spark.sql.timestampType TIMESTAMP_NTZ in
    profiles.yml, like DuckDB's TIMESTAMP). timestampadd keeps the type and the clock.
    Picked over dbt-spark's through the `dispatch` search order in dbt_project.yml. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}
