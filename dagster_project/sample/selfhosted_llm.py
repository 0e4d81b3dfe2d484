"""Deterministic request logs of the self-hosted Llama 3 70B (vLLM behind a gateway), JSONL.

Layout: <out>/selfhosted_llm/vllm-llama3-70b/requests_<first day>_<end day>.jsonl, one file per
week, one request per line. This is the model the AWS sample's GPU fleet serves (resource
i-llm-gpu-fleet, tag app=llm-serving): its daily cost is split across tenants by these tokens.
Every day has requests from several tenants. The gateway logs its key id; the batch-evaluation
key also sends a `tenant` header; one key maps to no tenant (its tokens are `unallocated`).
Prompt and completion tokens come in the server's `usage` object, with prefix-cache hits.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from dagster_project.sample.common import TENANT_TAGS

SOURCE_NAME = "selfhosted_llm"
FLEET = "vllm-llama3-70b"
MODEL = "meta-llama/Meta-Llama-3-70B-Instruct"
HOSTS = ("gpu-node-1", "gpu-node-2")
FILE_DAYS = 7

KEYS = {
    "payments": "gw-payments",
    "search": "gw-search",
    "ml-research": "gw-mlresearch",
    "analytics": "gw-analytics",
    "需要予測": "gw-forecast",
}
# sends the tenant header; not in the tenant map by key
EVAL_KEY, EVAL_TENANT = "gw-batch-eval", "ml-research"
UNMAPPED_KEY = "gw-playground"


def _month_days(month: str) -> list[dt.date]:
    year, mon = (int(x) for x in month.split("-"))
    first = dt.date(year, mon, 1)
    nxt = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return [first + dt.timedelta(days=i) for i in range((nxt - first).days)]


def generate(out: Path, month: str, seed: int, rows: int = 20_000) -> list[Path]:
    rng = np.random.default_rng(seed + 4401)
    days = _month_days(month)
    per_day = max(4, rows // 20 // len(days))
    callers = [(KEYS[t], None) for t in TENANT_TAGS] + [(EVAL_KEY, EVAL_TENANT), (UNMAPPED_KEY, None)]
    weights = np.array([5, 4, 3, 4, 2, 2, 1], dtype=float)[: len(callers)]
    weights /= weights.sum()
    folder = out / SOURCE_NAME / FLEET
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    n = 0
    for start in range(0, len(days), FILE_DAYS):
        chunk = days[start : start + FILE_DAYS]
        lines = []
        for day in chunk:
            base = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
            seconds = sorted(int(s) for s in rng.integers(0, 86_400, per_day))
            for j, s in enumerate(seconds):
                n += 1
                key, tenant = callers[int(rng.choice(len(callers), p=weights))]
                if day == chunk[0] and j == 0:
                    # every file has a request with the tenant header (its columns stay the same)
                    key, tenant = EVAL_KEY, EVAL_TENANT
                prompt = int(rng.integers(200, 6000))
                cached = int(prompt * rng.uniform(0, 0.7))
                completion = int(rng.integers(50, 1200))
                record = {
                    "timestamp": (base + dt.timedelta(seconds=s)).isoformat().replace("+00:00", "Z"),
                    "request_id": f"cmpl-{seed:04d}-{n:07d}",
                    "model": MODEL,
                    "api_key_id": key,
                    "status": "ok",
                    "latency_ms": int(rng.integers(200, 20_000)),
                    "host": HOSTS[n % len(HOSTS)],
                    "usage": {
                        "prompt_tokens": prompt,
                        "completion_tokens": completion,
                        "total_tokens": prompt + completion,
                        "prompt_tokens_details": {"cached_tokens": cached},
                    },
                }
                if tenant:
                    record["tenant"] = tenant
                lines.append(json.dumps(record))
        end = chunk[-1] + dt.timedelta(days=1)
        path = folder / f"requests_{chunk[0]:%Y-%m-%d}_{end:%Y-%m-%d}.jsonl"
        path.write_text("\n".join(lines) + "\n")
        written.append(path)
    return written
