"""Report section: what each tenant's container jobs cost this month, and the idle capacity
(docs/container_costs.md). Read from marts.fct_allocation_detail: the used parts of split
instances (rules container_split:*), GKE workload rows (tenant_map:k8s_namespace), the idle pools (container_idle:<cluster>) and job-log
split clusters (cluster:<cluster>)."""

from __future__ import annotations

from dagster_project.report import queries as q
from dagster_project.report.fmt import esc
from dagster_project.report.layout import not_available, num_td

JOBS_SQL = """
select tenant, currency,
    sum(case when cost_kind = 'variable' and (rule_id like 'container_split:%' or rule_id = 'tenant_map:k8s_namespace')
        then allocated_amount else 0 end) as used,
    sum(case when pool like 'container_idle:%' then allocated_amount else 0 end) as idle_share,
    sum(case when pool like 'cluster:%' then allocated_amount else 0 end) as job_log_share
from marts.fct_allocation_detail
where billing_month = ? and (rule_id like 'container_split:%' or rule_id = 'tenant_map:k8s_namespace' or pool like 'container_idle:%' or pool like 'cluster:%')
group by 1, 2
order by 1
"""

IDLE_SQL = """
select pool, currency, sum(allocated_amount) as idle, string_agg(distinct driver, ', ') as drivers
from marts.fct_allocation_detail
where billing_month = ? and pool like 'container_idle:%'
group by 1, 2
order by 1
"""


def container_jobs(c) -> str:
    if not c.has("fct_allocation_detail"):
        return not_available("marts.fct_allocation_detail")
    month = q.latest_month(c.conn)
    rows = q.fetch(c.conn, JOBS_SQL, [month]) if month is not None else []
    if not rows:
        return '<p class="na">No container instances with split cost data or job-log clusters this month.</p>'
    out = [f"<p>{month:%Y-%m}: the instance cost of each tenant's container jobs (its tasks' and pods' used share "
           "of split instances), its share of the clusters' idle capacity, and its share of clusters split by the "
           "platform job log.</p><table id='container-jobs'><thead><tr><th>Tenant</th><th class='num'>Jobs (used)</th>"
           "<th class='num'>Idle capacity share</th><th class='num'>Job-log clusters</th><th class='num'>Total</th>"
           "</tr></thead><tbody>"]
    for r in rows:
        total = r["used"] + r["idle_share"] + r["job_log_share"]
        out.append(f"<tr><td>{esc(r['tenant'])}</td>" + "".join(
            num_td(c.money(v, r["currency"]), v) for v in (r["used"], r["idle_share"], r["job_log_share"], total)) + "</tr>")
    out.append("</tbody></table>")
    idle = q.fetch(c.conn, IDLE_SQL, [month])
    if idle:
        out.append("<h3>Idle capacity by cluster</h3><table id='container-idle'><thead><tr><th>Cluster</th>"
                   "<th class='num'>Idle cost</th><th>Split by</th></tr></thead><tbody>")
        for r in idle:
            out.append(f"<tr><td>{esc(r['pool'].split(':', 1)[1])}</td>" + num_td(c.money(r["idle"], r["currency"]), r["idle"])
                       + f"<td>{esc(r['drivers'])}</td></tr>")
        out.append("</tbody></table>")
    return "".join(out)
