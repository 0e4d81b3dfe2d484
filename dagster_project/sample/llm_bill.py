"""Shared by the cost report samples (sample/openai_costs.py, sample/anthropic_costs.py): the
usage pages of the same month and seed, priced at the price book (seeds/tokens/llm_prices.csv)
the way int_llm_token_lines_priced prices them, so that a cost report can be written that bills
exactly that, plus a deliberate gap.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

PRICES = Path(__file__).resolve().parents[2] / "seeds" / "tokens" / "llm_prices.csv"
MILLION = Decimal(1_000_000)
# the token type column of the price book, per usage token type
PRICE_COLUMN = {
    "input": "input_per_1m", "cached_input": "cached_input_per_1m", "cache_write_5m": "cache_write_5m_per_1m",
    "cache_write_1h": "cache_write_1h_per_1m", "output": "output_per_1m", "web_search": "web_search_per_1m",
}


def _like(pattern: str) -> re.Pattern:
    return re.compile("".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern) + r"\Z")


def load_prices() -> list[dict]:
    with open(PRICES, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["_pattern"] = _like(r["model_pattern"]) if r.get("model_pattern") else None
        r["_from"] = dt.date.fromisoformat(r["effective_from"])
        r["_to"] = dt.date.fromisoformat(r["effective_to"]) if r.get("effective_to") else dt.date(9999, 12, 31)
    return rows


def price(prices: list[dict], provider: str, model: str, tier: str, day: dt.date, token_type: str,
          window: str = "base") -> Decimal | None:
    """The price per 1M of the book row in force, as in int_llm_token_lines_priced (None: unpriced).
    window: the context_window_key ('base', or a long-context band such as '200k-1m')."""
    for r in prices:
        if (r["provider"] == provider and r["service_tier"] == tier and r["_from"] <= day < r["_to"]
                and (r.get("context_window") or "base").lower() == window
                and (r["model"] == model or (r["_pattern"] and r["_pattern"].match(model)))):
            value = r.get(PRICE_COLUMN[token_type]) or ""
            return Decimal(value) if value else None
    return None


def usage_pages(generate: Callable[..., list[Path]], month: str, seed: int, rows: int) -> list[dict]:
    """The pages the usage sample writes for the same arguments (it is deterministic)."""
    with tempfile.TemporaryDirectory() as tmp:
        return [json.loads(p.read_text()) for p in generate(Path(tmp), month, seed, rows)]


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0000000001"))
