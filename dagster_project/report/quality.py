"""Report section "Data quality and open alerts": the latest result of every check, the open alerts."""

from __future__ import annotations

from dagster_project.report import queries as q
from dagster_project.report.fmt import esc
from dagster_project.report.layout import Ctx, long_text, not_available


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
