"""Report sections on tokens: unit economics per model, and the model-switch what-if with the
self-hosted fleet against the APIs."""

from __future__ import annotations

from dagster_project.report import queries as q
from dagster_project.report.fmt import esc, fixed, integer, percent
from dagster_project.report.layout import Ctx, not_available, num_td
from dagster_project.report.svg import hbars


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
