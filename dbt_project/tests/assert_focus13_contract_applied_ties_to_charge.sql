-- FOCUS 1.3 ContractApplied: "MUST NOT be null when one or more contract commitments are applied to
-- the charge", is a JSON object with Elements[*].ContractId and ContractCommitmentId, and (our
-- rule) the applied cost of the one commitment we name is the charge's EffectiveCost. A provider's
-- own export (x_source focus) is checked for being a JSON object only.
select x_source_file as what, CommitmentDiscountId, ContractApplied
from {{ ref('focus_costs') }}
where {{ in_build_months('ChargePeriodStart') }} and ((CommitmentDiscountId is not null and CommitmentDiscountStatus is not null and ContractApplied is null)
    or (ContractApplied is not null and not {{ json_is_object('ContractApplied') }})
    or (x_source <> 'focus' and ContractApplied is not null and (
        {{ json_get_path('ContractApplied', '$.Elements[0].ContractCommitmentId') }} <> CommitmentDiscountId
        or {{ json_get_path('ContractApplied', '$.Elements[0].ContractId') }} is null
        or {{ json_get_path('ContractApplied', '$.Elements[1].ContractCommitmentId') }} is not null
        or cast({{ json_get_path('ContractApplied', '$.Elements[0].ContractCommitmentAppliedCost') }} as {{ money_type() }}) <> EffectiveCost)))
