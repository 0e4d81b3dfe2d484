{#- One row per analysis and period: risk-adjusted benefits and costs (costs as positive
    amounts), net = benefits - costs, running totals, and the same discounted. -#}
with

line_values as (

    select * from {{ ref('fct_tei_line_values_discounted') }}

),

periods_totaled as (

    select
        analysis_id,
        period,
        currency,
        discount_factor,
        sum(case when kind = 'benefit' then risk_adjusted else 0 end) as benefits,
        sum(case when kind = 'cost' then risk_adjusted else 0 end) as costs,
        sum(case when kind = 'benefit' then present_value else 0 end) as pv_benefits,
        sum(case when kind = 'cost' then present_value else 0 end) as pv_costs
    from line_values
    group by
        analysis_id,
        period,
        currency,
        discount_factor

),

nets_computed as (

    select
        analysis_id,
        period,
        currency,
        discount_factor,
        cast(benefits as {{ money_type() }}) as benefits,
        cast(costs as {{ money_type() }}) as costs,
        cast(benefits - costs as {{ money_type() }}) as net,
        cast(pv_benefits as {{ money_type() }}) as pv_benefits,
        cast(pv_costs as {{ money_type() }}) as pv_costs,
        cast(pv_benefits - pv_costs as {{ money_type() }}) as pv_net
    from periods_totaled

),

final as (

    select
        analysis_id,
        period,
        currency,
        discount_factor,
        benefits,
        costs,
        net,
        cast(sum(net) over (
            partition by analysis_id
            order by period
            rows between unbounded preceding and current row
        ) as {{ money_type() }}) as cumulative_net,
        pv_benefits,
        pv_costs,
        pv_net,
        cast(sum(pv_net) over (
            partition by analysis_id
            order by period
            rows between unbounded preceding and current row
        ) as {{ money_type() }}) as cumulative_pv_net
    from nets_computed

)

select * from final
