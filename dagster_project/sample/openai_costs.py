"""Deterministic OpenAI costs API pages (`/v1/organization/costs`, group_by project_id and
line_item) for the demo month, as the pull writes them:
<out>/openai_costs/org-finops-demo/costs/<day>/page-0000.json, one page per day.

Each line bills the sample usage of its day, project, model and token kind (sample/openai_usage.py,
batch usage at the batch price) at the price book, to 10 decimals, except THE DELIBERATE GAP: on the
10th of the month gpt-4o-2024-08-06 output is billed 8% above the book (a price change the book
missed), which fct_llm_cost_reconciliation shows and the llm_cost_gap check names. Usage with no
price in the book is not billed here (its gap is 0).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from dagster_project.sample import openai_usage
from dagster_project.sample.llm_bill import load_prices, money, price, usage_pages

SOURCE_NAME = "openai_costs"
GAP_DAY = 10
GAP_MODEL = "gpt-4o-2024-08-06"
GAP_FACTOR = Decimal("1.08")
KINDS = {"input": "input", "cached_input": "cached input", "output": "output"}


def generate(out: Path, month: str, seed: int, rows: int = 20_000) -> list[Path]:
    prices = load_prices()
    bills: dict[tuple[int, str, str, str], Decimal] = defaultdict(Decimal)
    for page in usage_pages(openai_usage.generate, month, seed, rows):
        for bucket in page["data"]:
            start = bucket["start_time"]
            day = dt.datetime.fromtimestamp(start, dt.UTC).date()
            for r in bucket["results"]:
                tier = "batch" if r["batch"] else "standard"
                cached = r.get("input_cached_tokens") or 0
                for token_type, tokens in (("input", r["input_tokens"] - cached), ("cached_input", cached),
                                           ("output", r["output_tokens"])):
                    unit = price(prices, "openai", r["model"], tier, day, token_type)
                    if tokens and unit is not None:
                        bills[(start, r["project_id"], r["model"], token_type)] += tokens * unit / 1_000_000
    by_day: dict[int, list[dict]] = defaultdict(list)
    for (start, project, model, token_type), amount in sorted(bills.items()):
        day = dt.datetime.fromtimestamp(start, dt.UTC).date()
        if day.day == GAP_DAY and model == GAP_MODEL and token_type == "output":
            amount *= GAP_FACTOR
        by_day[start].append({"object": "organization.costs.result",
                              # a JSON number as the API writes it; float repr keeps these 10-decimal values exact
                              "amount": {"value": float(money(amount)), "currency": "usd"},
                              "line_item": f"{model}, {KINDS[token_type]}", "project_id": project})
    written = []
    for start, results in sorted(by_day.items()):
        day = dt.datetime.fromtimestamp(start, dt.UTC).date()
        page = {"object": "page", "data": [{"object": "bucket", "start_time": start, "end_time": start + 86400,
                                            "results": results}], "has_more": False, "next_page": None}
        path = out / SOURCE_NAME / openai_usage.ORGANIZATION / "costs" / f"{day}" / "page-0000.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(page, indent=1))
        written.append(path)
    return written
