"""Read-only queries of the public marts for the report. Money stays Decimal end to end.

The token and LLM queries are in `queries_tokens`, the table helpers in `db`; both are
importable from here, as the sections use them (`q.fetch`, `q.token_unit_economics`, ...).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from dagster_project.report.db import columns, fetch, has_table, minor_units
from dagster_project.report.queries_tokens import (
    LLM_RULE_KINDS,
    WHATIF_FLEET,
    WHATIF_KEYS,
    WHATIF_SUMS,
    llm_estimated_vs_billed_daily,
    model_switch_best,
    model_switch_whatif,
    selfhosted_vs_api,
    tenant_token_cost,
    token_unit_economics,
)

__all__ = [
    "LLM_RULE_KINDS", "WHATIF_FLEET", "WHATIF_KEYS", "WHATIF_SUMS", "alerts_total", "balance_daily", "balance_monthly",
    "chargeback_daily", "chargeback_month", "columns", "fetch", "has_table", "latest_check_results", "latest_month",
    "llm_estimated_vs_billed_daily", "minor_units", "model_switch_best", "model_switch_whatif", "open_alerts",
    "selfhosted_vs_api", "tei", "tenant_token_cost", "token_unit_economics",
]


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
