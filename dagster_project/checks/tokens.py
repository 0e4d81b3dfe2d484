"""Token usage fetched without grouping by model (OpenAI usage API, Anthropic usage report).

A page fetched without `group_by=model` reports `model: null`, so its tokens cannot be priced.
The lines stay visible (model UNKNOWN_MODEL, pricing_status 'unpriced', int_llm_token_lines_unioned)
and this warn check says how to fix the fetch. Other grouping fields null (project_id, api_key_id,
user_id, batch, service_tier) only lose detail: the tokens go to the 'unallocated' tenant and the
standard tier, which the message names too.
"""

import dagster as dg

from dagster_project import progress
from dagster_project.checks.results import record
from dagster_project.resources import FinopsWarehouse

TOKEN_USAGE = dg.AssetKey(["marts", "fct_token_usage_daily"])
CHECK_NAME = "ungrouped_token_usage"
# the same literal as in int_llm_token_lines_unioned.sql
UNKNOWN_MODEL = "(unknown: fetch with group_by=model)"

UNGROUPED_SQL = """
select source, source_file, count(*) as lines, sum(tokens) as tokens,
       min(usage_date) as first_day, max(usage_date) as last_day
from intermediate.int_llm_token_lines_attributed
where model = ?
group by source, source_file
order by source, source_file
"""


def ungrouped_message(rows: list[tuple]) -> str:
    if not rows:
        return "every token line names its model"
    tokens = sum(r[3] for r in rows)
    lines = [(f"{tokens:,} token(s) in {len(rows)} file(s) have no model and are UNPRICED: "
              "fetch with group_by=model (OpenAI: group_by=model,project_id,api_key_id,batch,service_tier; "
              "Anthropic: group_by[]=model).")]
    for source, file, n, t, first, last in rows:
        lines.append(f"- {source} {file}: {t:,} token(s) on {n} line(s), {first}..{last}")
    lines.append("Without project_id/api_key_id the tokens are 'unallocated'; without batch/service_tier they are "
                 "priced at the standard tier.")
    lines.append(f"Look: select * from intermediate.int_llm_token_lines_attributed where model = '{UNKNOWN_MODEL}'")
    return "\n".join(lines)


@dg.asset_check(asset=TOKEN_USAGE, name=CHECK_NAME,
                description="Every token line names its model (usage pages fetched with group_by=model).")
def ungrouped_token_usage(context: dg.AssetCheckExecutionContext, warehouse: FinopsWarehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as conn:
        rows = conn.execute(UNGROUPED_SQL, [UNKNOWN_MODEL]).fetchall()
        message = ungrouped_message(rows)
        progress.say(f"check {CHECK_NAME}: {'ok' if not rows else 'FAILED'} - {message.splitlines()[0]}")
        return record(
            conn, context, CHECK_NAME, TOKEN_USAGE.to_user_string(), "warn", not rows, message,
            {"files": [r[1] for r in rows], "tokens": sum(r[3] for r in rows)},
            subject=rows[0][1] if rows else None,
        )
