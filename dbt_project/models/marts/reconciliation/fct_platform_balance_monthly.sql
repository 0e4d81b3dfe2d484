{#- The month's balance: the sum of its days (each day rounded to the minor unit). -#}
with

balance_daily as (

    select * from {{ ref('fct_platform_balance_daily') }}
    where {{ in_build_months('charge_date') }}

),

final as (

    select
        billing_month,
        currency,
        sum(platform_cost) as platform_cost,
        sum(charged_back) as charged_back,
        sum(balance) as balance,
        count(case when balance <> 0 then 1 end) as days_out_of_balance,
        count(*) as days
    from balance_daily
    group by 1, 2

)

select * from final
