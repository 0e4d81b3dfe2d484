"""Issue 24 on the demo: LLM cost is in the platform balance, which stays zero every day, and the
sample's one deliberate gap (sample/openai_costs.py: gpt-4o-2024-08-06 output on the 10th billed
8% above the book) shows in the reconciliation and is named by the llm_cost_gap check."""

from __future__ import annotations

import calendar
from decimal import Decimal

from tests.conftest import DEMO_MONTH
from tests.helpers import query

GAP_DAY = f"{DEMO_MONTH}-10"


def test_llm_cost_is_in_the_balance_and_every_demo_day_balances_to_zero(demo):
    w = demo["warehouse"]
    [(llm_rows, llm_cost)] = query(w, "select count(*), sum(BilledCost) from marts.focus_costs "
                                      "where x_source in ('openai_costs', 'anthropic_costs')")
    assert llm_rows > 0 and llm_cost > 0
    days = query(w, "select charge_date, balance from marts.fct_platform_balance_daily "
                    "where strftime(charge_date, '%Y-%m') = ? order by 1", [DEMO_MONTH])
    year, month = map(int, DEMO_MONTH.split("-"))
    assert len(days) == calendar.monthrange(year, month)[1]
    assert {balance for _, balance in days} == {Decimal(0)}


def test_the_deliberate_gap_is_8_percent_above_the_estimate_on_that_day_only(demo):
    w = demo["warehouse"]
    rows = query(w, """
        select usage_date, model, estimated_cost, billed_cost, gap
        from marts.fct_llm_cost_reconciliation
        where provider = 'openai' and token_type = 'output' and model like 'gpt-4o-2024-08-06%'
          and billed_cost is not null
        order by usage_date""")
    gap_days = [r for r in rows if str(r[0]) == GAP_DAY]
    assert len(gap_days) == 1
    _, _, estimated, billed, gap = gap_days[0]
    # billed = estimate x 1.08 (to 10 decimals), so gap = 0.08 x estimate
    assert estimated > 0
    assert abs(billed - estimated * Decimal("1.08")) <= Decimal("1e-9")
    assert abs(gap - estimated * Decimal("0.08")) <= Decimal("1e-9")
    # every other billed day of the same model and token type is billed at the book
    assert all(abs(r[4]) <= Decimal("1e-9") for r in rows if str(r[0]) != GAP_DAY)


def test_the_gap_check_names_the_model_and_the_day(demo):
    alerts = query(demo["warehouse"], "select severity, message from ops.alerts where check_name = 'llm_cost_gap'")
    assert alerts
    severity, message = alerts[0]
    assert severity == "warn"
    assert "gpt-4o" in message and GAP_DAY in message
