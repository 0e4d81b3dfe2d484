with

allocation_detail as (

    select * from {{ ref('fct_allocation_detail') }}
    where {{ in_build_months('charge_date') }}

),

final as (

    select
        charge_date,
        billing_month,
        tenant,
        currency,
        sum(case when cost_kind = 'variable' then allocated_amount else 0 end) as variable_cost,
        sum(case when cost_kind = 'common' then allocated_amount else 0 end) as common_cost,
        sum(allocated_amount) as total_cost,
        -- the part of total_cost that is usage-priced LLM cost standing in for a provider bill not
        -- loaded yet (rule llm_estimate:...): replaced by the billed cost when the bill arrives
        sum(case when rule_id like 'llm_estimate:%' then allocated_amount else 0 end) as estimated_llm_cost
    from allocation_detail
    group by 1, 2, 3, 4

)

select * from final
