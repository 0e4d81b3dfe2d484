{#- Monthly partitions (README "Partitions"). A build names the months it rebuilds with
    `--vars '{"build_months": ["2026-10", "2026-11"]}'` (the Dagster partitions; `finops run
    --month`); without the var every month is built. A month is the month of a charge's day
    (ChargePeriodStart), the grain the allocation, the chargeback and the balance already
    have. The row-level models read only those months (`in_build_months`); the models that keep
    all history replace exactly those months: `partition_months` (parquet_file, one folder per
    month) and the `replace_months` pre-hook (incremental tables). DuckDB only: on Spark the
    row-level models are tables, built whole. -#}

{% macro build_months() -%}
    {%- set value = var('build_months', none) -%}
    {%- if value is none or value == '' or value == [] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if target.type != 'duckdb' -%}
        {#- Spark's tables are rebuilt whole (the nightly builds every month there): a build of
            some months would drop the others from the row-level tables -#}
        {{ exceptions.raise_compiler_error("build_months is for the DuckDB target; on " ~ target.type ~ " build every month") }}
    {%- endif -%}
    {%- set months = (value.split(',') if value is string else value) | map('trim') | select | unique | sort | list -%}
    {%- for month in months -%}
        {%- if not modules.re.fullmatch('[0-9]{4}-(0[1-9]|1[0-2])', month) -%}
            {{ exceptions.raise_compiler_error("build_months: '" ~ month ~ "' is not a month (YYYY-MM)") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(months) }}
{%- endmacro %}


{% macro _month_after(month) -%}
    {%- set year, mon = month.split('-') | map('int') | list -%}
    {{- return('%04d-%02d' % ((year + 1, 1) if mon == 12 else (year, mon + 1))) -}}
{%- endmacro %}


{#- `expr` (a timestamp or date) falls in one of the build's months; `true` when the build
    has all months. Consecutive months become one range, so that parquet row groups and
    DuckDB's zone maps prune on the raw column. -#}
{% macro in_build_months(expr) -%}
    {%- set months = build_months() -%}
    {%- if months is none -%}
        true
    {%- else -%}
        {%- set starts, ends = [], [] -%}
        {%- for month in months -%}
            {%- if ends and ends[-1] == month -%}
                {%- do ends.pop() -%}
            {%- else -%}
                {%- do starts.append(month) -%}
            {%- endif -%}
            {%- do ends.append(_month_after(month)) -%}
        {%- endfor -%}
        ({% for start, end in zip(starts, ends) -%}
            {{ ' or ' if not loop.first }}({{ expr }} >= cast('{{ start }}-01' as timestamp) and {{ expr }} < cast('{{ end }}-01' as timestamp))
        {%- endfor %})
    {%- endif -%}
{%- endmacro %}


{#- The month key of a charge day, 'YYYY-MM' (the partition folders' names). -#}
{% macro month_key(expr) -%}
    {{ dbt.concat([
        "cast(extract(year from " ~ expr ~ ") as " ~ dbt.type_string() ~ ")", "'-'",
        "lpad(cast(extract(month from " ~ expr ~ ") as " ~ dbt.type_string() ~ "), 2, '0')"]) }}
{%- endmacro %}


{#- Pre-hook of the incremental tables: the build's months go before their rows are
    appended again, so a restated month replaces and a month that lost all its rows is
    emptied; a build of all months (no build_months) empties the table first. A changed model
    needs `--full-refresh` (the nightly passes it when a model changed). -#}
{% macro replace_months(column) -%}
    {%- if is_incremental() -%}
        {%- if target.type == 'spark' -%}
            {#- every month (build_months refuses Spark) -#}
            truncate table {{ this }}
        {%- else -%}
            delete from {{ this }} where {{ in_build_months(column) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
