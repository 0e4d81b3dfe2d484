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
  {%- set location = parquet_file_location(this) -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% call statement('write_file') -%}
    copy ({{ compiled_code }}) to '{{ location }}' (format parquet)
  {%- endcall %}

  {#- a table (the materialization before this one) cannot be replaced by a view -#}
  {% if existing_relation is not none and existing_relation.type != 'view' %}
    {{ adapter.drop_relation(existing_relation) }}
  {% endif %}

  {% call statement('main') -%}
    create or replace view {{ target_relation }} as select * from read_parquet('{{ location }}')
  {%- endcall %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do persist_docs(target_relation, model) %}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}


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
