"""Report section "Total Economic Impact": per analysis its summary cards, benefit and cost
lines per period, cash flow with its chart, and the sensitivity scenarios."""

from __future__ import annotations

from decimal import Decimal

from dagster_project.report import queries as q
from dagster_project.report.fmt import esc, percent
from dagster_project.report.layout import Ctx, not_available, num_td
from dagster_project.report.svg import Series, bars_and_lines


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
