"""Read-only queries of the token and LLM marts for the report: unit economics, the model-switch
what-if, the self-hosted fleet against the APIs, the LLM bill. Money stays Decimal end to end."""

from __future__ import annotations

from decimal import Decimal

from dagster_project.report.db import columns, fetch, has_table


def token_unit_economics(conn) -> list[dict]:
    """Per provider and model: tokens, requests, cost, and the unit costs derived from the
    sums (Decimal division here, not in SQL, where decimal / decimal gives a double). Unit
    costs count only priced rows: a self-hosted or unpriced row has tokens but no cost."""
    cols = columns(conn, "marts", "fct_token_usage_daily")

    def col_sum(name: str, where: str = "") -> str:
        if name not in cols:
            return "null"
        return f"sum({name}) filter (where {where})" if where else f"sum({name})"

    cache_writes = " + ".join(f"coalesce(sum({c}), 0)" for c in ("cache_write_5m_tokens", "cache_write_1h_tokens") if c in cols) or "null"
    total = "total_tokens" if "total_tokens" in cols else "(input_tokens + output_tokens)"
    rows = fetch(conn, f"""
        select provider, model, {"currency" if "currency" in cols else "null::varchar"} as currency,
            sum(requests) as requests,
            {col_sum("input_tokens")} as input_tokens,
            {col_sum("cached_input_tokens")} as cached_input_tokens,
            {cache_writes} as cache_write_tokens,
            {col_sum("output_tokens")} as output_tokens,
            sum({total}) as total_tokens,
            {col_sum("unpriced_tokens")} as unpriced_tokens,
            sum(cost) as cost,
            sum({total}) filter (where cost is not null) as priced_tokens,
            sum(requests) filter (where cost is not null) as priced_requests,
            count(*) filter (where cost is not null) = count(*) as fully_priced
        from marts.fct_token_usage_daily
        group by all
        order by sum(cost) desc nulls last, provider, model
    """)
    for r in rows:
        cost = r["cost"]
        tokens = int(r["priced_tokens"] or 0)
        requests = int(r["priced_requests"] or 0)
        r["cost_per_1k_tokens"] = cost * 1000 / Decimal(tokens) if cost is not None and tokens else None
        r["cost_per_request"] = cost / Decimal(requests) if cost is not None and requests else None
    return rows


WHATIF_KEYS = ("provider", "model", "alternative_provider", "alternative_model", "currency")
WHATIF_SUMS = ("total_tokens", "actual_cost", "alternative_cost", "saving")
WHATIF_FLEET = ("fleet_cost", "fleet_tokens_served", "fleet_cost_per_1m_tokens", "api_price_per_1m_tokens",
                "break_even_tokens")


def model_switch_whatif(conn) -> tuple[list[str], list[str], list[dict]]:
    """Sums of the what-if mart per model used and alternative, tenants and months folded in.
    An alternative with any unpriced tokens has no total (null, not a partial sum). Rows carry
    alternative_basis and is_recommendable (false for a free tier) when the mart has them. Falls
    back to summing whatever the mart has when its columns differ from the contract."""
    cols = columns(conn, "marts", "fct_model_switch_whatif")
    if all(c in cols for c in WHATIF_KEYS + WHATIF_SUMS):
        keys = ", ".join(WHATIF_KEYS)
        sums = ", ".join(f"case when count({m}) = count(*) then sum({m}) end as {m}" for m in WHATIF_SUMS)
        labels = ("max(alternative_basis) as alternative_basis, bool_and(is_recommendable) as is_recommendable"
                  if "is_recommendable" in cols else "'list_price' as alternative_basis, true as is_recommendable")
        rows = fetch(conn, f"""
            select {keys}, {sums}, {labels}
            from marts.fct_model_switch_whatif
            group by all
            order by provider, model, saving desc nulls last, alternative_provider, alternative_model
        """)
        for r in rows:
            r["saving_ratio"] = r["saving"] / r["actual_cost"] if r["saving"] is not None and r["actual_cost"] else None
        return list(WHATIF_KEYS), [*WHATIF_SUMS, "saving_ratio"], rows
    numeric = [c for c, t in cols.items() if t.startswith(("DECIMAL", "DOUBLE", "HUGEINT", "BIGINT", "INTEGER"))]
    folded = {"tenant", "billing_month", "usage_month", "month", "usage_date", "charge_date"}
    dims = [c for c, t in cols.items() if c not in numeric and c not in folded and t == "VARCHAR"]
    if not dims:
        return [], numeric, []
    # ratios and per-unit prices do not add up: keep only the additive measures
    measures = [c for c in numeric if not any(k in c for k in ("per_", "pct", "ratio", "share", "price", "rate"))]
    saving = next((c for c in measures if "saving" in c), measures[-1] if measures else None)
    dim_sql = ", ".join(f'"{d}"' for d in dims)
    sum_sql = ", ".join(f'sum("{m}") as "{m}"' for m in measures)
    order = f'"{saving}" desc, ' if saving else ""
    rows = fetch(conn, f'select {dim_sql}, {sum_sql} from marts.fct_model_switch_whatif group by all order by {order}{dim_sql}')
    return dims, measures, rows


def model_switch_best(conn, rows: list[dict] | None = None) -> dict[tuple, dict]:
    """The cheapest alternative per (provider, model, currency): the largest saving among the
    alternatives priced for every token and recommendable (a 0.00 free tier never is)."""
    if rows is None:
        rows = model_switch_whatif(conn)[2]
    best: dict[tuple, dict] = {}
    for r in rows:  # ordered by saving, largest first, within each model used
        if r["saving"] is not None and r.get("is_recommendable", True):
            best.setdefault((r["provider"], r["model"], r["currency"]), r)
    return best


def selfhosted_vs_api(conn) -> list[dict]:
    """Per month and model pair involving the self-hosted fleet (either side): tokens, costs,
    the fleet's actual cost per 1M tokens, the API's blended price and the break-even volume.
    Empty when the mart predates these columns."""
    cols = columns(conn, "marts", "fct_model_switch_whatif")
    if not all(c in cols for c in WHATIF_FLEET):
        return []
    sums = ", ".join(f"case when count({m}) = count(*) then sum({m}) end as {m}" for m in WHATIF_SUMS)
    fleet = ", ".join(f"max({m}) as {m}" for m in WHATIF_FLEET)
    return fetch(conn, f"""
        select billing_month, {", ".join(WHATIF_KEYS)}, {sums}, {fleet},
            max(alternative_basis) as alternative_basis, bool_and(is_recommendable) as is_recommendable
        from marts.fct_model_switch_whatif
        where fleet_cost is not null
        group by billing_month, {", ".join(WHATIF_KEYS)}
        order by billing_month desc, provider = 'selfhosted', provider, model, alternative_provider, alternative_model
    """)


# --- LLM bill ---------------------------------------------------------------------------

def llm_estimated_vs_billed_daily(conn) -> list[dict]:
    """Per usage day and provider: the usage priced at the book against the providers' cost
    report (billed null on a day whose report is not loaded yet)."""
    return fetch(conn, """
        select usage_date, provider, currency,
            sum(estimated_cost) as estimated_cost,
            sum(billed_cost) as billed_cost,
            sum(gap) as gap,
            bool_or(is_billed_day) as is_billed_day
        from marts.fct_llm_cost_reconciliation
        group by usage_date, provider, currency
        order by provider, usage_date, currency
    """)


# rule of a chargeback cell -> which kind of LLM cost it is (fct_allocation_detail.rule_id)
LLM_RULE_KINDS = (
    ("billed", "rule_id like 'llm_bill:%'"),
    ("estimated", "rule_id like 'llm_estimate:%'"),
    ("proxy", "rule_id = 'tenant_map:litellm_team'"),
    ("selfhosted", "rule_id = 'selfhosted_llm_gpu'"),
)


def tenant_token_cost(conn) -> list[dict]:
    """Each tenant's LLM cost as charged back (the cells of fct_allocation_detail, to the minor
    unit): the providers' bills split by usage, the estimate of days not billed yet, LiteLLM
    proxy traffic at the book, and the self-hosted GPU fleet's share; with its tokens."""
    kinds = ",\n".join(f"sum(case when {cond} then allocated_amount else 0 end) as {name}" for name, cond in LLM_RULE_KINDS)
    any_kind = " or ".join(f"({cond})" for _, cond in LLM_RULE_KINDS)
    has_usage = has_table(conn, "marts", "fct_token_usage_daily")
    tokens = ("select tenant, sum(total_tokens) as tokens from marts.fct_token_usage_daily group by tenant" if has_usage
              else "select cast(null as varchar) as tenant, cast(null as bigint) as tokens where false")
    return fetch(conn, f"""
        with cells as (
            select tenant, currency, {kinds}, sum(allocated_amount) as total
            from marts.fct_allocation_detail
            where {any_kind}
            group by tenant, currency
        ),
        tokens as ({tokens})
        select cells.*, tokens.tokens
        from cells left join tokens on cells.tenant = tokens.tenant
        order by cells.currency, cells.total desc, cells.tenant
    """)
