with

chargeback_daily as (

    select * from {{ ref('fct_chargeback_daily') }}
    where {{ in_build_months('charge_date') }}

),

final as (

    select
        billing_month,
        tenant,
        currency,
        sum(variable_cost) as variable_cost,
        sum(common_cost) as common_cost,
        sum(total_cost) as total_cost,
        sum(estimated_llm_cost) as estimated_llm_cost
    from chargeback_daily
    group by 1, 2, 3

)

select * from final
