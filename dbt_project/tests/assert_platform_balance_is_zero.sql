-- Zero balance: every day and month, what the platform paid equals what it charged back.
select 'day' as grain, cast(charge_date as {{ dbt.type_string() }}) as period, platform_cost, charged_back, balance
from {{ ref('fct_platform_balance_daily') }}
where balance <> 0
union all
select 'month' as grain, cast(billing_month as {{ dbt.type_string() }}) as period, platform_cost, charged_back, balance
from {{ ref('fct_platform_balance_monthly') }}
where balance <> 0
