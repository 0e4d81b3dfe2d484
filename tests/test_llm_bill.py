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
- 2026-10-17, OpenAI (tiers and line items; docs/llm_bill.md):
  - batch: 1,000,000 gpt-4o-mini input tokens with batch true in proj_payments, priced at the
    book's batch row 0.075 per 1M (standard 0.15: half) = 0.075; billed 0.075: gap 0.
  - priority: 100,000 gpt-5 input tokens, service_tier priority, at 2.50 per 1M = 0.25; billed
    on the line item "priority | gpt-5-2025-08-07, input" 0.25: gap 0.
  - flex: 100,000 gpt-4o input tokens, service_tier flex, in proj_search: gpt-4o has no flex row,
    so unpriced (estimate 0); billed 0.10: gap 0.10, 'tier not in the book'.
  - "web search tool calls" 0.105 in proj_payments: no "<model>, <kind>", so no model is
    guessed: gap 0.105 on that line item, 'line item not parsed'.
- 2026-10-17, Anthropic (long context): 250,000 claude-sonnet-4-5 input tokens in the 200k-1M
  window at the long-context 6.00 per 1M = 1.50, billed "150" cents: gap 0; 100,000 batch
  tokens in that window, for which the book has no row (batch rows are base-window only):
  estimate 0, billed "30" cents, gap 0.30, 'context window not in the book'.
  Chargeback 2026-10-17: payments 0.075 + 0.25 + 0.105 + 1.50 + 0.30 = 2.23, search 0.10
  (its pool has no priced usage: split by tokens, all search); platform 2.33.
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
GPT4O_MINI = "gpt-4o-mini-2024-07-18"
GPT5 = "gpt-5-2025-08-07"


def unix(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())


def openai_page(day: str, results: list[dict]) -> dict:
    return {"object": "page", "data": [{"object": "bucket", "start_time": unix(day), "end_time": unix(day) + 86400,
                                        "results": results}], "has_more": False, "next_page": None}


def anthropic_page(day: str, results: list[dict]) -> dict:
    end = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()
    return {"data": [{"starting_at": f"{day}T00:00:00Z", "ending_at": f"{end}T00:00:00Z", "results": results}],
            "has_more": False, "next_page": None}


def openai_usage(project: str, tokens: int, model: str = GPT4O, batch: bool = False, tier: str = "default") -> dict:
    return {"object": "organization.usage.completions.result", "input_tokens": tokens, "input_cached_tokens": 0,
            "output_tokens": 0, "num_model_requests": 1, "project_id": project, "user_id": None,
            "api_key_id": f"key_{project}", "model": model, "batch": batch, "service_tier": tier}


def openai_cost(line_item: str, usd: float, project: str | None) -> dict:
    return {"object": "organization.costs.result", "amount": {"value": usd, "currency": "usd"},
            "line_item": line_item, "project_id": project}


def anthropic_usage(model: str, tokens: int, tier: str = "standard", window: str = "0-200k") -> dict:
    return {"uncached_input_tokens": tokens, "cache_read_input_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0}, "output_tokens": 0,
            "server_tool_use": {"web_search_requests": 0}, "api_key_id": "apikey_payments",
            "workspace_id": "wrkspc_payments", "model": model, "service_tier": tier, "context_window": window}


def anthropic_cost(model: str, cents: str, tier: str = "standard", window: str = "0-200k") -> dict:
    return {"currency": "USD", "amount": cents, "workspace_id": "wrkspc_payments",
            "description": f"{model} Usage - Input Tokens", "cost_type": "tokens", "model": model,
            "token_type": "uncached_input_tokens", "service_tier": tier, "context_window": window}


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
    write(landing, "openai_usage/org-bill/completions/2026-10-17/page-0000.json",
          openai_page("2026-10-17", [openai_usage("proj_payments", 1_000_000, GPT4O_MINI, batch=True),
                                     openai_usage("proj_payments", 100_000, GPT5, tier="priority"),
                                     openai_usage("proj_search", 100_000, GPT4O, tier="flex")]))
    write(landing, "openai_costs/org-bill/costs/2026-10-17/page-0000.json",
          openai_page("2026-10-17", [openai_cost(f"{GPT4O_MINI}, input", 0.075, "proj_payments"),
                                     openai_cost(f"priority | {GPT5}, input", 0.25, "proj_payments"),
                                     openai_cost(f"{GPT4O}, input", 0.10, "proj_search"),
                                     openai_cost("web search tool calls", 0.105, "proj_payments")]))
    write(landing, "anthropic_usage/org-bill/messages/2026-10-17/page-0000.json",
          anthropic_page("2026-10-17", [anthropic_usage(SONNET, 250_000, window="200k-1M"),
                                        anthropic_usage(SONNET, 100_000, tier="batch", window="200k-1M")]))
    write(landing, "anthropic_costs/org-bill/cost_report/2026-10-17/page-0000.json",
          anthropic_page("2026-10-17", [anthropic_cost(SONNET, "150", window="200k-1M"),
                                        anthropic_cost(SONNET, "30", tier="batch", window="200k-1M")]))


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
                    ("2026-10-16", Decimal("3.00"), Decimal("3.00"), Decimal(0)),
                    ("2026-10-17", Decimal("2.33"), Decimal("2.33"), Decimal(0))]


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


def reconciliation(w, provider: str, day: str) -> list[tuple]:
    return query(w, "select model, token_type, service_tier, estimated_cost, billed_cost, gap, gap_reason "
                    "from marts.fct_llm_cost_reconciliation where provider = ? and usage_date = ? order by model, token_type",
                 [provider, day])


def test_a_batch_request_at_half_the_standard_price_reconciles_with_zero_gap(bill):
    w = bill["warehouse"]
    # 1,000,000 tokens x 0.075 per 1M (batch) = 0.075; the standard row is 0.15 per 1M
    assert query(w, "select service_tier, unit_price_per_1m, cost from intermediate.int_llm_token_lines_priced "
                    "where model = ? and usage_date = '2026-10-17'", [GPT4O_MINI]) == [
        ("batch", Decimal("0.075"), Decimal("0.075"))]
    assert scalar(w, "select input_per_1m from intermediate.int_llm_prices_effective where model = 'gpt-4o-mini' "
                     "and service_tier = 'standard'") == 2 * Decimal("0.075")
    tier = "(all: not on the bill)"
    assert reconciliation(w, "openai", "2026-10-17") == [
        (GPT4O, "input", tier, Decimal(0), Decimal("0.10"), Decimal("0.10"), "tier not in the book"),
        (GPT4O_MINI, "input", tier, Decimal("0.075"), Decimal("0.075"), Decimal(0), "none"),
        (GPT5, "input", tier, Decimal("0.25"), Decimal("0.25"), Decimal(0), "none"),
        ("web search tool calls", "(line item not parsed)", tier, Decimal(0), Decimal("0.105"), Decimal("0.105"),
         "line item not parsed")]


def test_openai_line_items_parse_tier_prefix_and_refuse_to_guess(bill):
    rows = query(bill["warehouse"], "select line_item, model, token_type, service_tier from intermediate.int_llm_cost_lines_unioned "
                                    "where provider = 'openai' and usage_date = '2026-10-17' order by line_item")
    assert rows == [(f"{GPT4O}, input", GPT4O, "input", None),
                    (f"{GPT4O_MINI}, input", GPT4O_MINI, "input", None),
                    (f"priority | {GPT5}, input", GPT5, "input", "priority"),
                    ("web search tool calls", "web search tool calls", "(line item not parsed)", None)]


def test_long_context_usage_is_priced_at_the_long_context_row(bill):
    w = bill["warehouse"]
    # 250,000 x 6.00 per 1M = 1.50 (the base-window row would say 0.75); batch in 200k-1M: no row
    assert query(w, "select service_tier, context_window_key, unit_price_per_1m, cost, pricing_status "
                    "from intermediate.int_llm_token_lines_priced where provider = 'anthropic' and usage_date = '2026-10-17' "
                    "order by service_tier") == [
        ("batch", "200k-1m", None, None, "unpriced"),
        ("standard", "200k-1m", Decimal("6.00"), Decimal("1.50"), "priced")]
    assert reconciliation(w, "anthropic", "2026-10-17") == [
        (SONNET, "input", "batch", Decimal(0), Decimal("0.30"), Decimal("0.30"), "context window not in the book"),
        (SONNET, "input", "standard", Decimal("1.50"), Decimal("1.50"), Decimal(0), "none")]
    # 0.075 + 0.25 + 0.105 (OpenAI) + 1.50 + 0.30 (Anthropic) = 2.23; search 0.10 of the flex line
    assert chargeback(w, "2026-10-17") == {"payments": (Decimal("2.23"), Decimal(0)), "search": (Decimal("0.10"), Decimal(0))}
