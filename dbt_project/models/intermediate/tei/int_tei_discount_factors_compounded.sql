{#- Discount factors per analysis, rate and period, for the analysis's own rate and for
    each sensitivity rate. (1 + rate)^period is built by repeated decimal multiplication
    in a recursive CTE (standard SQL, no float power); the recursion also yields the
    period spine 0..years that the line values are laid on. -#}
with recursive

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

compounded as (

    select
        analysis_id,
        discount_rate,
        years,
        is_base_rate,
        0 as period,
        cast(1 as decimal(38, 18)) as compound_factor
    from analysis_rates

    union all

    select
        analysis_id,
        discount_rate,
        years,
        is_base_rate,
        period + 1 as period,
        cast(compound_factor * (1 + discount_rate) as decimal(38, 18)) as compound_factor
    from compounded
    where period < years

),

final as (

    select
        analysis_id,
        discount_rate,
        is_base_rate,
        period,
        compound_factor,
        -- some engines (DuckDB) divide decimals in double precision: cast straight back,
        -- about 16 significant digits, far below a cent on any TEI figure
        cast(1 / compound_factor as decimal(38, 18)) as discount_factor
    from compounded

)

select * from final
