{#- One row per analysis: totals, NPV, ROI and payback. Payback is the first point where
    the cumulative (undiscounted, risk-adjusted) net cash flow turns positive, with year
    N's flow spread evenly over months 12(N-1)..12N; initial flows sit at month 0. -#}
with

analyses as (

    select * from {{ ref('tei_analyses') }}

),

cash_flow as (

    select * from {{ ref('tei_cash_flow') }}

),

analyses_totaled as (

    select
        analysis_id,
        sum(benefits) as total_benefits,
        sum(costs) as total_costs,
        sum(net) as total_net,
        sum(pv_benefits) as pv_benefits,
        sum(pv_costs) as pv_costs,
        sum(pv_net) as npv
    from cash_flow
    group by analysis_id

),

payback_crossings as (

    -- periods where the cumulative net crosses from <= 0 to > 0; the earliest one wins
    select
        analysis_id,
        min(
            case
                when period = 0 then cast(0 as {{ money_type() }})
                else cast(
                        12 * (period - 1)
                        + {{ divide('12 * (net - cumulative_net)', 'net') }}
                        as {{ money_type() }}
                    )
            end
        ) as payback_months_exact
    from cash_flow
    where
        cumulative_net > 0
        and (period = 0 or cumulative_net - net <= 0)
    group by analysis_id

),

final as (

    select
        analyses.analysis_id,
        analyses.analysis_name,
        analyses.currency,
        analyses.discount_rate,
        analyses.years,
        cast(analyses_totaled.total_benefits as {{ money_type() }}) as total_benefits,
        cast(analyses_totaled.total_costs as {{ money_type() }}) as total_costs,
        cast(analyses_totaled.total_net as {{ money_type() }}) as total_net,
        cast(analyses_totaled.pv_benefits as {{ money_type() }}) as pv_benefits,
        cast(analyses_totaled.pv_costs as {{ money_type() }}) as pv_costs,
        cast(analyses_totaled.npv as {{ money_type() }}) as npv,
        {{ divide('analyses_totaled.npv', 'analyses_totaled.pv_costs') }} as roi,
        cast(ceiling(payback_crossings.payback_months_exact) as integer) as payback_months,
        payback_crossings.payback_months_exact
    from analyses
    inner join analyses_totaled
        on analyses.analysis_id = analyses_totaled.analysis_id
    left join payback_crossings
        on analyses.analysis_id = payback_crossings.analysis_id

)

select * from final
