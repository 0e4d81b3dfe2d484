{#- Each charge classified as variable (a tenant caused it) or common (a shared pool), with
    the rule that decided it. Common rules from the allocation_rules seed are tried first;
    otherwise the tenant map attributes the row by tag, then by account/project/key. -#}
{%- set rules = load_allocation_rules() %}

with

charges as (

    select * from {{ ref('int_focus_charges_unioned') }}

),

tenant_map as (

    select * from {{ ref('tenant_map') }}

),

allocation_rules as (

    select * from {{ ref('allocation_rules') }}

),

matched as (

    select
        charges.*,
        case
            {%- for rule in rules %}
            when {{ allocation_rule_condition(rule) }} then '{{ rule["rule_id"] }}'
            {%- endfor %}
        end as matched_rule_id
    from charges

),

attributed as (

    select
        matched.*,
        coalesce(tag_map.tenant, namespace_map.tenant, account_map.tenant) as mapped_tenant,
        case
            when tag_map.tenant is not null then 'tenant_map:tag'
            when namespace_map.tenant is not null then 'tenant_map:k8s_namespace'
            when account_map.tenant is not null then {{ dbt.concat(["'tenant_map:'", "matched.x_account_key_type"]) }}
        end as tenant_map_rule
    from matched
    left join tenant_map as tag_map
        on tag_map.key_type = 'tag'
            and tag_map.key_value = matched.x_tag_tenant
    -- a workload's namespace: GKE cost allocation's label k8s-namespace, or the tag of an EKS
    -- pod's split cost row (no cost of its own, but its tenant is the one its part goes to)
    left join tenant_map as namespace_map
        on namespace_map.key_type = 'k8s_namespace'
            and namespace_map.key_value = coalesce(
                {{ json_get_string('matched.Tags', 'k8s-namespace') }},
                {{ json_get_string('matched.Tags', 'aws_eks_namespace') }}
            )
    left join tenant_map as account_map
        on account_map.key_type = matched.x_account_key_type
            and account_map.key_value = matched.x_account_key

),

final as (

    select
        attributed.*,
        case when allocation_rules.rule_id is not null then 'common' else 'variable' end as x_cost_kind,
        case
            when allocation_rules.rule_id is not null then null
            else coalesce(attributed.mapped_tenant, 'unallocated')
        end as x_tenant,
        case
            -- usage-priced LLM cost standing in for a provider bill not loaded yet: flagged, and
            -- replaced (not added to) when the cost report arrives (int_llm_charges_mapped)
            when allocation_rules.rule_id is null
                and attributed.x_source in ('openai_usage', 'anthropic_usage')
                and attributed.x_line_item_type in ('TokenUsage', 'UnpricedTokenUsage')
                then {{ dbt.concat(["'llm_estimate:'", "coalesce(attributed.tenant_map_rule, 'no_rule_unallocated')"]) }}
            else coalesce(allocation_rules.rule_id, attributed.tenant_map_rule, 'no_rule_unallocated')
        end as x_allocation_rule,
        -- the idle capacity of a cluster is its own pool, split by the use of that cluster
        case
            when allocation_rules.pool = 'container_idle'
                then {{ dbt.concat([
                    "'container_idle:'",
                    "coalesce(" ~ json_get_string('attributed.Tags', 'goog-k8s-cluster-name') ~ ", '(no cluster)')"]) }}
            else allocation_rules.pool
        end as x_allocation_pool
    from attributed
    left join allocation_rules
        on attributed.matched_rule_id = allocation_rules.rule_id

)

select * from final
