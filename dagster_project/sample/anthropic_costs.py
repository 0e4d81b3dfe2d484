"""Deterministic Anthropic cost report pages (`/v1/organizations/cost_report`, group_by
workspace_id and description) for the demo month, as the pull writes them:
<out>/anthropic_costs/<organization id>/cost_report/<day>/page-0000.json, one page per day.

Each line bills the sample usage (sample/anthropic_usage.py) of its day, workspace, model and
token type at the price book, stated in cents as a decimal string, as the report does. No gap is
added here: the demo's deliberate gap is on the OpenAI bill (sample/openai_costs.py).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from dagster_project.sample import anthropic_usage
from dagster_project.sample.llm_bill import load_prices, price, usage_pages

SOURCE_NAME = "anthropic_costs"
TOKEN_TYPES = {
    "input": ("uncached_input_tokens", "Input Tokens"),
    "cached_input": ("cache_read_input_tokens", "Cache Read Tokens"),
    "cache_write_5m": ("cache_creation.ephemeral_5m_input_tokens", "Cache Write 5m Tokens"),
    "cache_write_1h": ("cache_creation.ephemeral_1h_input_tokens", "Cache Write 1h Tokens"),
    "output": ("output_tokens", "Output Tokens"),
}


def generate(out: Path, month: str, seed: int, rows: int = 20_000) -> list[Path]:
    prices = load_prices()
    bills: dict[tuple, Decimal] = defaultdict(Decimal)
    for page in usage_pages(anthropic_usage.generate, month, seed, rows):
        for bucket in page["data"]:
            day = dt.date.fromisoformat(bucket["starting_at"][:10])
            for r in bucket["results"]:
                tier = r.get("service_tier") or "standard"
                creation = r.get("cache_creation") or {}
                counts = {"input": r["uncached_input_tokens"], "cached_input": r.get("cache_read_input_tokens") or 0,
                          "cache_write_5m": creation.get("ephemeral_5m_input_tokens") or 0,
                          "cache_write_1h": creation.get("ephemeral_1h_input_tokens") or 0,
                          "output": r["output_tokens"]}
                for token_type, tokens in counts.items():
                    unit = price(prices, "anthropic", r["model"], tier, day, token_type)
                    if tokens and unit is not None:
                        key = (bucket["starting_at"], bucket["ending_at"], r.get("workspace_id"), r["model"], token_type, tier,
                               r.get("context_window"))
                        bills[key] += tokens * unit / 1_000_000
    by_day: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for (start, end, workspace, model, token_type, tier, window), amount in sorted(
            bills.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        field, label = TOKEN_TYPES[token_type]
        by_day[(start, end)].append({
            "currency": "USD",
            # lowest currency unit (cents) as a decimal string
            "amount": format((amount * 100).quantize(Decimal("0.00000001")).normalize(), "f"),
            "workspace_id": workspace, "description": f"{model} Usage - {label}", "cost_type": "tokens",
            "model": model, "token_type": field, "service_tier": tier, "context_window": window,
        })
    written = []
    for (start, end), results in sorted(by_day.items()):
        page = {"data": [{"starting_at": start, "ending_at": end, "results": results}], "has_more": False, "next_page": None}
        path = out / SOURCE_NAME / anthropic_usage.ORGANIZATION / "cost_report" / start[:10] / "page-0000.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(page, indent=1))
        written.append(path)
    return written
