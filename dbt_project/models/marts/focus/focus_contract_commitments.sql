{#- The FOCUS 1.3 Contract Commitment dataset, as far as the sources show it: one row per
    commitment discount found in the charges (AWS savings plans and reserved instances, Azure
    reservations and savings plans, a provider FOCUS export's commitments) and billing currency.
    The cost is the commitment's cost in the loaded periods, the EffectiveCost of every charge that
    names it: for AWS its covered (Used) plus unused (Unused) amortized cost, the savings plan's
    total commitment to date or the RI's amortized fee (its purchases carry EffectiveCost 0); for a
    GCP CUD of the new data model its fee plus the fee utilization offset plus the covered usage,
    which is the fee; for a legacy GCP CUD (no subscription id) the covered usage net of its CUD
    credits. The periods are the span of its charges in the data (the term's dates are not in the
    exports we read). The charges it covered carry it in focus_costs.ContractApplied. -#}
with

charges as (

    select * from {{ ref('focus_costs') }}
    where CommitmentDiscountId is not null

),

commitments as (

    select
        CommitmentDiscountId as commitment_id,
        BillingCurrency as billing_currency,
        max(CommitmentDiscountCategory) as commitment_category,
        max(CommitmentDiscountType) as commitment_type,
        max(CommitmentDiscountName) as commitment_name,
        max(x_source) as source,
        min(ChargePeriodStart) as period_start,
        max(ChargePeriodEnd) as period_end,
        sum(case when CommitmentDiscountStatus = 'Used' then EffectiveCost else 0 end) as used_cost,
        sum(case when CommitmentDiscountStatus = 'Unused' then EffectiveCost else 0 end) as unused_cost,
        sum(EffectiveCost) as commitment_cost,
        sum(case when ChargeCategory = 'Purchase' then BilledCost else 0 end) as purchase_billed_cost,
        sum(case when CommitmentDiscountStatus = 'Used' then CommitmentDiscountQuantity end) as used_quantity,
        max(CommitmentDiscountUnit) as commitment_unit,
        count(*) as charges
    from charges
    group by CommitmentDiscountId, BillingCurrency

),

final as (

    select
        billing_currency as BillingCurrency,
        commitment_category as ContractCommitmentCategory,
        cast(commitment_cost as {{ money_type() }}) as ContractCommitmentCost,
        coalesce(commitment_name, commitment_type) as ContractCommitmentDescription,
        commitment_id as ContractCommitmentId,
        period_end as ContractCommitmentPeriodEnd,
        period_start as ContractCommitmentPeriodStart,
        used_quantity as ContractCommitmentQuantity,
        coalesce(commitment_type, commitment_category) as ContractCommitmentType,
        case when used_quantity is not null then commitment_unit end as ContractCommitmentUnit,
        -- our sources name no contract above the commitment: the spec lets the two ids be equal
        commitment_id as ContractId,
        period_end as ContractPeriodEnd,
        period_start as ContractPeriodStart,
        used_cost as x_used_cost,
        unused_cost as x_unused_cost,
        purchase_billed_cost as x_purchase_billed_cost,
        charges as x_charges,
        source as x_source
    from commitments

)

select * from final
