"""Read-only queries of the public marts for the report. Money stays Decimal end to end."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import duckdb


def fetch(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = conn.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def has_table(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()[0])


def columns(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, str]:
    return dict(conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position", [schema, table]
    ).fetchall())


def minor_units(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    if not has_table(conn, "reference", "currencies"):
        return {}
    return {c: int(m) for c, m in conn.execute("select currency, minor_unit from reference.currencies").fetchall()}


# --- chargeback and balance -------------------------------------------------------------

def chargeback_daily(conn) -> list[dict]:
    return fetch(conn, """
        select charge_date, tenant, currency, variable_cost, common_cost, total_cost
        from marts.fct_chargeback_daily
        order by charge_date, tenant
    """)


def latest_month(conn) -> object | None:
    return conn.execute("select max(billing_month) from marts.fct_chargeback_monthly").fetchone()[0]


def chargeback_month(conn, month) -> list[dict]:
    return fetch(conn, """
        select billing_month, tenant, currency, variable_cost, common_cost, total_cost
        from marts.fct_chargeback_monthly
        where billing_month = ?
        order by currency, total_cost desc, tenant
    """, [month])


def balance_daily(conn) -> list[dict]:
    return fetch(conn, """
        select charge_date, currency, platform_cost, charged_back, balance
        from marts.fct_platform_balance_daily
        order by charge_date, currency
    """)


def balance_monthly(conn) -> list[dict]:
    return fetch(conn, """
        select billing_month, currency, platform_cost, charged_back, balance
        from marts.fct_platform_balance_monthly
        order by billing_month, currency
    """)


# --- data quality -----------------------------------------------------------------------

def latest_check_results(conn) -> list[dict]:
    """The most recent result of every check."""
    return fetch(conn, """
        select check_name, asset_key, severity, passed, message, checked_at
        from ops.check_results
        qualify row_number() over (partition by check_name, asset_key order by checked_at desc) = 1
        order by passed, check_name, asset_key
    """)


def open_alerts(conn, limit: int = 50) -> tuple[int, list[dict]]:
    """Alerts whose check has not passed since they were raised (checks that never report a
    pass, such as a quarantined file, stay open). Returns (count, the most recent `limit`)."""
    has_results = has_table(conn, "ops", "check_results")
    last_pass = (
        "select check_name, max(checked_at) as last_passed_at from ops.check_results where passed group by check_name"
        if has_results else "select null::varchar as check_name, null::timestamp as last_passed_at where false"
    )
    sql = f"""
        with last_pass as ({last_pass}),
        open_alerts as (
            select a.raised_at, a.check_name, a.severity, a.subject, a.message, a.delivery_status
            from ops.alerts as a
            left join last_pass as p on p.check_name = a.check_name
            where p.last_passed_at is null or p.last_passed_at < a.raised_at
        )
        select *, count(*) over () as n_open from open_alerts order by raised_at desc limit ?
    """
    rows = fetch(conn, sql, [limit])
    return (rows[0]["n_open"] if rows else 0), rows


def alerts_total(conn) -> int:
    return conn.execute("select count(*) from ops.alerts").fetchone()[0]


# --- tokens -----------------------------------------------------------------------------

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


# --- TEI --------------------------------------------------------------------------------

def tei(conn) -> list[dict]:
    """One dict per analysis: summary, benefit and cost lines pivoted by period, cash flow,
    sensitivity (what exists)."""
    analyses = fetch(conn, "select * from marts.tei_summary order by analysis_id")
    out = []
    for a in analyses:
        aid = a["analysis_id"]
        item = {"summary": a, "benefits": None, "costs": None, "cash_flow": None, "sensitivity": None}
        for kind in ("benefits", "costs"):
            if has_table(conn, "marts", f"tei_{kind}"):
                item[kind] = _pivot_lines(fetch(conn, f"""
                    select line_id, line_name, period, risk_adjustment, unadjusted, risk_adjusted, present_value
                    from marts.tei_{kind} where analysis_id = ? order by line_id, period
                """, [aid]))
        if has_table(conn, "marts", "tei_cash_flow"):
            item["cash_flow"] = fetch(conn, "select * from marts.tei_cash_flow where analysis_id = ? order by period", [aid])
        if has_table(conn, "marts", "tei_sensitivity"):
            item["sensitivity"] = fetch(conn, """
                select scenario_id, scenario_type, discount_rate, line_id, risk_shift_points, npv, roi, npv_change_from_base
                from marts.tei_sensitivity where analysis_id = ? order by scenario_type, npv_change_from_base, scenario_id
            """, [aid])
        out.append(item)
    return out


def _pivot_lines(rows: list[dict]) -> dict:
    periods = sorted({r["period"] for r in rows})
    lines: dict[str, dict] = {}
    for r in rows:
        line = lines.setdefault(r["line_id"], {
            "line_id": r["line_id"], "line_name": r["line_name"], "risk_adjustment": r["risk_adjustment"],
            "by_period": {}, "total": Decimal(0), "total_unadjusted": Decimal(0), "pv": Decimal(0),
        })
        line["by_period"][r["period"]] = r["risk_adjusted"]
        line["total"] += r["risk_adjusted"]
        line["total_unadjusted"] += r["unadjusted"]
        line["pv"] += r["present_value"]
    totals = defaultdict(Decimal)
    for line in lines.values():
        for p, v in line["by_period"].items():
            totals[p] += v
        totals["total"] += line["total"]
        totals["pv"] += line["pv"]
    return {"periods": periods, "lines": list(lines.values()), "totals": dict(totals)}


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
