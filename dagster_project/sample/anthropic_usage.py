"""Deterministic Anthropic admin usage report pages (messages, 1-day buckets) for a month.

Layout: <out>/anthropic_usage/<organization id>/messages/usage_report_<first day>_<end day>.json,
one page of up to 7 buckets per file, grouped by workspace_id, api_key_id, model and
service_tier. Each tenant of sample/common.py has a workspace; the Default workspace
(workspace_id null) is attributed by API key (one key maps to `analytics`, one to no tenant).
Prompt caching writes 5-minute and 1-hour cache entries and reads them back.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from dagster_project.sample.common import TENANT_TAGS

SOURCE_NAME = "anthropic_usage"
ORGANIZATION = "8f3e2c1a-5b7d-4e9f-a2c6-1d0b9e7f3a54"
PAGE_DAYS = 7

WORKSPACES = {
    "payments": "wrkspc_payments",
    "search": "wrkspc_search",
    "ml-research": "wrkspc_mlresearch",
    "analytics": "wrkspc_analytics",
    "需要予測": "wrkspc_forecast",
}
DEFAULT_WORKSPACE_KEYS = ("apikey_default_analytics", "apikey_default_misc")

# model, weight, uncached input per result (low, high), output share of input, cache activity
MODELS = (
    ("claude-sonnet-4-5-20250929", 6, (50_000, 1_500_000), 0.15, True),
    ("claude-haiku-4-5-20251001", 5, (100_000, 3_000_000), 0.10, True),
    ("claude-opus-4-1-20250805", 1, (10_000, 200_000), 0.20, False),
)


def _month_days(month: str) -> list[dt.date]:
    year, mon = (int(x) for x in month.split("-"))
    first = dt.date(year, mon, 1)
    nxt = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return [first + dt.timedelta(days=i) for i in range((nxt - first).days)]


def _iso(day: dt.date) -> str:
    return f"{day:%Y-%m-%d}T00:00:00Z"


def _combos() -> list[dict]:
    combos = []
    for tenant in TENANT_TAGS:
        for model, weight, *_ in MODELS:
            if model.startswith("claude-opus") and tenant not in ("ml-research", "search"):
                continue
            combos.append({"workspace_id": WORKSPACES[tenant], "api_key_id": f"apikey_{WORKSPACES[tenant][7:]}_01", "model": model, "w": weight})
    for key in DEFAULT_WORKSPACE_KEYS:
        combos.append({"workspace_id": None, "api_key_id": key, "model": "claude-haiku-4-5-20251001", "w": 1})
    return combos


def generate(out: Path, month: str, seed: int, rows: int = 20_000) -> list[Path]:
    rng = np.random.default_rng(seed + 4201)
    days = _month_days(month)
    combos = _combos()
    weights = np.array([c["w"] for c in combos], dtype=float)
    weights /= weights.sum()
    n = max(40, rows // 20)
    # the same number of results every day (a steady workload; late-data checks judge days by rows)
    per_day = min(len(combos), max(1, n // len(days)))
    picks: dict[tuple[int, int], None] = {}
    for d in range(len(days)):
        for c in rng.choice(len(combos), size=per_day, replace=False, p=weights):
            picks[(d, int(c))] = None
    spec = {m[0]: m for m in MODELS}
    by_day: dict[int, list[dict]] = {d: [] for d in range(len(days))}
    for d, c in sorted(picks):
        combo = combos[c]
        _, _, (lo, hi), out_share, caching = spec[combo["model"]]
        uncached = int(rng.integers(lo, hi))
        write_5m = int(uncached * rng.uniform(0.05, 0.3)) if caching else 0
        write_1h = int(uncached * rng.uniform(0.0, 0.1)) if caching else 0
        reads = int((write_5m + write_1h) * rng.uniform(2, 8)) if caching else 0
        by_day[d].append({
            "uncached_input_tokens": uncached,
            "cache_creation": {"ephemeral_1h_input_tokens": write_1h, "ephemeral_5m_input_tokens": write_5m},
            "cache_read_input_tokens": reads,
            "output_tokens": int(uncached * out_share * rng.uniform(0.5, 1.5)),
            "server_tool_use": {"web_search_requests": 0},
            "api_key_id": combo["api_key_id"],
            "workspace_id": combo["workspace_id"],
            "model": combo["model"],
            "service_tier": "standard",
            "context_window": "0-200k",
        })
    folder = out / SOURCE_NAME / ORGANIZATION / "messages"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for start in range(0, len(days), PAGE_DAYS):
        chunk = range(start, min(start + PAGE_DAYS, len(days)))
        end_day = days[chunk[-1]] + dt.timedelta(days=1)
        page = {
            "data": [
                {"starting_at": _iso(days[d]), "ending_at": _iso(days[d] + dt.timedelta(days=1)), "results": by_day[d]}
                for d in chunk
            ],
            "has_more": chunk[-1] < len(days) - 1,
            "next_page": None,
        }
        path = folder / f"usage_report_{days[chunk[0]]:%Y-%m-%d}_{end_day:%Y-%m-%d}.json"
        path.write_text(json.dumps(page, indent=1))
        written.append(path)
    return written
