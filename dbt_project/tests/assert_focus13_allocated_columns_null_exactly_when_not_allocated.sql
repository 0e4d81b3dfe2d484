-- FOCUS 1.3 AllocatedMethodId, AllocatedMethodDetails, AllocatedResourceId, AllocatedResourceName,
-- AllocatedTags: "MUST be null when a charge is not related to a data generator-calculated split
-- cost allocation" and AllocatedMethodId "MUST NOT be null when" it is (AllocatedMethodDetails
-- SHOULD NOT, AllocatedResourceId MUST NOT for the allocated portion: all set here). The JSON ones
-- are JSON objects (JsonObjectFormat / KeyValueFormat). In focus_costs nothing is split by us:
-- only a provider's own FOCUS export may carry them.
select x_charge_id as what, x_is_split, AllocatedMethodId
from {{ ref('focus_costs_allocated') }}
where {{ in_build_months('ChargePeriodStart') }} and ((x_is_split and (
        AllocatedMethodId is null or AllocatedMethodDetails is null or AllocatedResourceId is null
        or AllocatedResourceName is null or AllocatedTags is null
        or not {{ json_is_object('AllocatedMethodDetails') }} or not {{ json_is_object('AllocatedTags') }}))
    or (not x_is_split and x_source <> 'focus' and (
        AllocatedMethodId is not null or AllocatedMethodDetails is not null or AllocatedResourceId is not null
        or AllocatedResourceName is not null or AllocatedTags is not null)))

union all

select x_source_file as what, false as x_is_split, AllocatedMethodId
from {{ ref('focus_costs') }}
where {{ in_build_months('ChargePeriodStart') }} and x_source <> 'focus' and (
    AllocatedMethodId is not null or AllocatedMethodDetails is not null or AllocatedResourceId is not null
    or AllocatedResourceName is not null or AllocatedTags is not null)
