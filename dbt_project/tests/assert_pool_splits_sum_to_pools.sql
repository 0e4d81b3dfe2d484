-- Largest remainder: each common pool's tenant parts sum to the pool exactly.
select charge_date, pool, rule_id, max(pool_amount) as pool_amount, sum(allocated_amount) as allocated
from {{ ref('int_allocation_pools_split') }}
group by 1, 2, 3
having sum(allocated_amount) <> max(pool_amount)
