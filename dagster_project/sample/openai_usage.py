"""Deterministic OpenAI organization usage API pages (completions, 1-day buckets) for a month.

Layout: <out>/openai_usage/org-finops-demo/completions/completions_<first day>_<end day>.json,
one page of up to 7 daily buckets per file (the API's default page size for 1d buckets),
grouped by project_id, api_key_id, model, batch and service_tier as `group_by` returns them.
Projects map to the tenants of sample/common.py through seeds/allocation/tenant_map.csv; the
shared `proj_sandbox` is attributed by API key (one key maps to `search`, one to no tenant).
Traffic routed through LiteLLM never appears here (see sample/litellm_spend.py).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from dagster_project.sample.common import TENANT_TAGS

SOURCE_NAME = "openai_usage"
ORGANIZATION = "org-finops-demo"
PAGE_DAYS = 7

# project id per tenant (same order as TENANT_TAGS)
PROJECTS = {
    "payments": "proj_payments",
    "search": "proj_search",
    "ml-research": "proj_mlresearch",
    "analytics": "proj_analytics",
    "需要予測": "proj_forecast",
}
SANDBOX_PROJECT = "proj_sandbox"
SANDBOX_KEYS = ("key_sandbox_search", "key_sandbox_misc")

# model, weight, (requests low, high), prompt tokens per request, output tokens per request, cache share high
MODELS = (
    ("gpt-4o-2024-08-06", 6, (20, 400), 1800, 350, 0.6),
    ("gpt-4o-mini-2024-07-18", 5, (50, 900), 900, 200, 0.5),
    ("gpt-5.2-pro", 1, (1, 12), 6000, 1500, 0.0),
)


def _month_days(month: str) -> list[dt.date]:
    year, mon = (int(x) for x in month.split("-"))
    first = dt.date(year, mon, 1)
    nxt = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return [first + dt.timedelta(days=i) for i in range((nxt - first).days)]


def _epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _combos() -> list[dict]:
    combos = []
    for tenant in TENANT_TAGS:
        project = PROJECTS[tenant]
        for model, weight, *_ in MODELS:
            if model == "gpt-5.2-pro" and tenant != "ml-research":
                continue
            combos.append({"project_id": project, "api_key_id": f"key_{project[5:]}_01", "model": model, "batch": False, "w": weight})
        if tenant == "analytics":
            # nightly batch jobs (Batch API: half price, priced with the price book's batch rows)
            combos.append({"project_id": project, "api_key_id": "key_analytics_batch", "model": "gpt-4o-mini-2024-07-18", "batch": True, "w": 2})
    for key in SANDBOX_KEYS:
        combos.append({"project_id": SANDBOX_PROJECT, "api_key_id": key, "model": "gpt-4o-mini-2024-07-18", "batch": False, "w": 1})
    return combos


def generate(out: Path, month: str, seed: int, rows: int = 20_000) -> list[Path]:
    rng = np.random.default_rng(seed + 4101)
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
    by_day: dict[int, list[dict]] = {d: [] for d in range(len(days))}
    model_spec = {m[0]: m for m in MODELS}
    for d, c in sorted(picks):
        combo = combos[c]
        _, _, (lo, hi), prompt, output, cache_high = model_spec[combo["model"]]
        requests = int(rng.integers(lo, hi + 1))
        input_tokens = int(requests * prompt * rng.uniform(0.5, 1.5))
        cached = 0 if combo["batch"] else int(input_tokens * rng.uniform(0, cache_high))
        by_day[d].append({
            "object": "organization.usage.completions.result",
            "input_tokens": input_tokens,
            "output_tokens": int(requests * output * rng.uniform(0.5, 1.5)),
            "num_model_requests": requests,
            "project_id": combo["project_id"],
            "user_id": None,
            "api_key_id": combo["api_key_id"],
            "model": combo["model"],
            "batch": combo["batch"],
            "service_tier": "default",
            "input_cached_tokens": cached,
            "input_audio_tokens": 0,
            "output_audio_tokens": 0,
        })
    folder = out / SOURCE_NAME / ORGANIZATION / "completions"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for start in range(0, len(days), PAGE_DAYS):
        chunk = range(start, min(start + PAGE_DAYS, len(days)))
        end_day = days[chunk[-1]] + dt.timedelta(days=1)
        page = {
            "object": "page",
            "data": [
                {"object": "bucket", "start_time": _epoch(days[d]), "end_time": _epoch(days[d] + dt.timedelta(days=1)),
                 "results": by_day[d]}
                for d in chunk
            ],
            "has_more": chunk[-1] < len(days) - 1,
            "next_page": None,
        }
        path = folder / f"completions_{days[chunk[0]]:%Y-%m-%d}_{end_day:%Y-%m-%d}.json"
        path.write_text(json.dumps(page, indent=1))
        written.append(path)
    return written
