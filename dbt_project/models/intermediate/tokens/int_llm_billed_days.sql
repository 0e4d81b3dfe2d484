{#- One row per provider, billing account and day that has a cost report: the days whose LLM
    cost is the provider's bill, not the usage-priced estimate. Usage of such a day is explained
    by the bill (its FOCUS rows carry no cost: int_llm_charges_mapped) and the bill is split
    across the tenants by their estimated cost (int_llm_bills_split); usage of any other day
    keeps its estimate until the bill arrives. The billing account is the organization folder
    of both landing folders (openai_usage/<org>/ and openai_costs/<org>/), matched null-safe. -#}
with

cost_lines as (

    select * from {{ ref('int_llm_cost_lines_unioned') }}

),

final as (

    select
        provider,
        billing_account_id,
        coalesce(billing_account_id, '') as billing_account_key,
        usage_date,
        count(*) as cost_lines,
        sum(billed_cost) as billed_cost
    from cost_lines
    group by
        provider,
        billing_account_id,
        usage_date

)

select * from final
