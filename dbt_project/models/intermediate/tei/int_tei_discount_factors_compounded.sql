{#- Discount factors per analysis, rate and period, for the analysis's own rate and for
    each sensitivity rate. (1 + rate)^period is built by repeated decimal multiplication
    (no float power), one CTE per period up to the longest analysis (unrolled, portable: no
    recursive CTE); this also yields the period spine 0..years that the line values are
    laid on. -#}
{%- set max_years = max_int_of("select max(years) from " ~ ref('tei_analyses')) %}

with

analyses as (

    select * from {{ ref('tei_analyses') }}

),

sensitivity_discount_rates as (

    select * from {{ ref('tei_sensitivity_discount_rates') }}

),

analysis_rates as (

    select
        analysis_id,
        discount_rate,
        years,
        true as is_base_rate
    from analyses

    union all

    select
        analyses.analysis_id,
        sensitivity_discount_rates.discount_rate,
        analyses.years,
        false as is_base_rate
    from analyses
    cross join sensitivity_discount_rates
    where sensitivity_discount_rates.discount_rate <> analyses.discount_rate

),

compounded_0 as (

    select
        analysis_id,
        discount_rate,
        years,
        is_base_rate,
        0 as period,
        cast(1 as decimal(38, 18)) as compound_factor
    from analysis_rates

),
{% for period in range(1, max_years + 1) %}
compounded_{{ period }} as (

    select
        analysis_id,
        discount_rate,
        years,
        is_base_rate,
        period + 1 as period,
        cast(compound_factor * (1 + discount_rate) as decimal(38, 18)) as compound_factor
    from compounded_{{ period - 1 }}
    where period < years

),
{% endfor %}
compounded as (

    {%- for period in range(0, max_years + 1) %}
    select * from compounded_{{ period }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        analysis_id,
        discount_rate,
        is_base_rate,
        period,
        compound_factor,
        -- exact to 18 decimals on every engine (DuckDB would divide in double precision)
        {{ divide('1', 'compound_factor', 18, 18) }} as discount_factor
    from compounded

)

select * from final
