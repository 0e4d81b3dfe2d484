"""Estimated vs billed LLM cost (marts.fct_llm_cost_reconciliation): warn when a model's gap on a
billed day is above FINOPS_LLM_GAP_THRESHOLD (default 0.02, i.e. 2% of the billed cost).

The chargeback is the bill either way (int_llm_bills_split), so nothing is lost: the gap says the
price book explains the bill badly for that model and day (an unpriced model, a tier the book
lacks, a price change it missed, a discount). A billed cost of 0 against a priced estimate counts
as a gap of 100%. Days without a cost report are not judged (the estimate stands in, flagged).
"""

import os
from decimal import Decimal

import dagster as dg

from dagster_project import progress
from dagster_project.checks.results import record
from dagster_project.resources import FinopsWarehouse

RECONCILIATION = dg.AssetKey(["marts", "fct_llm_cost_reconciliation"])
CHECK_NAME = "llm_cost_gap"
DEFAULT_THRESHOLD = "0.02"

GAPS_SQL = """
select cast(usage_date as varchar), provider, model, token_type, service_tier, estimated_cost, billed_cost, gap,
       gap_ratio, gap_reason, currency
from marts.fct_llm_cost_reconciliation
where is_billed_day and gap <> 0
  and (billed_cost = 0 or abs(gap) > ? * abs(billed_cost))
order by abs(gap) desc, usage_date, provider, model, token_type
"""


def gap_threshold() -> Decimal:
    return Decimal(os.environ.get("FINOPS_LLM_GAP_THRESHOLD", DEFAULT_THRESHOLD))


def gap_message(rows: list[tuple], threshold: Decimal) -> str:
    if not rows:
        return f"every model's billed LLM cost is within {threshold:%} of its usage-priced estimate on every billed day"
    lines = [f"{len(rows)} model/day line(s) of LLM cost differ from the bill by more than {threshold:%} "
             "(the chargeback is the bill; the price book does not explain it):"]
    for day, provider, model, token_type, tier, est, billed, gap, ratio, reason, cur in rows[:15]:
        share = f"{ratio:.1%} of the bill" if ratio is not None else "billed 0"
        lines.append(f"- {day} {provider} {model} {token_type} ({tier}): estimated {est} {cur}, billed {billed}, "
                     f"gap {gap} ({share}); reason: {reason}")
    if len(rows) > 15:
        lines.append(f"- ... and {len(rows) - 15} more")
    lines.append("Look: select * from marts.fct_llm_cost_reconciliation where gap <> 0 order by abs(gap) desc")
    return "\n".join(lines)


@dg.asset_check(asset=RECONCILIATION, name=CHECK_NAME,
                description="On every billed day, each model's billed LLM cost is within FINOPS_LLM_GAP_THRESHOLD "
                            "(default 2%) of its usage-priced estimate.")
def llm_cost_gap(context: dg.AssetCheckExecutionContext, warehouse: FinopsWarehouse) -> dg.AssetCheckResult:
    threshold = gap_threshold()
    with warehouse.connect() as conn:
        rows = conn.execute(GAPS_SQL, [threshold]).fetchall()
        message = gap_message(rows, threshold)
        progress.say(f"check {CHECK_NAME}: {'ok' if not rows else 'FAILED'} - {message.splitlines()[0]}")
        return record(
            conn, context, CHECK_NAME, RECONCILIATION.to_user_string(), "warn", not rows, message,
            {"threshold": str(threshold), "lines_over_threshold": len(rows),
             "models": sorted({f"{r[1]}/{r[2]}" for r in rows})},
            subject=f"{rows[0][2]} {rows[0][0]}" if rows else None,
        )
