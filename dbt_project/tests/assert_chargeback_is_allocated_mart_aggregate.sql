-- The chargeback is the sum of the FOCUS 1.3 allocated parts: per day and tenant, the parts'
-- x_chargeback_amount equals fct_chargeback_daily.total_cost to the cent (the monthly mart sums
-- the daily one), and nothing is charged back without a part behind it.
with

allocated as (

    select x_charge_date as charge_date, x_tenant as tenant, sum(x_chargeback_amount) as total_cost
    from {{ ref('focus_costs_allocated') }}
    where {{ in_build_months('x_charge_date') }}
    group by 1, 2

),

chargeback as (

    select charge_date, tenant, total_cost
    from {{ ref('fct_chargeback_daily') }}
    where {{ in_build_months('charge_date') }}

)

select
    coalesce(chargeback.charge_date, allocated.charge_date) as charge_date,
    coalesce(chargeback.tenant, allocated.tenant) as tenant,
    chargeback.total_cost as chargeback_total,
    allocated.total_cost as allocated_total
from chargeback
full outer join allocated
    on chargeback.charge_date = allocated.charge_date
    and chargeback.tenant = allocated.tenant
where coalesce(chargeback.total_cost, 0) <> coalesce(allocated.total_cost, 0)
