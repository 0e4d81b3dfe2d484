"""LLM spend billed from the providers' cost reports (issue 24): hand-made usage and cost pages
through `finops run`, every figure derived by hand below.

Prices (seeds/tokens/llm_prices.csv): gpt-4o standard input 2.50 per 1M until 2026-10-16, 2.00
from then; claude-sonnet-4-5 standard input 3.00 per 1M. claude-imaginary-9 is in no price book.
Tenants (seeds/allocation/tenant_map.csv): proj_payments / wrkspc_payments -> payments,
proj_search -> search.

- 2026-10-15, OpenAI, organization org-bill: usage 600,000 gpt-4o input tokens in proj_payments
  (estimate 1.50) and 400,000 in proj_search (1.00): 60/40. The costs page bills 12.34 USD on one
  line without a project (a page not grouped by project_id: the whole organization's day).
  Split 60/40: 7.404 and 4.936; to the cent, largest remainder: 7.40 and 4.94 (sum 12.34).
- 2026-10-16, Anthropic, org-bill: 100,000 claude-sonnet-4-5 input tokens (estimate 0.30) and
  1,000 claude-imaginary-9 input tokens (unpriced) in wrkspc_payments. The cost report bills
  "30" cents (0.30) and "250.4" cents (2.504). The imaginary model's whole billed 2.504 is the gap,
  on that model; sonnet reconciles with no gap. payments is charged 2.804 -> 2.80.
- 2026-10-16, OpenAI: 100,000 gpt-4o input tokens in proj_payments, no costs page yet: the
  estimate 0.20 stands in, flagged. A second run with the day's costs page (0.25) replaces it.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.helpers import query, run_pipeline, scalar

pytestmark = pytest.mark.slow

GPT4O = "gpt-4o-2024-08-06"
SONNET = "claude-sonnet-4-5-20250929"
IMAGINARY = "claude-imaginary-9"


def unix(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())


def openai_page(day: str, results: list[dict]) -> dict:
    return {"object": "page", "data": [{"object": "bucket", "start_time": unix(day), "end_time": unix(day) + 86400,
                                        "results": results}], "has_more": False, "next_page": None}


def anthropic_page(day: str, results: list[dict]) -> dict:
    end = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()
    return {"data": [{"starting_at": f"{day}T00:00:00Z", "ending_at": f"{end}T00:00:00Z", "results": results}],
            "has_more": False, "next_page": None}


def openai_usage(project: str, tokens: int) -> dict:
    return {"object": "organization.usage.completions.result", "input_tokens": tokens, "input_cached_tokens": 0,
            "output_tokens": 0, "num_model_requests": 1, "project_id": project, "user_id": None,
            "api_key_id": f"key_{project}", "model": GPT4O, "batch": False, "service_tier": "default"}


def anthropic_usage(model: str, tokens: int) -> dict:
    return {"uncached_input_tokens": tokens, "cache_read_input_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0}, "output_tokens": 0,
            "server_tool_use": {"web_search_requests": 0}, "api_key_id": "apikey_payments",
            "workspace_id": "wrkspc_payments", "model": model, "service_tier": "standard", "context_window": "0-200k"}


def anthropic_cost(model: str, cents: str) -> dict:
    return {"currency": "USD", "amount": cents, "workspace_id": "wrkspc_payments",
            "description": f"{model} Usage - Input Tokens", "cost_type": "tokens", "model": model,
            "token_type": "uncached_input_tokens", "service_tier": "standard", "context_window": "0-200k"}


def write(landing: Path, rel: str, page: dict) -> None:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(page))


def write_landing(landing: Path) -> None:
    write(landing, "openai_usage/org-bill/completions/2026-10-15/page-0000.json",
          openai_page("2026-10-15", [openai_usage("proj_payments", 600_000), openai_usage("proj_search", 400_000)]))
    write(landing, "openai_usage/org-bill/completions/2026-10-16/page-0000.json",
          openai_page("2026-10-16", [openai_usage("proj_payments", 100_000)]))
    write(landing, "openai_costs/org-bill/costs/2026-10-15/page-0000.json",
          openai_page("2026-10-15", [{"object": "organization.costs.result", "amount": {"value": 12.34, "currency": "usd"},
                                      "line_item": f"{GPT4O}, input", "project_id": None}]))
    write(landing, "anthropic_usage/org-bill/messages/2026-10-16/page-0000.json",
          anthropic_page("2026-10-16", [anthropic_usage(SONNET, 100_000), anthropic_usage(IMAGINARY, 1_000)]))
    write(landing, "anthropic_costs/org-bill/cost_report/2026-10-16/page-0000.json",
          anthropic_page("2026-10-16", [anthropic_cost(SONNET, "30"), anthropic_cost(IMAGINARY, "250.4")]))


@pytest.fixture(scope="module")
def bill(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("llmbill")
    landing, warehouse = root / "landing", root / "w.duckdb"
    write_landing(landing)
    proc = run_pipeline(landing, warehouse)
    return {"landing": landing, "warehouse": warehouse, "proc": proc}


def chargeback(w, day: str) -> dict:
    return {t: (total, est) for t, total, est in query(
        w, "select tenant, total_cost, estimated_llm_cost from marts.fct_chargeback_daily where charge_date = ?", [day])}


def test_a_bill_of_12_34_split_60_40_charges_7_40_and_4_94(bill):
    assert chargeback(bill["warehouse"], "2026-10-15") == {"payments": (Decimal("7.40"), Decimal(0)),
                                                           "search": (Decimal("4.94"), Decimal(0))}
    parts = query(bill["warehouse"], "select x_tenant, x_allocation_rule, share, effective_cost from intermediate.int_llm_bills_split "
                                     "where charge_date = '2026-10-15' order by x_tenant")
    assert parts == [("payments", "llm_bill:estimated_cost_share", Decimal("0.6"), Decimal("7.404")),
                     ("search", "llm_bill:estimated_cost_share", Decimal("0.4"), Decimal("4.936"))]


def test_the_bill_is_the_focus_cost_and_usage_on_a_billed_day_costs_nothing(bill):
    w = bill["warehouse"]
    rows = query(w, "select x_line_item_type, sum(BilledCost), sum(EffectiveCost), count(*) from marts.focus_costs "
                    "where ChargePeriodStart = '2026-10-15' group by 1 order by 1")
    assert rows == [("BilledTokenCost", Decimal("12.34"), Decimal("12.34"), 1),
                    ("TokenUsageOnBill", Decimal(0), Decimal(0), 2)]


def test_a_model_missing_from_the_book_shows_the_whole_gap_on_that_model(bill):
    rows = query(bill["warehouse"], "select model, estimated_cost, billed_cost, gap, gap_reason from marts.fct_llm_cost_reconciliation "
                                    "where provider = 'anthropic' and usage_date = '2026-10-16' order by model")
    assert rows == [(IMAGINARY, Decimal(0), Decimal("2.504"), Decimal("2.504"), "unpriced model"),
                    (SONNET, Decimal("0.30"), Decimal("0.30"), Decimal(0), "none")]
    # payments: 0.30 + 2.504 billed (2.80 to the cent) and the 0.20 OpenAI estimate of the same day
    assert chargeback(bill["warehouse"], "2026-10-16") == {"payments": (Decimal("3.00"), Decimal("0.20"))}


def test_a_day_without_a_cost_report_keeps_the_estimate_flagged(bill):
    w = bill["warehouse"]
    row = query(w, "select estimated_cost, billed_cost, gap, gap_reason from marts.fct_llm_cost_reconciliation "
                   "where provider = 'openai' and usage_date = '2026-10-16'")
    assert row == [(Decimal("0.20"), None, None, "not billed yet")]
    assert query(w, "select x_line_item_type, EffectiveCost, x_allocation_rule from marts.focus_costs "
                    "where x_source = 'openai_usage' and ChargePeriodStart = '2026-10-16'") == [
        ("TokenUsage", Decimal("0.20"), "llm_estimate:tenant_map:openai_project")]
    # the 12.34 day: estimated 2.50, billed 12.34
    assert query(w, "select estimated_cost, billed_cost, gap, gap_reason from marts.fct_llm_cost_reconciliation "
                    "where provider = 'openai' and usage_date = '2026-10-15'") == [
        (Decimal("2.50"), Decimal("12.34"), Decimal("9.84"), "unknown")]


def test_platform_balance_is_zero_every_day(bill):
    w = bill["warehouse"]
    rows = query(w, "select cast(charge_date as varchar), platform_cost, charged_back, balance from marts.fct_platform_balance_daily order by 1")
    assert rows == [("2026-10-15", Decimal("12.34"), Decimal("12.34"), Decimal(0)),
                    ("2026-10-16", Decimal("3.00"), Decimal("3.00"), Decimal(0))]


def test_the_gap_check_warns_naming_model_and_day(bill):
    out = bill["proc"].stdout + bill["proc"].stderr
    line = next(line for line in out.splitlines() if "check llm_cost_gap" in line)
    assert "FAILED" in line
    alert = query(bill["warehouse"], "select severity, message from ops.alerts where check_name = 'llm_cost_gap'")
    assert alert and alert[0][0] == "warn"
    assert IMAGINARY in alert[0][1] and "2026-10-16" in alert[0][1] and GPT4O in alert[0][1] and "2026-10-15" in alert[0][1]


def test_the_bill_arriving_replaces_the_estimate_never_adds_to_it(bill, tmp_path):
    import shutil
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    shutil.copytree(bill["landing"], landing)
    shutil.copy(bill["warehouse"], warehouse)
    write(landing, "openai_costs/org-bill/costs/2026-10-16/page-0000.json",
          openai_page("2026-10-16", [{"object": "organization.costs.result", "amount": {"value": 0.25, "currency": "usd"},
                                      "line_item": f"{GPT4O}, input", "project_id": "proj_payments"}]))
    run_pipeline(landing, warehouse)
    # 2.804 (Anthropic) + 0.25 (OpenAI bill, not 0.20 + 0.25) = 3.054 -> 3.05
    assert chargeback(warehouse, "2026-10-16") == {"payments": (Decimal("3.05"), Decimal(0))}
    assert scalar(warehouse, "select balance from marts.fct_platform_balance_daily where charge_date = '2026-10-16'") == 0
    assert scalar(warehouse, "select sum(EffectiveCost) from marts.focus_costs where ChargePeriodStart = '2026-10-16'") == Decimal("3.054")
