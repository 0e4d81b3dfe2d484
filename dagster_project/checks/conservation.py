"""Per-file conservation: rows and billed cost in each loaded file equal those in marts.focus_costs."""


import dagster as dg

from dagster_project import progress
from dagster_project.checks.results import record
from dagster_project.ingest import SOURCES
from dagster_project.resources import FinopsWarehouse

FOCUS_COSTS = dg.AssetKey(["marts", "focus_costs"])

CONSERVATION_SQL = """
with files as (
    select file_id, source, path, rows, cost_total, currency
    from ops.ingest_files
    where status = 'loaded' and source in ({sources})
),
focus as (
    select x_file_id as file_id, count(*) as rows, sum(BilledCost) as cost_total
    from marts.focus_costs
    group by x_file_id
)
select files.source, files.path, files.rows, coalesce(focus.rows, 0), files.cost_total,
       coalesce(focus.cost_total, 0), files.currency
from files
left join focus using (file_id)
where files.rows <> coalesce(focus.rows, 0) or files.cost_total <> coalesce(focus.cost_total, 0)
order by files.path
"""


@dg.asset_check(asset=FOCUS_COSTS, name="per_file_conservation", blocking=True,
                description="Every loaded file's row count and billed-cost total equal its rows in focus_costs, to the last digit.")
def per_file_conservation(context: dg.AssetCheckExecutionContext, warehouse: FinopsWarehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as conn:
        focus_sources = [name for name, spec in SOURCES.items() if spec.focus_rows]
        placeholders = ", ".join("?" for _ in focus_sources)
        bad = conn.execute(CONSERVATION_SQL.format(sources=placeholders), focus_sources).fetchall()
        checked = conn.execute(
            f"select count(*) from ops.ingest_files where status = 'loaded' and source in ({placeholders})", focus_sources
        ).fetchone()[0]
        if bad:
            lines = [
                f"{src} {path}: rows {r_in} in file vs {r_out} in focus_costs; billed {c_in} vs {c_out} {cur}"
                for src, path, r_in, r_out, c_in, c_out, cur in bad[:20]
            ]
            message = f"{len(bad)} of {checked} files do not reconcile to focus_costs:\n" + "\n".join(lines)
        else:
            message = f"all {checked} loaded files reconcile to focus_costs (rows and billed cost)"
        progress.say(f"check per_file_conservation: {'ok' if not bad else 'FAILED'} - {message.splitlines()[0]}")
        return record(conn, context, "per_file_conservation", FOCUS_COSTS.to_user_string(), "error", not bad, message,
                      {"files_checked": checked, "files_failing": len(bad)})
