"""The report as one HTML string: inline CSS and SVG, no script, no network at view time."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb

from dagster_project.report import queries as q
from dagster_project.report.containers import container_jobs
from dagster_project.report.fmt import esc, fixed, integer, money, percent
from dagster_project.report.svg import (
    GREY,
    PALETTE,
    Series,
    bars_and_lines,
    hbars,
    stacked_bars,
)

FONT_STACK = ("'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Hiragino Kaku Gothic ProN', 'Yu Gothic', "
              "'Meiryo', system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif")

CSS = f"""
:root {{ --ok: #2e9d5b; --bad: #d1495b; --warn: #c98a00; --muted: #666; --line: #e3e3e3; }}
* {{ box-sizing: border-box; }}
body {{ font-family: {FONT_STACK}; margin: 0; color: #1d1d1f; background: #fafafa; line-height: 1.45; }}
header {{ background: #1f3a5f; color: #fff; padding: 20px 32px; }}
header h1 {{ margin: 0 0 4px; font-size: 1.5rem; }}
header p {{ margin: 0; opacity: .85; font-size: .9rem; }}
nav {{ padding: 8px 32px; background: #fff; border-bottom: 1px solid var(--line); font-size: .9rem; position: sticky; top: 0; }}
nav a {{ margin-right: 16px; color: #1f3a5f; text-decoration: none; }}
main {{ padding: 8px 24px 48px; max-width: 1320px; }}
section {{ overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 18px 0; }}
h2 {{ margin: 0 0 8px; font-size: 1.2rem; }}
h3 {{ font-size: 1rem; margin: 18px 0 6px; }}
p.note {{ color: var(--muted); font-size: .85rem; margin: 4px 0 10px; }}
p.na {{ color: var(--muted); font-style: italic; }}
table {{ border-collapse: collapse; font-size: .85rem; margin: 6px 0 10px; }}
th, td {{ padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }}
th {{ background: #f3f5f8; font-weight: 600; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
td.neg {{ color: var(--bad); }}
tr.total td {{ font-weight: 700; border-top: 2px solid #999; }}
tr.best td {{ background: #eef8f1; }}
td.nowrap {{ white-space: nowrap; }}
div.sub {{ font-size: .75rem; color: var(--muted); white-space: normal; }}
details summary {{ cursor: pointer; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0; }}
.card {{ border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 150px; background: #fff; }}
.card .label {{ color: var(--muted); font-size: .8rem; }}
.card .value {{ font-size: 1.25rem; font-weight: 700; font-variant-numeric: tabular-nums; }}
.ok {{ color: var(--ok); }} .bad {{ color: var(--bad); }} .warn {{ color: var(--warn); }}
.badge {{ display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: .78rem; font-weight: 700; }}
.badge.ok {{ background: var(--ok); color: #fff; }} .badge.bad {{ background: var(--bad); color: #fff; }}
.badge.warn {{ background: var(--warn); color: #fff; }}
.days {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(74px, 1fr)); gap: 6px; margin: 8px 0; }}
.day {{ border-radius: 6px; padding: 6px; color: #fff; font-size: .78rem; text-align: center; }}
.day.ok {{ background: var(--ok); }} .day.bad {{ background: var(--bad); }}
.day b {{ display: block; font-size: .9rem; }}
.legend {{ display: flex; flex-wrap: wrap; gap: 14px; font-size: .85rem; margin: 6px 0; }}
.legend span.sw {{ display: inline-block; width: 12px; height: 12px; margin-right: 2px; vertical-align: -1px; border-radius: 2px; }}
svg.chart {{ width: 100%; height: auto; max-width: 980px; display: block; }}
svg.chart .grid {{ stroke: #eee; stroke-width: 1; }}
svg.chart .zero {{ stroke: #888; stroke-width: 1; }}
svg.chart text.tick {{ font-size: 11px; fill: #555; font-family: {FONT_STACK}; }}
footer {{ color: var(--muted); font-size: .8rem; padding: 0 32px 32px; }}
@media print {{ nav {{ position: static; }} section {{ break-inside: avoid; }} }}
"""


class Ctx:
    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn
        self.units = q.minor_units(conn)

    def has(self, table: str, schema: str = "marts") -> bool:
        return q.has_table(self.conn, schema, table)

    def money(self, v, cur) -> str:
        return money(v, cur, self.units)


def num_td(text: str, value=None, col: str | None = None) -> str:
    neg = value is not None and Decimal(value) < 0
    attr = f' data-col="{esc(col)}"' if col else ""
    return f'<td class="num{" neg" if neg else ""}"{attr}>{esc(text)}</td>'


def not_available(table: str) -> str:
    return f'<p class="na">Not available yet: <code>{esc(table)}</code> is not in this warehouse.</p>'


# --- sections ---------------------------------------------------------------------------

def overview(c: Ctx) -> str:
    cards = []
    if c.has("fct_chargeback_monthly"):
        month = q.latest_month(c.conn)
        if month is not None:
            cards.append(("Latest month", f"{month:%Y-%m}", ""))
            rows = q.chargeback_month(c.conn, month)
            cards.append(("Tenants charged", str(len({r["tenant"] for r in rows})), ""))
    if c.has("fct_platform_balance_monthly"):
        for r in q.balance_monthly(c.conn)[-3:]:
            cards.append((f"Platform cost {r['billing_month']:%Y-%m} ({r['currency']})", c.money(r["platform_cost"], r["currency"]), ""))
            ok = r["balance"] == 0
            cards.append((f"Balance {r['billing_month']:%Y-%m}", c.money(r["balance"], r["currency"]), "ok" if ok else "bad"))
    if c.has("check_results", "ops"):
        results = q.latest_check_results(c.conn)
        errors = sum(1 for r in results if not r["passed"] and r["severity"] == "error")
        warnings = sum(1 for r in results if not r["passed"] and r["severity"] != "error")
        cls = "bad" if errors else "warn" if warnings else "ok"
        cards.append((f"Checks failing (of {len(results)})", f"{errors} error, {warnings} warn", cls))
    if c.has("alerts", "ops"):
        n_open, _ = q.open_alerts(c.conn, limit=1)
        cards.append(("Open alerts", str(n_open), "ok" if n_open == 0 else "bad"))
    if not cards:
        return '<p class="na">The warehouse has no marts yet: run <code>finops run</code> first.</p>'
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="label">{esc(label)}</div><div class="value {cls}">{esc(value)}</div></div>'
        for label, value, cls in cards) + "</div>"


def tenant_colors(rows: list[dict]) -> dict[str, str]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        totals[r["tenant"]] += r["total_cost"]
    ordered = sorted((t for t in totals if t != "unallocated"), key=lambda t: (-totals[t], t))
    colors = {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(ordered)}
    if "unallocated" in totals:
        colors["unallocated"] = GREY
    return colors


CHART_MONTHS = 3  # months of days in the cost chart


def _months_back(month_start: dt.date, n: int) -> dt.date:
    y, m = divmod(month_start.year * 12 + month_start.month - 1 - n, 12)
    return dt.date(y, m + 1, 1)


def long_text(text: str | None, limit: int = 220) -> str:
    """Check and alert messages can run to pages: the first lines, the rest behind a click (no script)."""
    if text is None or len(text) <= limit:
        return esc(text)
    return f"<details><summary>{esc(text[:limit])}…</summary>{esc(text[limit:])}</details>"


def cost_by_tenant(c: Ctx) -> str:
    if not c.has("fct_chargeback_daily"):
        return not_available("marts.fct_chargeback_daily")
    rows = q.chargeback_daily(c.conn)
    if not rows:
        return '<p class="na">No chargeback rows yet.</p>'
    last = max(r["charge_date"] for r in rows)
    first = _months_back(last.replace(day=1), CHART_MONTHS - 1)
    older = sum(1 for r in rows if r["charge_date"] < first)
    rows = [r for r in rows if r["charge_date"] >= first]
    out = [('<p class="note">Daily chargeback per tenant. Solid: variable cost the tenant caused; light: its share of '
           'common costs (split each day by variable cost). Hover a bar for the amount.'
            + (f" Showing {first:%Y-%m-%d} to {last:%Y-%m-%d}; {older} older tenant-day rows are in the mart." if older else "")
            + "</p>")]
    for cur in sorted({r["currency"] for r in rows}):
        cur_rows = [r for r in rows if r["currency"] == cur]
        lo = min(r["charge_date"] for r in cur_rows)
        days = [lo + dt.timedelta(days=i) for i in range((last - lo).days + 1)]
        colors = tenant_colors(cur_rows)
        cell = {(r["charge_date"], r["tenant"]): r for r in cur_rows}
        series = []
        for tenant, color in colors.items():
            for kind, opacity in (("variable", 1.0), ("common", 0.45)):
                vals, tips = [], []
                for d in days:
                    r = cell.get((d, tenant))
                    v = r[f"{kind}_cost"] if r else Decimal(0)
                    vals.append(float(v))
                    tips.append(f"{tenant} {kind}: {c.money(v, cur)} {cur}")
                series.append(Series(f"{tenant} {kind}", vals, color, opacity, tips))
        labels = [f"{d:%m-%d}" if lo.year == last.year else f"{d:%Y-%m-%d}" for d in days]
        legend = "".join(
            f'<span><span class="sw" style="background:{col}"></span><span class="sw" style="background:{col};opacity:.45">'
            f'</span> {esc(t)}</span>' for t, col in colors.items())
        out.append(f"<h3>Cost by tenant per day ({esc(cur)})</h3>")
        out.append(f'<div class="legend">{legend}</div>')
        out.append(stacked_bars(labels, series, f"Cost by tenant per day, {cur}: variable and common"))
    return "".join(out)


def chargeback_table(c: Ctx) -> str:
    if not c.has("fct_chargeback_monthly"):
        return not_available("marts.fct_chargeback_monthly")
    month = q.latest_month(c.conn)
    if month is None:
        return '<p class="na">No chargeback rows yet.</p>'
    rows = q.chargeback_month(c.conn, month)
    out = [(f'<p class="note">Month {month:%Y-%m}, from <code>marts.fct_chargeback_monthly</code>. '
           'Variable cost plus the tenant\'s share of common costs; the totals equal the platform cost.</p>')]
    for cur in sorted({r["currency"] for r in rows}):
        cur_rows = [r for r in rows if r["currency"] == cur]
        total = {k: sum((r[k] for r in cur_rows), Decimal(0)) for k in ("variable_cost", "common_cost", "total_cost")}
        body = []
        for r in cur_rows:
            share = r["total_cost"] / total["total_cost"] if total["total_cost"] else None
            body.append(
                f'<tr data-tenant="{esc(r["tenant"])}"><td>{esc(r["tenant"])}</td><td>{esc(cur)}</td>'
                + "".join(num_td(c.money(r[k], cur), r[k], k) for k in ("variable_cost", "common_cost", "total_cost"))
                + num_td(percent(share) if share is not None else "", None, "share") + "</tr>")
        body.append('<tr class="total" data-tenant=""><td>Total</td><td>' + esc(cur) + "</td>"
                    + "".join(num_td(c.money(total[k], cur), total[k], k) for k in ("variable_cost", "common_cost", "total_cost"))
                    + num_td("100.0%" if total["total_cost"] else "", None, "share") + "</tr>")
        out.append(
            f'<table id="chargeback-monthly-{esc(cur)}" class="chargeback-monthly" data-month="{month:%Y-%m}" data-currency="{esc(cur)}">'
            '<thead><tr><th>Tenant</th><th>Currency</th><th class="num">Variable</th><th class="num">Common share</th>'
            '<th class="num">Total</th><th class="num">Share of total</th></tr></thead><tbody>'
            + "".join(body) + "</tbody></table>")
    return "".join(out)


def balance_status(c: Ctx) -> str:
    if not c.has("fct_platform_balance_daily"):
        return not_available("marts.fct_platform_balance_daily")
    rows = q.balance_daily(c.conn)
    if not rows:
        return '<p class="na">No balance rows yet.</p>'
    bad = [r for r in rows if r["balance"] != 0]
    out = [(f'<p class="note">Platform cost minus charged back, per day: green when it is exactly 0 (every cost '
           f'charged to someone), red otherwise. {len(rows) - len(bad)} of {len(rows)} days balance.</p>'),
           '<div class="days" id="balance-days">']
    for r in rows:
        ok = r["balance"] == 0
        cur = r["currency"]
        tip = (f"{r['charge_date']:%Y-%m-%d}: platform {c.money(r['platform_cost'], cur)} {cur}, "
               f"charged back {c.money(r['charged_back'], cur)}, balance {c.money(r['balance'], cur)}")
        out.append(f'<div class="day {"ok" if ok else "bad"}" title="{esc(tip)}" data-date="{r["charge_date"]:%Y-%m-%d}">'
                   f'<b>{r["charge_date"]:%m-%d}</b>{"✓ 0" if ok else "✗ " + esc(c.money(r["balance"], cur))}</div>')
    out.append("</div>")
    if bad:
        out.append("<h3>Days out of balance</h3><table><thead><tr><th>Day</th><th>Currency</th><th class='num'>Platform cost</th>"
                   "<th class='num'>Charged back</th><th class='num'>Balance</th></tr></thead><tbody>")
        for r in bad:
            cur = r["currency"]
            out.append(f"<tr><td>{r['charge_date']:%Y-%m-%d}</td><td>{esc(cur)}</td>"
                       + "".join(num_td(c.money(r[k], cur), r[k]) for k in ("platform_cost", "charged_back", "balance")) + "</tr>")
        out.append("</tbody></table>")
    if c.has("fct_platform_balance_monthly"):
        out.append("<h3>By month</h3><table id='balance-monthly'><thead><tr><th>Month</th><th>Currency</th>"
                   "<th class='num'>Platform cost</th><th class='num'>Charged back</th><th class='num'>Balance</th><th>Status</th>"
                   "</tr></thead><tbody>")
        for r in q.balance_monthly(c.conn):
            cur, ok = r["currency"], r["balance"] == 0
            out.append(f"<tr><td>{r['billing_month']:%Y-%m}</td><td>{esc(cur)}</td>"
                       + "".join(num_td(c.money(r[k], cur), r[k]) for k in ("platform_cost", "charged_back", "balance"))
                       + f'<td><span class="badge {"ok" if ok else "bad"}">{"balanced" if ok else "OUT OF BALANCE"}</span></td></tr>')
        out.append("</tbody></table>")
    return "".join(out)


def data_quality(c: Ctx) -> str:
    out = []
    if c.has("check_results", "ops"):
        results = q.latest_check_results(c.conn)
        if results:
            out.append('<h3>Checks (latest result of each)</h3><table id="checks"><thead><tr><th>Status</th><th>Check</th>'
                       '<th>Asset</th><th>Severity</th><th>Message</th><th>Checked at (UTC)</th></tr></thead><tbody>')
            for r in results:
                status = ('<span class="badge ok">PASS</span>' if r["passed"] else
                          f'<span class="badge {"bad" if r["severity"] == "error" else "warn"}">FAIL</span>')
                out.append(f"<tr><td>{status}</td><td>{esc(r['check_name'])}</td><td>{esc(r['asset_key'])}</td>"
                           f"<td>{esc(r['severity'])}</td><td>{long_text(r['message'])}</td>"
                           f"<td class='nowrap'>{r['checked_at']:%Y-%m-%d %H:%M}</td></tr>")
            out.append("</tbody></table>")
        else:
            out.append('<p class="na">No check results recorded yet.</p>')
    else:
        out.append(not_available("ops.check_results"))
    if c.has("alerts", "ops"):
        n_open, rows = q.open_alerts(c.conn)
        total = q.alerts_total(c.conn)
        out.append(f'<h3>Open alerts: {n_open}</h3><p class="note">An alert is open until its check passes again; '
                   f'{total} alert(s) recorded in all (<code>ops.alerts</code>).</p>')
        if rows:
            shown = f" (the latest {len(rows)})" if n_open > len(rows) else ""
            out.append(f'<table id="open-alerts"><thead><tr><th>Raised at (UTC){shown}</th><th>Check</th><th>Severity</th>'
                       '<th>Subject</th><th>Message</th><th>Slack</th></tr></thead><tbody>')
            for r in rows:
                cls = "bad" if r["severity"] == "error" else "warn" if r["severity"] == "warn" else ""
                out.append(f"<tr><td class='nowrap'>{r['raised_at']:%Y-%m-%d %H:%M}</td><td>{esc(r['check_name'])}</td>"
                           f'<td class="{cls}">{esc(r["severity"])}</td><td>{esc(r["subject"])}</td>'
                           f"<td>{long_text(r['message'])}</td><td>{esc(r['delivery_status'])}</td></tr>")
            out.append("</tbody></table>")
    else:
        out.append(not_available("ops.alerts"))
    return "".join(out)


def token_economics(c: Ctx) -> str:
    if not c.has("fct_token_usage_daily"):
        return not_available("marts.fct_token_usage_daily")
    rows = q.token_unit_economics(c.conn)
    if not rows:
        return '<p class="na">No token usage rows yet.</p>'
    currencies = {r["currency"] for r in rows if r["currency"]}
    one = next(iter(currencies)) if len(currencies) == 1 else None  # then in the headers, not a column
    unit = f" ({esc(one)})" if one else ""
    out = [('<p class="note">All tenants and days, by provider and model, from <code>marts.fct_token_usage_daily</code>. '
           'Tokens: input is uncached input; total counts every token once. Unit costs are the summed cost divided by '
           'the summed tokens (per 1,000) or requests of the priced rows, '
           'to 4 decimals. Self-hosted models have no token cost here: their GPU fleet is a common cost split by tokens.</p>'),
           ('<table id="token-economics"><thead><tr><th>Provider / model</th>' + ("" if one else "<th>Currency</th>")
            + '<th class="num">Requests</th><th class="num">Input</th><th class="num">Cached input</th>'
            '<th class="num">Cache writes</th><th class="num">Output</th><th class="num">Total</th>'
            f'<th class="num">Cost{unit}</th><th class="num">per 1K tokens</th><th class="num">per request</th>'
            '</tr></thead><tbody>')]
    for r in rows:
        cur = r["currency"]
        if r["provider"] == "selfhosted":
            note = "self-hosted: its cost is in the GPU pool"
        elif r["cost"] is None:
            note = f"unpriced: {integer(r['unpriced_tokens'])} tokens without a price"
        elif not r["fully_priced"]:
            note = "partly priced: unit costs over the priced days"
        elif r["requests"] is None:
            note = "the provider reports no request counts"
        else:
            note = ""
        sub = f'<div class="sub">{esc(note)}</div>' if note else ""
        out.append(f'<tr data-model="{esc(r["model"])}" data-provider="{esc(r["provider"])}">'
                   f'<td class="nowrap">{esc(r["provider"])} / {esc(r["model"])}{sub}</td>'
                   + ("" if one else f"<td>{esc(cur)}</td>")
                   + num_td(integer(r["requests"]), None, "requests") + num_td(integer(r["input_tokens"]), None, "input_tokens")
                   + num_td(integer(r["cached_input_tokens"]), None, "cached_input_tokens")
                   + num_td(integer(r["cache_write_tokens"]), None, "cache_write_tokens")
                   + num_td(integer(r["output_tokens"]), None, "output_tokens")
                   + num_td(integer(r["total_tokens"]), None, "total_tokens")
                   + num_td(c.money(r["cost"], cur), r["cost"], "cost")
                   + num_td(fixed(r["cost_per_1k_tokens"], 4), None, "cost_per_1k_tokens")
                   + num_td(fixed(r["cost_per_request"], 4), None, "cost_per_request") + "</tr>")
    out.append("</tbody></table>")
    charted = [r for r in rows if r["cost_per_1k_tokens"] is not None]
    if charted:
        charted.sort(key=lambda r: r["cost_per_1k_tokens"], reverse=True)
        out.append("<h3>Cost per 1K tokens by model</h3>")
        out.append(hbars([f"{r['provider']} / {r['model']}" for r in charted], [float(r["cost_per_1k_tokens"]) for r in charted],
                         [f"{fixed(r['cost_per_1k_tokens'], 4)} {r['currency'] or ''} per 1K tokens" for r in charted],
                         "Cost per 1K tokens by model"))
    return "".join(out)


def model_switch(c: Ctx) -> str:
    if not c.has("fct_model_switch_whatif"):
        return not_available("marts.fct_model_switch_whatif")
    dims, measures, rows = q.model_switch_whatif(c.conn)
    if not rows:
        return '<p class="na">No what-if rows yet.</p>'
    if dims != list(q.WHATIF_KEYS):
        return _generic_table("model-switch", dims, measures, rows, c)
    head = ('<thead><tr><th>Model used</th><th>Alternative</th><th>Currency</th><th class="num">Tokens</th>'
            '<th class="num">Actual cost</th><th class="num">Alternative cost</th><th class="num">Saving</th>'
            '<th class="num">Saving %</th></tr></thead>')

    def row(r: dict) -> str:
        cur = r["currency"]
        free = r.get("alternative_basis") == "free_tier"
        label = ' <span class="warn">free tier</span>' if free else ""
        return (f'<tr data-provider="{esc(r["provider"])}" data-model="{esc(r["model"])}" '
                f'data-alternative-provider="{esc(r["alternative_provider"])}" data-alternative="{esc(r["alternative_model"])}"'
                f' data-basis="{esc(r.get("alternative_basis") or "")}">'
                f'<td class="nowrap">{esc(r["provider"])} / {esc(r["model"])}</td>'
                f'<td class="nowrap">{esc(r["alternative_provider"])} / {esc(r["alternative_model"])}{label}</td><td>{esc(cur)}</td>'
                + num_td(integer(r["total_tokens"]), None, "total_tokens")
                + "".join(num_td(c.money(r[k], cur), r[k], k) for k in ("actual_cost", "alternative_cost", "saving"))
                + num_td(percent(r["saving_ratio"]), r["saving_ratio"], "saving_ratio") + "</tr>")

    best = q.model_switch_best(c.conn, rows)
    out = [('<p class="note">What the same tokens would have cost at another model\'s prices, summed over tenants and '
            'months (<code>marts.fct_model_switch_whatif</code>). Saving = actual - alternative: positive when the '
            'alternative is cheaper, negative when it costs more. An alternative lacking a price for some tokens shows '
            'no total. A 0.00 price is marked <em>free tier</em> (a promotional or rate-limited offer without an SLA, not '
            'a price for production volume) and is never the cheapest alternative. Self-hosted traffic is priced at the '
            'fleet\'s actual cost per 1M tokens (alternative <code>selfhosted / selfhosted-fleet</code>). Price is not '
            'the only criterion: check quality before switching.</p>'),
           f'<h3>Cheapest alternative per model</h3><table id="model-switch-best">{head}<tbody>',
           *(row(r) for r in sorted(best.values(), key=lambda r: r["saving"], reverse=True)),
           "</tbody></table>",
           _selfhosted_vs_api(c),
           f'<details><summary>Every alternative ({len(rows)} rows)</summary><table id="model-switch">{head}<tbody>',
           *(row(r) for r in rows), "</tbody></table></details>"]
    return "".join(out)


def _selfhosted_vs_api(c: Ctx) -> str:
    pairs = q.selfhosted_vs_api(c.conn)
    if not pairs:
        return ""
    head = ('<thead><tr><th>Month</th><th>Traffic of</th><th>Priced at</th><th class="num">Tokens</th>'
            '<th class="num">Actual cost</th><th class="num">Alternative cost</th><th class="num">Saving</th>'
            '<th class="num">Fleet per 1M</th><th class="num">API per 1M</th><th class="num">Fleet tokens served</th>'
            '<th class="num">Break-even tokens / month</th></tr></thead>')
    body = []
    for r in pairs:
        cur = r["currency"]
        free = ' <span class="warn">free tier</span>' if r["alternative_basis"] == "free_tier" else ""
        body.append(
            f'<tr data-provider="{esc(r["provider"])}" data-model="{esc(r["model"])}" data-alternative="{esc(r["alternative_model"])}">'
            f'<td>{esc(r["billing_month"])}</td><td class="nowrap">{esc(r["provider"])} / {esc(r["model"])}</td>'
            f'<td class="nowrap">{esc(r["alternative_provider"])} / {esc(r["alternative_model"])}{free}</td>'
            + num_td(integer(r["total_tokens"]), None, "total_tokens")
            + "".join(num_td(c.money(r[k], cur), r[k], k) for k in ("actual_cost", "alternative_cost", "saving"))
            + num_td(fixed(r["fleet_cost_per_1m_tokens"], 4), r["fleet_cost_per_1m_tokens"], "fleet_cost_per_1m_tokens")
            + num_td(fixed(r["api_price_per_1m_tokens"], 4), r["api_price_per_1m_tokens"], "api_price_per_1m_tokens")
            + num_td(integer(r["fleet_tokens_served"]), None, "fleet_tokens_served")
            + num_td(integer(r["break_even_tokens"]) if r["break_even_tokens"] is not None else "-", None, "break_even_tokens")
            + "</tr>")
    return ('<h3>Self-hosted fleet vs API, priced from actuals</h3>'
            '<p class="note">The fleet at its actual cost per 1M tokens: the month\'s GPU pool (the allocation rules '
            'whose driver is the self-hosted tokens; idle hours included) over the tokens it served. The GPU cost is fixed '
            'per month, so its cost per token falls as it serves more; an API\'s is variable. Break-even = fleet cost / '
            'the API\'s blended price per token for the pair\'s token mix: above it the fleet is cheaper (while its '
            'GPUs can serve the volume), below it the API.</p>'
            f'<table id="selfhosted-vs-api">{head}<tbody>{"".join(body)}</tbody></table>')


def _generic_table(table_id: str, dims: list[str], measures: list[str], rows: list[dict], c: Ctx) -> str:
    cur_col = "currency" if "currency" in dims else None
    head = "".join(f"<th>{esc(d.replace('_', ' '))}</th>" for d in dims) + "".join(
        f'<th class="num">{esc(m.replace("_", " "))}</th>' for m in measures)
    body = []
    for r in rows:
        cur = r.get(cur_col) if cur_col else None
        cells = "".join(f"<td>{esc(r[d])}</td>" for d in dims)
        for m in measures:
            v = r[m]
            cells += num_td(integer(v) if "token" in m or "request" in m else c.money(v, cur), v, m)
        body.append(f"<tr>{cells}</tr>")
    return f'<table id="{esc(table_id)}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _period_label(p: int) -> str:
    return "Initial" if p == 0 else f"Year {p}"


def _tei_lines_table(c: Ctx, title: str, table_id: str, data: dict, cur: str) -> str:
    periods = data["periods"]
    head = ("<tr><th>Line</th><th>Name</th><th class='num'>Risk adj.</th>"
            + "".join(f"<th class='num'>{_period_label(p)}</th>" for p in periods)
            + "<th class='num'>Total</th><th class='num'>Present value</th></tr>")
    body = []
    for line in data["lines"]:
        body.append(f"<tr data-line='{esc(line['line_id'])}'><td>{esc(line['line_id'])}</td><td>{esc(line['line_name'])}</td>"
                    + num_td(percent(line["risk_adjustment"], 0), None, "risk_adjustment")
                    + "".join(num_td(c.money(line["by_period"].get(p, Decimal(0)), cur), line["by_period"].get(p), f"period_{p}")
                              for p in periods)
                    + num_td(c.money(line["total"], cur), line["total"], "total")
                    + num_td(c.money(line["pv"], cur), line["pv"], "present_value") + "</tr>")
    t = data["totals"]
    body.append("<tr class='total'><td colspan='3'>Total</td>"
                + "".join(num_td(c.money(t.get(p, Decimal(0)), cur), t.get(p), f"period_{p}") for p in periods)
                + num_td(c.money(t["total"], cur), t["total"], "total") + num_td(c.money(t["pv"], cur), t["pv"], "present_value") + "</tr>")
    return (f"<h3>{esc(title)} ({esc(cur)}, risk-adjusted)</h3><table id='{esc(table_id)}'><thead>{head}</thead><tbody>"
            + "".join(body) + "</tbody></table>")


def tei_section(c: Ctx) -> str:
    if not c.has("tei_summary"):
        return not_available("marts.tei_summary")
    analyses = q.tei(c.conn)
    if not analyses:
        return '<p class="na">No TEI analyses yet.</p>'
    out = [('<p class="note">Total Economic Impact analyses from the TEI seeds: benefits and costs per period after '
           'risk adjustment, discounted at the analysis\' rate.</p>')]
    for a in analyses:
        s = a["summary"]
        cur, aid = s["currency"], s["analysis_id"]
        out.append(f'<h3 id="tei-{esc(aid)}">{esc(s.get("analysis_name") or aid)}</h3>')
        payback = f"{s['payback_months']} months" if s.get("payback_months") is not None else "not within the horizon"
        cards = [("NPV", c.money(s["npv"], cur) + f" {cur}", "npv"), ("ROI", percent(s["roi"]), "roi"),
                 ("Payback", payback, "payback_months"), ("PV of benefits", c.money(s["pv_benefits"], cur), "pv_benefits"),
                 ("PV of costs", c.money(s["pv_costs"], cur), "pv_costs")]
        if s.get("discount_rate") is not None:
            cards.append(("Discount rate", percent(s["discount_rate"]), "discount_rate"))
        if s.get("years") is not None:
            cards.append(("Horizon", f"{s['years']} years", "years"))
        out.append(f'<div class="cards tei-summary" data-analysis="{esc(aid)}">' + "".join(
            f'<div class="card" data-metric="{m}"><div class="label">{esc(label)}</div><div class="value">{esc(v)}</div></div>'
            for label, v, m in cards) + "</div>")
        if a["benefits"]:
            out.append(_tei_lines_table(c, "Benefits", f"tei-benefits-{aid}", a["benefits"], cur))
        if a["costs"]:
            out.append(_tei_lines_table(c, "Costs", f"tei-costs-{aid}", a["costs"], cur))
        if a["cash_flow"]:
            cf = a["cash_flow"]
            cols = [("costs", "Costs"), ("benefits", "Benefits"), ("net", "Net"), ("cumulative_net", "Cumulative net"),
                    ("pv_net", "PV of net"), ("cumulative_pv_net", "Cumulative PV")]
            cols = [(k, label) for k, label in cols if k in cf[0]]
            out.append(f"<h3>Cash flow ({esc(cur)})</h3><table id='tei-cash-flow-{esc(aid)}'><thead><tr><th>Period</th>"
                       + "".join(f"<th class='num'>{label}</th>" for _, label in cols) + "</tr></thead><tbody>")
            for r in cf:
                out.append(f"<tr><td>{_period_label(r['period'])}</td>"
                           + "".join(num_td(c.money(r[k], cur), r[k], k) for k, _ in cols) + "</tr>")
            out.append("</tbody></table>")
            labels = [_period_label(r["period"]) for r in cf]
            lines = [Series("cumulative net", [float(r["cumulative_net"]) for r in cf], "#1f3a5f", 1.0,
                            [f"{c.money(r['cumulative_net'], cur)} {cur}" for r in cf])]
            if "cumulative_pv_net" in cf[0]:
                lines.append(Series("cumulative PV", [float(r["cumulative_pv_net"]) for r in cf], "#E69F00", 0.9,
                                    [f"{c.money(r['cumulative_pv_net'], cur)} {cur}" for r in cf]))
            bars = Series("net", [float(r["net"]) for r in cf], "", 1.0, [f"{c.money(r['net'], cur)} {cur}" for r in cf])
            out.append('<div class="legend"><span><span class="sw" style="background:#2e9d5b"></span>net cash flow per period '
                       '(red when negative)</span><span><span class="sw" style="background:#1f3a5f"></span>cumulative net</span>'
                       '<span><span class="sw" style="background:#E69F00"></span>cumulative present value (dashed)</span></div>')
            out.append(bars_and_lines(labels, bars, lines, f"Cumulative cash flow, {s.get('analysis_name') or aid}"))
        if a["sensitivity"]:
            out.append(f"<h3>Sensitivity ({esc(cur)})</h3><table id='tei-sensitivity-{esc(aid)}'><thead><tr><th>Scenario</th>"
                       "<th>Type</th><th class='num'>Discount rate</th><th class='num'>NPV</th><th class='num'>ROI</th>"
                       "<th class='num'>NPV change</th></tr></thead><tbody>")
            for r in a["sensitivity"]:
                out.append(f"<tr><td>{esc(r['scenario_id'])}</td><td>{esc(r['scenario_type'])}</td>"
                           + num_td(percent(r["discount_rate"]), None) + num_td(c.money(r["npv"], cur), r["npv"])
                           + num_td(percent(r["roi"]), None) + num_td(c.money(r["npv_change_from_base"], cur), r["npv_change_from_base"])
                           + "</tr>")
            out.append("</tbody></table>")
    return "".join(out)


def llm_bill(c: Ctx) -> str:
    from dagster_project.report.llm import llm_bill_section  # it imports this module's helpers

    return llm_bill_section(c)


SECTIONS = [
    ("overview", "Overview", overview),
    ("cost-by-tenant", "Cost by tenant over time", cost_by_tenant),
    ("chargeback", "This month's chargeback", chargeback_table),
    ("containers", "Container jobs and idle capacity", container_jobs),
    ("balance", "Zero balance per day", balance_status),
    ("quality", "Data quality and open alerts", data_quality),
    ("tokens", "Token unit economics", token_economics),
    ("llm-bill", "LLM: estimated vs billed", llm_bill),
    ("whatif", "Model-switch what-if", model_switch),
    ("tei", "Total Economic Impact", tei_section),
]


def render(conn: duckdb.DuckDBPyConnection, warehouse: Path, on_section=None) -> str:
    c = Ctx(conn)
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = []
    for sid, title, fn in SECTIONS:
        if on_section:
            on_section(title)
        parts.append(f'<section id="{sid}"><h2>{esc(title)}</h2>{fn(c)}</section>')
    nav = "".join(f'<a href="#{sid}">{esc(title)}</a>' for sid, title, _ in SECTIONS)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="finops report">
<title>FinOps report</title>
<link rel="icon" href="data:,">
<style>{CSS}</style>
</head>
<body>
<header><h1>FinOps report</h1><p>Warehouse {esc(warehouse)} · generated {generated} · amounts exactly as in the marts,
rounded to the currency's minor unit</p></header>
<nav>{nav}</nav>
<main>
{"".join(parts)}
</main>
<footer>Built by <code>finops report</code> from the public marts (docs/bi.md). Self-contained: no scripts, no network.</footer>
</body>
</html>
"""
