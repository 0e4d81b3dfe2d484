{#- The model's rows written once as a parquet file beside the warehouse, and the relation a
    view over that file (DuckDB only; on Spark the model is a table).

    Why: DuckDB writes its own table format at ~0.35 s per VARCHAR column per 10M rows (each
    column's compression is analysed and checkpointed), its parquet writer at about half that.
    For marts.focus_costs (70 columns, 10M rows a month) that is ~8 s of a nightly run.

    Each build writes a new file, <warehouse folder>/<warehouse name>.model_files/<schema>.
    <model>.<invocation id>.parquet (the warehouse file's name without `.duckdb`, so two
    warehouses in one folder keep apart: dagster_project/warehouse.py stored_files_dir), and
    only then points the view at it: a build that fails half way leaves the
    previous view and file as they were. Files no view refers to are deleted after the build
    (dagster_project/model_files.py). Unlike dbt-duckdb's `external`, nothing is staged in a
    DuckDB table first: the query goes straight into the file. -#}
{% materialization parquet_file, adapter='duckdb' %}

  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set month_column = config.get('partition_months') -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% if month_column %}
    {%- set sources = parquet_file_write_months(compiled_code, month_column, existing_relation) -%}
  {% else %}
    {%- set location = parquet_file_location(this) -%}
    {% call statement('write_file') -%}
      copy ({{ compiled_code }}) to '{{ location }}' (format parquet)
    {%- endcall %}
    {%- set sources = "'" ~ location ~ "'" -%}
  {% endif %}

  {#- a table (the materialization before this one) cannot be replaced by a view -#}
  {% if existing_relation is not none and existing_relation.type != 'view' %}
    {{ adapter.drop_relation(existing_relation) }}
  {% endif %}

  {% call statement('main') -%}
    {#- hive_partitioning off: the month folders are named partition_month=..., not a column -#}
    create or replace view {{ target_relation }} as select * from read_parquet({{ sources }}, hive_partitioning = false)
  {%- endcall %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do persist_docs(target_relation, model) %}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}


{#- A model with `partition_months` (the timestamp or date column that names a row's month):
    one folder per month, `<schema>.<model>.<invocation id>/partition_month=YYYY-MM/`, and the view
    reads the list of month folders. A build of some months (macros/build_months.sql) writes
    only those, keeps the previous build's folders of the other months and drops its folders of
    the built ones, so a month that lost all rows disappears. Returns the read_parquet
    argument. -#}
{% macro parquet_file_write_months(compiled_code, month_column, existing_relation) %}
  {%- set location = parquet_file_location(this)[:-8] -%}
  {% call statement('write_file') -%}
    copy (
        select *, coalesce({{ month_key(month_column) }}, 'none') as partition_month
        from ({{ compiled_code }})
    ) to '{{ location }}' (format parquet, partition_by (partition_month), write_partition_columns false)
  {%- endcall %}
  {%- set written = run_query("select distinct regexp_extract(file, '/partition_month=([^/]+)/', 1) as month from glob('"
                               ~ location ~ "/partition_month=*/*.parquet') order by 1").columns[0].values() | list -%}
  {%- set months = build_months() -%}
  {%- set kept = {} -%}
  {%- if months is not none and existing_relation is not none and existing_relation.type == 'view' and not should_full_refresh() -%}
    {%- set view_sql = (run_query("select sql from duckdb_views() where database_name = current_database() and schema_name = '"
                                  ~ this.schema ~ "' and view_name = '" ~ this.identifier ~ "'").columns[0].values() | list
                        + [''])[0] -%}
    {%- if '/partition_month=' not in view_sql and '.empty.parquet' not in view_sql -%}
      {{ exceptions.raise_compiler_error(this ~ " was built without month folders: build all months once (no build_months var) before building some") }}
    {%- endif -%}
    {%- for folder, month in modules.re.findall("'([^']+/partition_month=([^/']+))/\\*\\.parquet'", view_sql) -%}
      {%- if month not in months and month not in written -%}
        {%- do kept.update({month: folder}) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- for month in written -%}
    {%- do kept.update({month: location ~ '/partition_month=' ~ month}) -%}
  {%- endfor -%}
  {%- if kept | length == 0 -%}
    {#- no rows at all: an empty file keeps the columns -#}
    {% call statement('write_empty') -%}
      copy (select * from ({{ compiled_code }}) where false) to '{{ location }}.empty.parquet' (format parquet)
    {%- endcall %}
    {{ return("'" ~ location ~ ".empty.parquet'") }}
  {%- endif -%}
  {%- set globs = [] -%}
  {%- for month in kept | sort -%}
    {%- do globs.append("'" ~ kept[month] ~ "/*.parquet'") -%}
  {%- endfor -%}
  {{ return("[" ~ globs | join(', ') ~ "]") }}
{% endmacro %}



{% macro parquet_file_location(relation) %}
  {%- set db_path = run_query("select path from duckdb_databases() where database_name = current_database()").columns[0].values()[0] -%}
  {%- if not db_path -%}
    {{ exceptions.raise_compiler_error("parquet_file needs a warehouse file, not an in-memory database") }}
  {%- endif -%}
  {%- set parts = db_path.replace('\\', '/').rsplit('/', 1) -%}
  {%- set name = parts[-1][:-7] if parts[-1].endswith('.duckdb') else parts[-1] -%}
  {%- set folder = (parts[0] ~ '/' if parts | length > 1 else '') ~ name ~ '.model_files' -%}
  {#- COPY creates no folders, except a per-thread output's own (one level): that makes this one,
      with an empty marker file that the clean-up after the build deletes -#}
  {% do run_query("copy (select 1 as created where false) to '" ~ folder ~ "' (format parquet, per_thread_output true, overwrite_or_ignore true, filename_pattern 'folder_marker_{i}')") %}
  {{ return(folder ~ '/' ~ relation.schema ~ '.' ~ relation.identifier ~ '.' ~ invocation_id ~ '.parquet') }}
{% endmacro %}
