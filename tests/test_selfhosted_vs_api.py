"""Self-hosted vs API, priced from actuals (issue #25 part 3): the fleet's actual cost per 1M
tokens, the what-if in both directions, the break-even volume and the free tier. One pipeline
run on hand-made files; every figure below is derived by hand.

September 2026 (gpt-4o list prices then, seeds/tokens/llm_prices.csv: input 2.50, cached 1.25,
output 10.00 USD per 1M):
- GPU fleet (tag app=llm-serving, rule selfhosted_llm_gpu): 30 days x 24 h x 10.00 = 7,200.00 USD,
  every day billed whether it served or idled (traffic on two days only).
- self-hosted logs: payments 600M prompt + 120M completion on the 10th, search 400M + 80M on the
  20th: 1,200M tokens. 7,200.00 / 1,200M x 1M = 6.00 USD per 1M tokens.
- gpt-4o API (payments, the 15th): 800,000 input + 100,000 output = 0.8 x 2.50 + 0.1 x 10.00 = 3.00.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.cur_fixtures import write_cur_rows
from tests.helpers import query, run_pipeline, scalar
from tests.test_tokens_fixtures import openai_page, openai_result, write_json

pytestmark = pytest.mark.slow

GPT4O = "gpt-4o-2024-08-06"
LLAMA = "meta-llama/Meta-Llama-3-70B-Instruct"
FLEET = ("selfhosted", "selfhosted-fleet")


def gpu_day(day: int) -> dict:
    start = f"2026-09-{day:02d}"
    end = f"2026-09-{day + 1:02d}T00:00:00Z" if day < 30 else "2026-10-01T00:00:00Z"
    return {
        "bill_billing_period_start_date": "2026-09-01T00:00:00Z",
        "line_item_usage_start_date": f"{start}T00:00:00Z", "line_item_usage_end_date": end,
        "line_item_product_code": "AmazonEC2", "line_item_usage_type": "BoxUsage:g6e.12xlarge",
        "line_item_unblended_cost": "240.00", "line_item_unblended_rate": "10.00", "line_item_usage_amount": "24",
        "pricing_public_on_demand_rate": "10.00", "pricing_unit": "Hrs", "product_sku": "SKU-GPU",
        "pricing_rate_code": "SKU-GPU.R", "line_item_resource_id": "i-test-gpu",
        "resource_tags": json.dumps({"user_app": "llm-serving"}),
    }


def request(day: str, rid: str, tenant: str, prompt: int, completion: int) -> dict:
    return {"timestamp": f"{day}T08:00:00Z", "request_id": rid, "model": LLAMA, "tenant": tenant,
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion}}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("selfhosted_vs_api")
    landing, warehouse = root / "landing", root / "w.duckdb"
    write_cur_rows(landing / "aws_cur" / "test-export" / "data" / "BILLING_PERIOD=2026-09" / "cur.csv",
                   [gpu_day(d) for d in range(1, 31)])
    sh = landing / "selfhosted_llm" / "fleet-test" / "requests_2026-09.jsonl"
    sh.parent.mkdir(parents=True)
    sh.write_text("".join(json.dumps(r) + "\n" for r in [
        request("2026-09-10", "s1", "payments", 600_000_000, 120_000_000),
        request("2026-09-20", "s2", "search", 400_000_000, 80_000_000),
    ]))
    write_json(landing / "openai_usage" / "org-test" / "completions" / "completions_2026-09-15.json", openai_page({
        "2026-09-15": [openai_result(GPT4O, "proj_payments", "key_payments_01", 800_000, 0, 100_000, 10)],
    }))
    run_pipeline(landing, warehouse)
    return warehouse


def whatif(w, **where) -> list[dict]:
    cond = " and ".join(f"{k} = ?" for k in where)
    cols = [r[0] for r in query(w, "describe marts.fct_model_switch_whatif")]
    rows = query(w, f"select * from marts.fct_model_switch_whatif where {cond} order by tenant", list(where.values()))
    return [dict(zip(cols, r)) for r in rows]


def test_fleet_cost_per_1m_tokens_is_its_month_over_its_tokens(warehouse):
    rows = query(warehouse, "select cast(billing_month as varchar), currency, fleet_cost, tokens_served, cost_per_1m_tokens "
                            "from intermediate.int_selfhosted_fleet_costs_totaled")
    # 30 x 240.00 = 7,200.00 (28 idle days included); 720M + 480M tokens; 7,200 / 1,200 = 6.00
    assert rows == [("2026-09-01", "USD", Decimal("7200.00"), 1_200_000_000, Decimal("6.0000000000"))]


def test_selfhosted_traffic_against_gpt_4o_with_the_break_even(warehouse):
    rows = whatif(warehouse, provider="selfhosted", alternative_model="gpt-4o")
    got = {r["tenant"]: (r["total_tokens"], r["actual_cost"], r["alternative_cost"], r["saving"]) for r in rows}
    assert got == {
        # 720M x 6.00 = 4,320; at gpt-4o 600M x 2.50 + 120M x 10.00 = 1,500 + 1,200 = 2,700
        "payments": (720_000_000, Decimal("4320.00"), Decimal("2700.00"), Decimal("1620.00")),
        # 480M x 6.00 = 2,880; 400M x 2.50 + 80M x 10.00 = 1,000 + 800 = 1,800
        "search": (480_000_000, Decimal("2880.00"), Decimal("1800.00"), Decimal("1080.00")),
    }
    for r in rows:
        assert (r["actual_basis"], r["alternative_basis"], r["is_recommendable"]) == ("fleet_actual_cost", "list_price", True)
        assert (r["fleet_cost"], r["fleet_tokens_served"], r["fleet_cost_per_1m_tokens"]) == (Decimal("7200.00"), 1_200_000_000, Decimal(6))
        # the pair over both tenants: 4,500 for 1,200M tokens = 3.75 per 1M;
        # break-even 7,200 / 3.75 x 1M = 1,920M tokens a month (the fleet served 1,200M: the API is cheaper)
        assert r["api_price_per_1m_tokens"] == Decimal("3.75")
        assert r["break_even_tokens"] == 1_920_000_000


def test_gpt_4o_traffic_gets_the_fleet_as_an_alternative(warehouse):
    (r,) = whatif(warehouse, model=GPT4O, alternative_provider=FLEET[0], alternative_model=FLEET[1])
    # 0.9M tokens x 6.00 = 5.40 against the actual 3.00: saving -2.40
    assert (r["tenant"], r["total_tokens"], r["actual_cost"], r["alternative_cost"], r["saving"]) == (
        "payments", 900_000, Decimal("3.00"), Decimal("5.40"), Decimal("-2.40"))
    assert (r["actual_basis"], r["alternative_basis"], r["is_recommendable"]) == ("list_price", "fleet_actual_cost", True)
    assert "fixed per month" in r["alternative_caveat"]
    # 3.00 for 0.9M = 3.3333333333 per 1M; break-even 7,200 x 900,000 / 3.00 = 2,160,000,000 tokens
    assert r["api_price_per_1m_tokens"] == Decimal("3.3333333333")
    assert r["break_even_tokens"] == 2_160_000_000


def test_a_free_tier_is_labelled_and_never_recommended(warehouse):
    rows = whatif(warehouse, alternative_model="llama-3-405b")
    # gpt-4o's payments traffic and the fleet's two tenants, all at 0.00
    assert len(rows) == 3
    for r in rows:
        assert (r["alternative_cost"], r["alternative_basis"], r["is_recommendable"]) == (Decimal(0), "free_tier", False)
        assert r["alternative_caveat"].startswith("free tier")
    # no row recommendable at 0.00 anywhere
    assert scalar(warehouse, "select count(*) from marts.fct_model_switch_whatif "
                             "where is_recommendable and alternative_cost = 0 and total_tokens > 0") == 0
    # and the self-hosted fleet is never its own alternative
    assert scalar(warehouse, "select count(*) from marts.fct_model_switch_whatif "
                             "where provider = 'selfhosted' and alternative_provider = 'selfhosted'") == 0


def test_report_recommends_no_free_tier(warehouse):
    import duckdb

    from dagster_project.report import queries as q
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        best = q.model_switch_best(conn)
        pairs = q.selfhosted_vs_api(conn)
    # cheapest alternative of gpt-4o's 3.00 after the 0.00 llama-3-405b: gpt-4o-mini,
    # 0.8 x 0.15 + 0.1 x 0.60 = 0.18 (next: llama-3-70b 0.8 x 0.50 + 0.1 x 0.75 = 0.475)
    assert best[("openai", GPT4O, "USD")]["alternative_model"] == "gpt-4o-mini"
    assert best[("openai", GPT4O, "USD")]["alternative_cost"] == Decimal("0.18")
    assert all(r["alternative_basis"] != "free_tier" for r in best.values())
    gpt = next(p for p in pairs if p["provider"] == "selfhosted" and p["alternative_model"] == "gpt-4o")
    assert (gpt["fleet_cost_per_1m_tokens"], gpt["break_even_tokens"]) == (Decimal(6), 1_920_000_000)
