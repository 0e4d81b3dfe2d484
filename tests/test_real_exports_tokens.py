"""Token usage pages as the providers' APIs define them today (tests/fixtures/real_exports).

OpenAI: the current `/organization/usage/completions` page example, fetched without group_by
(model null). Anthropic: the usage report example (claude-sonnet-4-20250514, both cache TTLs,
cache reads, web searches). Each runs through the real CLI; the tokens per kind are computed
here from the JSON, and costs from Anthropic's published list prices (USD per MTok).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.helpers import query, run_pipeline
from tests.real_exports import REAL, assert_completed, run_real

OPENAI = "openai_usage/openai_usage_completions_example_current.json"
ANTHROPIC = "anthropic_usage/anthropic_usage_report_messages_example.json"
UNKNOWN_MODEL = "(unknown: fetch with group_by=model)"
# Anthropic pricing page, Claude Sonnet 4 (USD per MTok) and web search (10 USD per 1,000 searches)
SONNET_4 = {"input": Decimal("3.00"), "cache_write_5m": Decimal("3.75"), "cache_write_1h": Decimal("6.00"),
            "cached_input": Decimal("0.30"), "output": Decimal("15.00")}
WEB_SEARCH_PER_SEARCH = Decimal(10) / Decimal(1000)


def results(rel: str) -> list[dict]:
    page = json.loads((REAL / rel).read_text())
    return [r for bucket in page["data"] for r in bucket["results"]]


def lines(warehouse, source: str) -> dict[str, tuple]:
    rows = query(warehouse, """
        select token_type, sum(tokens), min(model), min(pricing_status), sum(cost)
        from intermediate.int_llm_token_lines_attributed where source = ? group by token_type""", [source])
    return {r[0]: r[1:] for r in rows}


@pytest.fixture(scope="module")
def openai_run(tmp_path_factory):
    warehouse, _ = run_real(tmp_path_factory.mktemp("openai_real"), OPENAI)
    return warehouse


@pytest.fixture(scope="module")
def anthropic_run(tmp_path_factory):
    warehouse, _ = run_real(tmp_path_factory.mktemp("anthropic_real"), ANTHROPIC)
    return warehouse


def test_openai_lines_partition_the_page_totals(openai_run):
    assert_completed(openai_run)
    rs = results(OPENAI)
    expected = {
        "input": sum(r["input_uncached_tokens"] for r in rs),
        "cached_input": sum(r["input_cached_tokens"] for r in rs),
        "input_cache_write": sum(r["input_cache_write_tokens"] for r in rs),
        "output": sum(r["output_tokens"] for r in rs),
    }
    got = lines(openai_run, "openai_usage")
    assert {k: v[0] for k, v in got.items()} == expected
    # the parts are the page's totals exactly: 1000 input-side, 500 output-side (no modality added)
    assert expected["input"] + expected["cached_input"] + expected["input_cache_write"] == sum(r["input_tokens"] for r in rs) == 1000
    assert expected["output"] == 500
    daily = query(openai_run, """select sum(total_tokens), sum(cache_write_tokens), sum(unpriced_tokens), min(pricing_status), max(cost)
                                 from marts.fct_token_usage_daily where provider = 'openai'""")
    assert daily == [(1500, 100, 1500, "unpriced", None)]


def test_openai_null_model_is_a_visible_unpriced_alerted_line(openai_run):
    got = lines(openai_run, "openai_usage")
    assert {v[1] for v in got.values()} == {UNKNOWN_MODEL}
    assert {v[2] for v in got.values()} == {"unpriced"}
    assert all(v[3] is None for v in got.values())
    focus = query(openai_run, """select count(*), sum(BilledCost), min(x_line_item_type) from marts.focus_costs
                                 where x_source = 'openai_usage'""")
    assert focus == [(4, Decimal(0), "UnpricedTokenUsage")]
    alerts = query(openai_run, "select severity, message from ops.alerts where check_name = 'ungrouped_token_usage'")
    assert len(alerts) == 1 and alerts[0][0] == "warn"
    assert "fetch with group_by=model" in alerts[0][1] and "1,500 token(s)" in alerts[0][1]


def test_openai_page_whose_parts_exceed_its_total_is_quarantined(tmp_path):
    page = json.loads((REAL / OPENAI).read_text())
    page["data"][0]["results"][0]["input_uncached_tokens"] = 600  # 600 + 400 + 100 > 1000
    landing = tmp_path / "landing" / "openai_usage"
    landing.mkdir(parents=True)
    (landing / "bad.json").write_text(json.dumps(page))
    warehouse = tmp_path / "wh" / "finops.duckdb"
    run_pipeline(tmp_path / "landing", warehouse, check=False)
    registry = query(warehouse, "select status, reason from ops.ingest_files where path = 'openai_usage/bad.json'")
    assert registry[0][0] == "quarantined", registry
    assert registry[0][1].startswith("token parts do not match the page's totals") and registry[0][1].endswith(": 4 row(s)"), registry


def test_anthropic_every_token_type_maps_and_is_priced(anthropic_run):
    assert_completed(anthropic_run)
    rs = results(ANTHROPIC)
    expected = {
        "input": sum(r["uncached_input_tokens"] for r in rs),
        "cached_input": sum(r["cache_read_input_tokens"] for r in rs),
        "cache_write_5m": sum(r["cache_creation"]["ephemeral_5m_input_tokens"] for r in rs),
        "cache_write_1h": sum(r["cache_creation"]["ephemeral_1h_input_tokens"] for r in rs),
        "output": sum(r["output_tokens"] for r in rs),
        "web_search": sum(r["server_tool_use"]["web_search_requests"] for r in rs),
    }
    got = lines(anthropic_run, "anthropic_usage")
    assert {k: v[0] for k, v in got.items()} == expected
    assert {v[1] for v in got.values()} == {"claude-sonnet-4-20250514"}
    assert {v[2] for v in got.values()} == {"priced"}
    # cost = tokens x published price per MTok; searches x 0.01 USD
    for kind, price in SONNET_4.items():
        assert got[kind][3] == Decimal(expected[kind]) * price / 1_000_000, kind
    assert got["web_search"][3] == expected["web_search"] * WEB_SEARCH_PER_SEARCH == Decimal("0.10")
    # by hand: 1500x3 + 200x0.30 + 500x3.75 + 1000x6 + 500x15 = 19,935 USD per M -> 0.019935, + 0.10 searches
    daily = query(anthropic_run, """select total_tokens, web_search_requests, unpriced_tokens, pricing_status, cost, currency
                                    from marts.fct_token_usage_daily where provider = 'anthropic'""")
    assert daily == [(3700, 10, 0, "priced", Decimal("0.119935"), "USD")]
    billed = query(anthropic_run, "select sum(BilledCost) from marts.focus_costs where x_source = 'anthropic_usage'")
    assert billed == [(Decimal("0.119935"),)]
    assert query(anthropic_run, "select count(*) from ops.alerts where check_name = 'ungrouped_token_usage'") == [(0,)]
