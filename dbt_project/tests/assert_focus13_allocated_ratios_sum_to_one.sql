-- FOCUS 1.3 AllocatedMethodDetails: "The sum of AllocatedMethodDetailsObject.Elements[*].AllocatedRatio
-- across all allocated charges related to a single origin charge MUST be equal to 1". Our ratios are
-- weight / total truncated to 10 decimals, so the sum falls short of 1 by less than 1e-10 per part.
select
    x_charge_id,
    count(*) as parts,
    sum(cast({{ json_get_path('AllocatedMethodDetails', '$.Elements[0].AllocatedRatio') }} as decimal(38, 10))) as ratio_sum
from {{ ref('focus_costs_allocated') }}
where {{ in_build_months('ChargePeriodStart') }} and x_is_split
group by x_charge_id
having sum(cast({{ json_get_path('AllocatedMethodDetails', '$.Elements[0].AllocatedRatio') }} as decimal(38, 10))) > 1
    or sum(cast({{ json_get_path('AllocatedMethodDetails', '$.Elements[0].AllocatedRatio') }} as decimal(38, 10)))
        <= 1 - count(*) * cast(0.0000000001 as decimal(38, 10))
