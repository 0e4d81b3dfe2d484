"""Report sections on cost: the overview cards, cost by tenant per day, the month's chargeback
and the zero balance per day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from dagster_project.report import queries as q
from dagster_project.report.fmt import esc, percent
from dagster_project.report.layout import Ctx, not_available, num_td
from dagster_project.report.svg import GREY, PALETTE, Series, stacked_bars


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
