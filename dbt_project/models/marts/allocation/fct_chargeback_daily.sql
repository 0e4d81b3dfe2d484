with

allocation_detail as (

    select * from {{ ref('fct_allocation_detail') }}

),

final as (

    select
        charge_date,
        billing_month,
        tenant,
        currency,
        sum(case when cost_kind = 'variable' then allocated_amount else 0 end) as variable_cost,
        sum(case when cost_kind = 'common' then allocated_amount else 0 end) as common_cost,
        sum(allocated_amount) as total_cost
    from allocation_detail
    group by 1, 2, 3, 4

)

select * from final
