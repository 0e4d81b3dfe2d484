"""Small hand-made LLM usage files (one per source and case) whose costs are computed by hand (no tests here).

Prices (seeds/tokens/llm_prices.csv), USD per 1M tokens:
- gpt-4o until 2026-10-15: input 2.50, cached 1.25, output 10.00; from 2026-10-16: 2.00, 1.00, 8.00
- claude-sonnet-4-5: input 3.00, cache read 0.30, cache write 5m 3.75, 1h 6.00, output 15.00
- deepseek-r1: input 0.55, cached 0.14, output 2.19; llama-3-70b: input 0.50 (no cached price), output 0.75
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

OPENAI_ORG = "org-test"
ANTHROPIC_ORG = "anthropic-org-test"


def epoch(day: str) -> int:
    d = dt.date.fromisoformat(day)
    return int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp())


def openai_result(model, project, key, input_tokens, cached, output, requests, **extra) -> dict:
    return {
        "object": "organization.usage.completions.result",
        "input_tokens": input_tokens, "input_cached_tokens": cached, "output_tokens": output,
        "input_audio_tokens": 0, "output_audio_tokens": 0, "num_model_requests": requests,
        "project_id": project, "user_id": None, "api_key_id": key, "model": model, "batch": False,
        "service_tier": "default", **extra,
    }


def openai_page(buckets: dict[str, list[dict]]) -> dict:
    return {
        "object": "page",
        "data": [
            {"object": "bucket", "start_time": epoch(day), "end_time": epoch(day) + 86400, "results": results}
            for day, results in buckets.items()
        ],
        "has_more": False,
        "next_page": None,
    }


# day -> results. gpt-4o: the same usage the day before and the day of the price change.
OPENAI_BUCKETS = {
    "2026-10-15": [
        openai_result("gpt-4o-2024-08-06", "proj_payments", "key_payments_01", 1_000_000, 400_000, 100_000, 10),
        # a model the price book does not know: visible, unpriced
        openai_result("gpt-9-experimental", "proj_search", "key_search_01", 1_000, 0, 500, 2),
        # the shared sandbox project: attributed by its API key
        openai_result("gpt-4o-mini-2024-07-18", "proj_sandbox", "key_sandbox_search", 2_000_000, 0, 1_000_000, 40),
    ],
    "2026-10-16": [
        openai_result("gpt-4o-2024-08-06", "proj_payments", "key_payments_01", 1_000_000, 400_000, 100_000, 10),
    ],
}

ANTHROPIC_PAGE = {
    "data": [
        {
            "starting_at": "2026-10-15T00:00:00Z",
            "ending_at": "2026-10-16T00:00:00Z",
            "results": [
                {
                    "uncached_input_tokens": 100_000,
                    "cache_creation": {"ephemeral_1h_input_tokens": 10_000, "ephemeral_5m_input_tokens": 40_000},
                    "cache_read_input_tokens": 200_000,
                    "output_tokens": 20_000,
                    "server_tool_use": {"web_search_requests": 0},
                    "api_key_id": "apikey_search_01", "workspace_id": "wrkspc_search",
                    "model": "claude-sonnet-4-5-20250929", "service_tier": "standard", "context_window": "0-200k",
                },
                {
                    # the Default workspace (null), attributed by API key
                    "uncached_input_tokens": 1_000_000,
                    "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
                    "cache_read_input_tokens": 0,
                    "output_tokens": 0,
                    "server_tool_use": {"web_search_requests": 0},
                    "api_key_id": "apikey_default_analytics", "workspace_id": None,
                    "model": "claude-sonnet-4-5-20250929", "service_tier": "standard", "context_window": "0-200k",
                },
            ],
        }
    ],
    "has_more": False,
    "next_page": None,
}

LITELLM_COLUMNS = ("request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens",
                   "startTime", "endTime", "model", "model_group", "custom_llm_provider", "api_base", "user",
                   "metadata", "team_id", "status")


def litellm_row(rid, start, model, provider, prompt, cached, completion, spend, team) -> dict:
    return {
        "request_id": rid, "call_type": "acompletion", "api_key": f"hash-{team}", "spend": spend,
        "total_tokens": prompt + completion, "prompt_tokens": prompt, "completion_tokens": completion,
        "startTime": start, "endTime": start, "model": model, "model_group": model, "custom_llm_provider": provider,
        "api_base": "https://api.example", "user": "",
        "metadata": {"usage_object": {"prompt_tokens_details": {"cached_tokens": cached}}},
        "team_id": team, "status": "success",
    }


LITELLM_CSV_ROWS = [
    # estimated 800 x 0.55 + 200 x 0.14 + 500 x 2.19 = 0.001563; the proxy reported 0.0015
    litellm_row("r1", "2026-10-15T10:00:00.000+00:00", "deepseek-r1", "deepseek", 1000, 200, 500, "0.0015", "team-payments"),
    litellm_row("r2", "2026-10-15T11:00:00.000+00:00", "deepseek-r1", "deepseek", 3000, 0, 1000, "0.00384", ""),
]
LITELLM_JSONL_ROWS = [
    # 2000 x 0.50 + 1000 x 0.75 = 0.00175
    litellm_row("r3", "2026-10-16T09:00:00.000+00:00", "llama-3-70b", "meta_llama", 2000, 0, 1000, 0.00175, "team-search"),
]

SELFHOSTED_LINES = [
    {"timestamp": "2026-10-15T08:00:00Z", "request_id": "s1", "model": "meta-llama/Meta-Llama-3-70B-Instruct",
     "api_key_id": "gw-payments", "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "prompt_tokens_details": {"cached_tokens": 300}}},
    {"timestamp": "2026-10-15T09:00:00Z", "request_id": "s2", "model": "meta-llama/Meta-Llama-3-70B-Instruct",
     "api_key_id": "gw-batch-eval", "tenant": "ml-research", "usage": {"prompt_tokens": 2000, "completion_tokens": 200}},
    {"timestamp": "2026-10-15T10:00:00Z", "request_id": "s3", "model": "meta-llama/Meta-Llama-3-70B-Instruct",
     "api_key_id": "gw-playground", "usage": {"prompt_tokens": 500, "completion_tokens": 50}},
    {"timestamp": "2026-10-16T10:00:00Z", "request_id": "s4", "model": "meta-llama/Meta-Llama-3-70B-Instruct",
     "api_key_id": "gw-payments", "usage": {"prompt_tokens": 4000, "completion_tokens": 400}},
]

# Files that must be quarantined, with the start of their reason.
BAD_FILES = {
    "openai_usage/org-test/completions/no_input_tokens.json": "missing required field(s): input_tokens",
    "openai_usage/org-test/costs/costs_2026-10.json": "OpenAI costs API page",
    "litellm_spend/litellm-test/no_spend.jsonl": "missing required column(s): spend",
    "litellm_spend/litellm-test/logged_twice.jsonl": "duplicate rows",
    "selfhosted_llm/fleet-test/not_json.jsonl": "cannot read JSONL file",
}


def write_json(path: Path, obj) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))
    return path


def write_landing(landing: Path) -> dict[str, Path]:
    files = {}
    files["openai"] = write_json(landing / "openai_usage" / OPENAI_ORG / "completions" / "completions_2026-10-15.json", openai_page(OPENAI_BUCKETS))
    files["anthropic"] = write_json(landing / "anthropic_usage" / ANTHROPIC_ORG / "messages" / "usage_report_2026-10-15.json", ANTHROPIC_PAGE)
    csv_path = landing / "litellm_spend" / "litellm-test" / "spend_2026-10-15.csv"
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with open(csv_path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=LITELLM_COLUMNS)
        w.writeheader()
        for r in LITELLM_CSV_ROWS:
            w.writerow({**r, "metadata": json.dumps(r["metadata"])})
    files["litellm_csv"] = csv_path
    jsonl = landing / "litellm_spend" / "litellm-test" / "spend_2026-10-16.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in LITELLM_JSONL_ROWS))
    files["litellm_jsonl"] = jsonl
    sh = landing / "selfhosted_llm" / "fleet-test" / "requests_2026-10-15.jsonl"
    sh.parent.mkdir(parents=True, exist_ok=True)
    sh.write_text("".join(json.dumps(r) + "\n" for r in SELFHOSTED_LINES))
    files["selfhosted"] = sh
    # quarantine cases
    broken = openai_page({"2026-10-15": [openai_result("gpt-4o-2024-08-06", "proj_payments", "k", 10, 0, 5, 1)]})
    del broken["data"][0]["results"][0]["input_tokens"]
    write_json(landing / "openai_usage/org-test/completions/no_input_tokens.json", broken)
    write_json(landing / "openai_usage/org-test/costs/costs_2026-10.json", {
        "object": "page",
        "data": [{"object": "bucket", "start_time": epoch("2026-10-15"), "end_time": epoch("2026-10-16"), "results": [
            {"object": "organization.costs.result", "amount": {"value": 3.0, "currency": "usd"},
             "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_payments"}]}],
        "has_more": False, "next_page": None,
    })
    nospend = landing / "litellm_spend/litellm-test/no_spend.jsonl"
    nospend.write_text(json.dumps({k: v for k, v in LITELLM_JSONL_ROWS[0].items() if k != "spend"}) + "\n")
    twice = landing / "litellm_spend/litellm-test/logged_twice.jsonl"
    twice.write_text((json.dumps({**LITELLM_JSONL_ROWS[0], "request_id": "dup"}) + "\n") * 2)
    notjson = landing / "selfhosted_llm/fleet-test/not_json.jsonl"
    notjson.write_text("this is not json\n")
    return files


def expected_file_totals(path: Path) -> tuple[int, int | None]:
    """Tokens and requests of a fixture file, computed from the file itself (not by the loader)."""
    name = path.name
    if path.suffix == ".csv":
        rows = list(csv.DictReader(path.read_text().splitlines()))
        return sum(int(r["prompt_tokens"]) + int(r["completion_tokens"]) for r in rows), len(rows)
    if "selfhosted" in path.as_posix():
        lines = [json.loads(x) for x in path.read_text().splitlines() if x]
        return sum(r["usage"]["prompt_tokens"] + r["usage"]["completion_tokens"] for r in lines), len(lines)
    if "litellm" in path.as_posix():
        lines = [json.loads(x) for x in path.read_text().splitlines() if x]
        return sum(r["prompt_tokens"] + r["completion_tokens"] for r in lines), len(lines)
    page = json.loads(path.read_text())
    results = [r for b in page["data"] for r in b["results"]]
    if "openai" in path.as_posix():
        # input_tokens already include the cached ones
        return sum(r["input_tokens"] + r["output_tokens"] + r["input_audio_tokens"] + r["output_audio_tokens"] for r in results), \
            sum(r["num_model_requests"] for r in results)
    assert "anthropic" in path.as_posix(), name
    return sum(r["uncached_input_tokens"] + r["cache_read_input_tokens"] + r["output_tokens"]
               + r["cache_creation"]["ephemeral_5m_input_tokens"] + r["cache_creation"]["ephemeral_1h_input_tokens"]
               for r in results), None
