"""LLM token usage end to end: hand-made usage files through `finops run`, figures computed by hand.

Prices in tests/test_tokens_fixtures.py. One pipeline run for the module.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from tests.helpers import query, run_pipeline, scalar
from tests.test_tokens_fixtures import BAD_FILES, expected_file_totals, write_landing

pytestmark = pytest.mark.slow

GPT4O = "gpt-4o-2024-08-06"


@pytest.fixture(scope="module")
def tokens(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("tokens")
    landing, warehouse = root / "landing", root / "w.duckdb"
    files = write_landing(landing)
    proc = run_pipeline(landing, warehouse)
    return {"landing": landing, "warehouse": warehouse, "files": files, "proc": proc}


def daily(w, **where) -> list[dict]:
    cond = " and ".join(f"{k} = ?" for k in where) or "true"
    rows = query(w, f"select * from marts.fct_token_usage_daily where {cond} order by usage_date, tenant, provider, model",
                 list(where.values()))
    cols = [r[0] for r in query(w, "describe marts.fct_token_usage_daily")]
    return [dict(zip(cols, r)) for r in rows]


def test_openai_cached_tokens_are_not_double_charged(tokens):
    w = tokens["warehouse"]
    (row,) = daily(w, model=GPT4O, usage_date="2026-10-15")
    # input_tokens 1,000,000 include the 400,000 cached ones
    assert (row["input_tokens"], row["cached_input_tokens"], row["output_tokens"]) == (600_000, 400_000, 100_000)
    assert row["total_tokens"] == 1_100_000
    # 0.6M x 2.50 + 0.4M x 1.25 + 0.1M x 10.00 = 3.00 (charging input_tokens in full as well would give 4.00)
    assert row["cost"] == Decimal("3.00")
    focus = query(w, "select SkuMeter, ConsumedQuantity, BilledCost from marts.focus_costs where x_model = ? "
                     "and ChargePeriodStart = '2026-10-15' order by SkuMeter", [GPT4O])
    assert focus == [("Cached Input Tokens", Decimal(400_000), Decimal("0.50")), ("Input Tokens", Decimal(600_000), Decimal("1.50")),
                     ("Output Tokens", Decimal(100_000), Decimal("1.00"))]


def test_anthropic_cache_reads_and_writes_are_priced_apart(tokens):
    (row,) = daily(tokens["warehouse"], provider="anthropic", tenant="search")
    assert (row["input_tokens"], row["cached_input_tokens"], row["cache_write_5m_tokens"], row["cache_write_1h_tokens"],
            row["output_tokens"]) == (100_000, 200_000, 40_000, 10_000, 20_000)
    # 0.1M x 3.00 + 0.2M x 0.30 + 0.04M x 3.75 + 0.01M x 6.00 + 0.02M x 15.00
    assert row["cost"] == Decimal("0.30") + Decimal("0.06") + Decimal("0.15") + Decimal("0.06") + Decimal("0.30")
    assert row["requests"] is None and row["cost_per_request"] is None


def test_a_mid_month_price_change_prices_each_day_at_its_own_price(tokens):
    w = tokens["warehouse"]
    before, after = daily(w, model=GPT4O)
    assert (before["usage_date"].isoformat(), before["cost"]) == ("2026-10-15", Decimal("3.00"))
    # the same tokens on the 16th at 2.00 / 1.00 / 8.00: 1.20 + 0.40 + 0.80
    assert (after["usage_date"].isoformat(), after["cost"]) == ("2026-10-16", Decimal("2.40"))
    # 2.40 / 10 requests; 2.40 x 1000 / 1,100,000 tokens, rounded to 10 decimals
    assert after["cost_per_request"] == Decimal("0.24") and after["cost_per_1k_tokens"] == Decimal("0.0021818182")
    prices = query(w, "select cast(ChargePeriodStart as date), ListUnitPrice, SkuId, SkuPriceId from marts.focus_costs "
                      "where x_model = ? and SkuMeter = 'Input Tokens' order by 1", [GPT4O])
    assert [(str(d), p) for d, p, _, _ in prices] == [("2026-10-15", Decimal("2.50")), ("2026-10-16", Decimal("2.00"))]
    # one SKU, two SKU prices
    assert {s for _, _, s, _ in prices} == {"openai/gpt-4o/input"}
    assert [sp for *_, sp in prices] == ["openai/gpt-4o/input/standard/2024-08-06", "openai/gpt-4o/input/standard/2026-10-16"]


def test_model_switch_whatif_saving_for_fixed_usage(tokens):
    rows = {
        alt: (actual, alternative, saving)
        for alt, actual, alternative, saving in query(
            tokens["warehouse"],
            "select alternative_model, actual_cost, alternative_cost, saving from marts.fct_model_switch_whatif "
            "where tenant = 'payments' and model = ? and billing_month = '2026-10-01'",
            [GPT4O],
        )
    }
    # actual: 3.00 + 2.40. llama-3-70b has no cached price: cached tokens read as input.
    # per day (1.0M input incl. cached) x 0.50 + 0.1M x 0.75 = 0.575, two days = 1.15
    assert rows["llama-3-70b"] == (Decimal("5.40"), Decimal("1.15"), Decimal("4.25"))
    # deepseek-r1 per day: 0.6M x 0.55 + 0.4M x 0.14 + 0.1M x 2.19 = 0.605, two days = 1.21
    assert rows["deepseek-r1"] == (Decimal("5.40"), Decimal("1.21"), Decimal("4.19"))
    # gpt-4o itself is no alternative of itself
    assert "gpt-4o" not in rows


def test_unknown_model_is_a_visible_unpriced_row_and_a_warning(tokens):
    w = tokens["warehouse"]
    (row,) = daily(w, model="gpt-9-experimental")
    assert (row["cost"], row["unpriced_tokens"], row["pricing_status"], row["total_tokens"]) == (None, 1500, "unpriced", 1500)
    focus = query(w, "select x_line_item_type, BilledCost, ChargeDescription from marts.focus_costs where x_model = 'gpt-9-experimental'")
    assert len(focus) == 2 and all(t == "UnpricedTokenUsage" and c == 0 and d.startswith("UNPRICED:") for t, c, d in focus)
    warn = [line for line in tokens["proc"].stdout.splitlines() if "unpriced_tokens" in line and "WARN" in line]
    assert warn, "the dbt warn-level test on fct_token_usage_daily.unpriced_tokens should report the unknown model"


def test_tenants_come_from_the_tenant_map_with_api_key_fallback(tokens):
    w = tokens["warehouse"]
    got = {(p, m, t) for p, m, t in query(w, "select provider, model, tenant from marts.fct_token_usage_daily where provider <> 'selfhosted'")}
    assert ("openai", "gpt-4o-mini-2024-07-18", "search") in got  # proj_sandbox, key_sandbox_search
    assert ("anthropic", "claude-sonnet-4-5-20250929", "analytics") in got  # Default workspace, apikey_default_analytics
    assert ("deepseek", "deepseek-r1", "unallocated") in got  # LiteLLM request without a team
    assert ("meta", "llama-3-70b", "search") in got
    # the FOCUS rows of the same usage land on the same tenants (int_charges_classified)
    focus = {(m, t) for m, t in query(w, "select x_model, x_tenant from marts.focus_costs")}
    mart = {(m, t) for _, m, t in got}
    assert focus == mart


def test_selfhosted_tokens_per_day_and_tenant_drive_the_gpu_split(tokens):
    w = tokens["warehouse"]
    rows = query(w, "select cast(usage_date as varchar), tenant, total_tokens, requests, cost from marts.fct_token_usage_daily "
                    "where provider = 'selfhosted' order by 1, 2")
    assert rows == [
        ("2026-10-15", "ml-research", 2200, 1, None),  # tenant header
        ("2026-10-15", "payments", 1100, 1, None),
        ("2026-10-15", "unallocated", 550, 1, None),  # a key the tenant map does not know
        ("2026-10-16", "payments", 4400, 1, None),
    ]
    assert scalar(w, "select count(*) from marts.focus_costs where x_source = 'selfhosted_llm'") == 0


def test_litellm_spend_is_reconciled_against_the_price_book(tokens):
    rows = query(tokens["warehouse"], "select cast(usage_date as varchar), provider, estimated_cost, reported_cost, gap "
                                      "from marts.fct_token_cost_reconciliation_daily order by 1")
    # r1: 0.8K x 0.55 + 0.2K x 0.14 + 0.5K x 2.19 = 0.001563; r2: 3K x 0.55 + 1K x 2.19 = 0.00384
    assert rows[0] == ("2026-10-15", "deepseek", Decimal("0.005403"), Decimal("0.0015") + Decimal("0.00384"), Decimal("-0.000063"))
    assert rows[1] == ("2026-10-16", "meta", Decimal("0.00175"), Decimal("0.00175"), Decimal(0))


def test_per_file_conservation_of_tokens_and_requests(tokens):
    w = tokens["warehouse"]
    landing = tokens["landing"]
    loaded = dict(query(w, "select path, file_id from ops.ingest_files where status = 'loaded'"))
    assert set(loaded) == {p.relative_to(landing).as_posix() for p in tokens["files"].values()}
    by_provider: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, path in tokens["files"].items():
        rel = path.relative_to(landing).as_posix()
        file_tokens, file_requests = expected_file_totals(path)
        mart_tokens, mart_requests = query(
            w, "select sum(tokens), sum(requests) from intermediate.int_llm_token_lines_attributed where source_file = ?", [rel])[0]
        assert (mart_tokens, mart_requests) == (file_tokens, file_requests), rel
        focus_rows, focus_tokens = query(w, "select count(*), sum(x_usage_tokens) from marts.focus_costs where x_source_file = ?", [rel])[0]
        if key == "selfhosted":
            assert focus_rows == 0
        else:
            # every token line of the file is one FOCUS row, unpriced ones included
            staged = scalar(w, "select rows from ops.ingest_files where path = ?", [rel])
            assert (focus_rows, focus_tokens) == (staged, file_tokens), rel
        by_provider[key.split("_")[0]][0] += file_tokens
        by_provider[key.split("_")[0]][1] += file_requests or 0
    # the public mart holds exactly the files' tokens and requests
    mart = {s: (t, r) for s, t, r in query(w, """
        select case provider when 'deepseek' then 'litellm' when 'meta' then 'litellm' else provider end,
               sum(total_tokens), coalesce(sum(requests), 0)
        from marts.fct_token_usage_daily group by 1""")}
    assert mart == {"openai": tuple(by_provider["openai"]), "anthropic": tuple(by_provider["anthropic"]),
                    "litellm": tuple(by_provider["litellm"]), "selfhosted": tuple(by_provider["selfhosted"])}
    assert scalar(w, "select bool_and(is_conserved) from intermediate.int_llm_files_conserved") is True


def test_bad_files_are_quarantined_with_reasons_and_alerts(tokens):
    w = tokens["warehouse"]
    quarantined = dict(query(w, "select path, reason from ops.ingest_files where status = 'quarantined'"))
    assert set(quarantined) == set(BAD_FILES)
    for path, reason in BAD_FILES.items():
        assert quarantined[path].startswith(reason), (path, quarantined[path])
    alerts = {s for (s,) in query(w, "select subject from ops.alerts where check_name = 'file_quarantined'")}
    assert alerts == {f"{p.split('/')[0]}: {p}" for p in BAD_FILES}


def test_token_charges_are_exact_focus_usage_rows(tokens):
    w = tokens["warehouse"]
    bad = query(w, """
        select * from marts.focus_costs
        where x_source in ('openai_usage', 'anthropic_usage', 'litellm_spend')
          and not (ListCost = ListUnitPrice * PricingQuantity and BilledCost = ListCost and EffectiveCost = BilledCost
                   and ConsumedQuantity = PricingQuantity * 1000000 and PricingUnit = '1000000 Tokens' and ConsumedUnit = 'Tokens'
                   and ServiceCategory = 'AI and Machine Learning' and ServiceSubcategory = 'Generative AI'
                   and InvoiceIssuerName = ProviderName and ChargeCategory = 'Usage' and PricingCurrency = BillingCurrency
                   and PricingCurrencyEffectiveCost = EffectiveCost and PricingCurrencyListUnitPrice = ListUnitPrice
                   and x_usage_tokens = ConsumedQuantity)
    """)
    assert bad == []
    total = scalar(w, "select sum(BilledCost) from marts.focus_costs")
    assert total == scalar(w, "select sum(cost) from marts.fct_token_usage_daily")
