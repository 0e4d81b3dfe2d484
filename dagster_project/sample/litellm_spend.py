"""Deterministic LiteLLM proxy spend logs for a month: a CSV export for the first half, JSONL after.

Layout: <out>/litellm_spend/litellm-prod/spend_logs_<first day>_<end day>.(csv|jsonl), one row per
request with LiteLLM's SpendLogs columns. Each tenant of sample/common.py is a LiteLLM team;
requests without a team land on `unallocated`.

No double counting: the proxy here routes only to providers whose own usage exports are NOT
loaded (DeepSeek's API for deepseek-r1, Meta's Llama API for llama-3-70b). OpenAI and Anthropic
traffic goes direct (their own usage exports), and the self-hosted fleet is called direct too
(its request logs). The proxy computes `spend` from its own price map: for llama-3-70b that map
is stale (0.59 / 0.79 per 1M instead of the price book's 0.50 / 0.75), which the estimated-vs-
reported reconciliation shows as a gap.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import numpy as np

from dagster_project.sample.common import TENANT_TAGS

SOURCE_NAME = "litellm_spend"
PROXY = "litellm-prod"

TEAMS = {
    "payments": "team-payments",
    "search": "team-search",
    "ml-research": "team-ml-research",
    "analytics": "team-analytics",
    "需要予測": "team-forecast",
}

# model group, model, custom_llm_provider, api_base, proxy price map per 1M (input, cached input, output),
# prompt tokens per request (low, high), completion (low, high), cache share high
ROUTES = (
    ("deepseek-r1", "deepseek-r1", "deepseek", "https://api.deepseek.com", ("0.55", "0.14", "2.19"), (300, 6000), (200, 4000), 0.5),
    ("llama-3-70b", "llama-3-70b", "meta_llama", "https://api.llama.com/compat/v1", ("0.59", "0.59", "0.79"), (200, 3000), (50, 800), 0.0),
)

COLUMNS = (
    "request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens", "startTime",
    "endTime", "model", "model_id", "model_group", "custom_llm_provider", "api_base", "user", "metadata", "cache_hit",
    "cache_key", "request_tags", "team_id", "end_user", "status",
)


def _month_days(month: str) -> list[dt.date]:
    year, mon = (int(x) for x in month.split("-"))
    first = dt.date(year, mon, 1)
    nxt = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return [first + dt.timedelta(days=i) for i in range((nxt - first).days)]


def _key_hash(team: str | None) -> str:
    return hashlib.sha256(f"sk-{team or 'personal'}".encode()).hexdigest()


def _rows(month: str, seed: int, rows: int) -> list[dict]:
    rng = np.random.default_rng(seed + 4301)
    days = _month_days(month)
    n = max(60, rows // 20)
    teams = [TEAMS[t] for t in TENANT_TAGS] + [None]
    out = []
    for i in range(n):
        day = days[i % len(days)]
        group, model, provider, api_base, prices, (plo, phi), (clo, chi), cache_high = ROUTES[int(rng.integers(len(ROUTES)))]
        team = teams[int(rng.integers(len(teams)))]
        start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(seconds=int(rng.integers(0, 86_000)))
        end = start + dt.timedelta(milliseconds=int(rng.integers(300, 30_000)))
        failed = rng.random() < 0.02
        prompt = 0 if failed else int(rng.integers(plo, phi))
        cached = int(prompt * rng.uniform(0, cache_high))
        completion = 0 if failed else int(rng.integers(clo, chi))
        p_in, p_cached, p_out = (Decimal(p) for p in prices)
        spend = ((prompt - cached) * p_in + cached * p_cached + completion * p_out) / Decimal(1_000_000)
        metadata = {
            "user_api_key_team_id": team,
            "user_api_key_team_alias": team,
            "usage_object": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": cached},
            },
        }
        out.append({
            "request_id": f"chatcmpl-{seed:04d}{i:08d}",
            "call_type": "acompletion",
            "api_key": _key_hash(team),
            "spend": format(spend.normalize(), "f") if spend else "0.0",
            "total_tokens": prompt + completion,
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "startTime": start.isoformat(timespec="milliseconds"),
            "endTime": end.isoformat(timespec="milliseconds"),
            "model": model,
            "model_id": hashlib.sha1(f"{provider}/{model}".encode()).hexdigest()[:16],
            "model_group": group,
            "custom_llm_provider": provider,
            "api_base": api_base,
            "user": "",
            "metadata": metadata,
            "cache_hit": "False",
            "cache_key": "",
            "request_tags": [],
            "team_id": team,
            "end_user": "",
            "status": "failure" if failed else "success",
        })
    out.sort(key=lambda r: r["startTime"])
    return out


def generate(out: Path, month: str, seed: int, rows: int = 20_000) -> list[Path]:
    days = _month_days(month)
    records = _rows(month, seed, rows)
    folder = out / SOURCE_NAME / PROXY
    folder.mkdir(parents=True, exist_ok=True)
    half = days[len(days) // 2]
    first = [r for r in records if r["startTime"] < half.isoformat()]
    second = [r for r in records if r["startTime"] >= half.isoformat()]
    csv_path = folder / f"spend_logs_{days[0]:%Y-%m-%d}_{half:%Y-%m-%d}.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for r in first:
            writer.writerow({**r, "metadata": json.dumps(r["metadata"]), "request_tags": json.dumps(r["request_tags"]),
                             "team_id": r["team_id"] or ""})
    end = days[-1] + dt.timedelta(days=1)
    jsonl_path = folder / f"spend_logs_{half:%Y-%m-%d}_{end:%Y-%m-%d}.jsonl"
    with open(jsonl_path, "w", encoding="utf-8") as fh:
        for r in second:
            fh.write(json.dumps({**r, "spend": float(r["spend"])}) + "\n")
    return [csv_path, jsonl_path]
