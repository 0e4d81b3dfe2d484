"""Report section "LLM: estimated vs billed": per provider a chart of each day's usage priced at
the book against the provider's cost report, the day-by-day numbers, and each tenant's LLM cost
as charged back."""

from __future__ import annotations

from collections import defaultdict

from dagster_project.report import queries as q
from dagster_project.report.fmt import esc, integer
from dagster_project.report.layout import Ctx, not_available, num_td
from dagster_project.report.svg import PALETTE, Series, bars_with_line

KIND_HEADERS = (("billed", "Provider bill"), ("estimated", "Estimate (not billed yet)"),
                ("proxy", "LiteLLM proxy"), ("selfhosted", "Self-hosted GPU share"))


def _provider_chart(c: Ctx, provider: str, rows: list[dict]) -> str:
    cur = rows[0]["currency"]
    days = [f"{r['usage_date']:%m-%d}" for r in rows]
    billed = [float(r["billed_cost"]) if r["is_billed_day"] else None for r in rows]
    estimated = [float(r["estimated_cost"]) for r in rows]
    tips_b = [f"billed {c.money(r['billed_cost'], cur)} {cur}" if r["is_billed_day"] else "" for r in rows]
    tips_e = [f"estimated {c.money(r['estimated_cost'], cur)} {cur}" + ("" if r["is_billed_day"] else " (not billed yet)")
              for r in rows]
    return bars_with_line(days, Series("billed", billed, PALETTE[0], 0.85, tips_b),
                          Series("estimated", estimated, PALETTE[1], 1.0, tips_e),
                          f"{provider}: estimated vs billed per day ({cur})")


def _daily_table(c: Ctx, rows: list[dict]) -> str:
    out = ['<details><summary>Day by day</summary><table id="llm-bill-daily"><thead><tr><th>Day</th><th>Provider</th>'
           '<th>Currency</th><th class="num">Estimated</th><th class="num">Billed</th><th class="num">Gap</th></tr></thead><tbody>']
    for r in rows:
        cur = r["currency"]
        billed = c.money(r["billed_cost"], cur) if r["is_billed_day"] else "not billed yet"
        out.append(f'<tr data-day="{r["usage_date"]}" data-provider="{esc(r["provider"])}"><td>{r["usage_date"]}</td>'
                   f'<td>{esc(r["provider"])}</td><td>{esc(cur)}</td>'
                   + num_td(c.money(r["estimated_cost"], cur), r["estimated_cost"], "estimated")
                   + num_td(billed, r["billed_cost"], "billed")
                   + num_td(c.money(r["gap"], cur) if r["is_billed_day"] else "", r["gap"], "gap") + "</tr>")
    out.append("</tbody></table></details>")
    return "".join(out)


def _tenant_table(c: Ctx) -> str:
    if not c.has("fct_allocation_detail"):
        return not_available("marts.fct_allocation_detail")
    rows = q.tenant_token_cost(c.conn)
    if not rows:
        return '<p class="na">No LLM cost charged to tenants yet.</p>'
    out = ['<h3>Each tenant\'s token cost</h3><p class="note">As charged back (<code>marts.fct_allocation_detail</code>, '
           "to the minor unit): the providers' bills split by each tenant's share of the usage-priced cost, the estimate "
           "of days whose bill is not loaded yet, LiteLLM proxy traffic at the book, and the self-hosted GPU fleet's "
           'share. Tokens: all of the tenant\'s tokens in <code>marts.fct_token_usage_daily</code>.</p>',
           '<table id="tenant-token-cost"><thead><tr><th>Tenant</th><th>Currency</th>'
           + "".join(f'<th class="num">{esc(h)}</th>' for _, h in KIND_HEADERS)
           + '<th class="num">Total</th><th class="num">Tokens</th></tr></thead><tbody>']
    for r in rows:
        cur = r["currency"]
        out.append(f'<tr data-tenant="{esc(r["tenant"])}"><td>{esc(r["tenant"])}</td><td>{esc(cur)}</td>'
                   + "".join(num_td(c.money(r[k], cur), r[k], k) for k, _ in KIND_HEADERS)
                   + num_td(c.money(r["total"], cur), r["total"], "total") + num_td(integer(r["tokens"]), None, "tokens")
                   + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def llm_bill_section(c: Ctx) -> str:
    if not c.has("fct_llm_cost_reconciliation"):
        return not_available("marts.fct_llm_cost_reconciliation")
    rows = q.llm_estimated_vs_billed_daily(c.conn)
    out = []
    if not rows:
        out.append('<p class="na">No OpenAI or Anthropic usage or cost report yet.</p>')
    else:
        out.append('<p class="note">Bars: what the provider\'s cost report bills that day; dashed line: the same day\'s usage '
                   'priced at the price book. A day without a bar has no cost report yet (its chargeback is the estimate, '
                   'flagged). Gaps by model and their reasons: <code>marts.fct_llm_cost_reconciliation</code>.</p>')
        by_provider: dict[tuple, list[dict]] = defaultdict(list)
        for r in rows:
            by_provider[(r["provider"], r["currency"])].append(r)
        for (provider, _cur), provider_rows in by_provider.items():
            out.append(_provider_chart(c, provider, provider_rows))
        out.append(_daily_table(c, rows))
    out.append(_tenant_table(c))
    return "".join(out)
