"""Anthropic admin usage report pages for messages (`GET /v1/organizations/usage_report/messages`).

A file holds one page (or several): `data[]` buckets with `starting_at` / `ending_at` (RFC 3339)
and `results[]` carrying `uncached_input_tokens`, `cache_read_input_tokens`,
`cache_creation.ephemeral_5m_input_tokens`, `cache_creation.ephemeral_1h_input_tokens`,
`output_tokens`, `server_tool_use.web_search_requests` and, by the report's grouping,
`workspace_id` (null: the Default workspace), `api_key_id`, `model`, `service_tier`,
`context_window`. Files sit below `anthropic_usage/<organization id>/...`.

Anthropic lists each kind of input apart (unlike OpenAI, nothing is included in another
count), so each becomes its own token line: `input`, `cached_input` (cache reads),
`cache_write_5m`, `cache_write_1h`, `output`; their tokens are the report's counts exactly.
Web search requests (server_tool_use.web_search_requests) are billed per search, not per
token: they become a line of type `web_search` whose `tokens` column holds the NUMBER OF
SEARCHES (priced per search in dbt, ConsumedUnit Requests, never counted as tokens in the token
marts). The report has no request counts: `requests` is null. Cost report pages (`amount` in cents) are quarantined with the reason, as for OpenAI: they
belong in anthropic_costs/ (ingest/anthropic_costs.py).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.ingest.base import IngestError, SourceSpec
from dagster_project.ingest.token_lines import (
    LINE_COLUMNS,
    build_lines,
    build_records,
    drop_temp,
    first_line,
    json_keys_seen,
    require_fields,
    set_account,
    stage_json_pages,
)

TS = "timestamp"

RECORD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("organization_id", "varchar"),
    ("bucket_starting_at", TS),
    ("bucket_ending_at", TS),
    ("workspace_id", "varchar"),
    ("api_key_id", "varchar"),
    ("model", "varchar"),
    ("service_tier", "varchar"),
    ("context_window", "varchar"),
    ("uncached_input_tokens", "bigint"),
    ("cache_read_input_tokens", "bigint"),
    ("cache_creation_5m_input_tokens", "bigint"),
    ("cache_creation_1h_input_tokens", "bigint"),
    ("output_tokens", "bigint"),
    ("web_search_requests", "bigint"),
)
CARRIED = ("organization_id", "bucket_starting_at", "bucket_ending_at", "workspace_id", "api_key_id", "model", "service_tier", "context_window")
COLUMNS: tuple[tuple[str, str], ...] = tuple((n, t) for n, t in RECORD_COLUMNS if n in CARRIED) + LINE_COLUMNS

REQUIRED_RESULT_FIELDS = ("uncached_input_tokens", "output_tokens")

TOKEN_LINES = (
    ("input", "uncached_input_tokens"),
    ("cached_input", "coalesce(cache_read_input_tokens, 0)"),
    ("cache_write_5m", "coalesce(cache_creation_5m_input_tokens, 0)"),
    ("cache_write_1h", "coalesce(cache_creation_1h_input_tokens, 0)"),
    ("output", "output_tokens"),
    # searches, not tokens (see the module docstring)
    ("web_search", "coalesce(web_search_requests, 0)"),
)


def stage(conn: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    if not path.name.lower().endswith((".json", ".jsonl", ".json.gz", ".jsonl.gz")):
        raise IngestError(f"unsupported file type: {path.name}")
    try:
        stage_json_pages(conn, path, "Anthropic usage report")
        costs = conn.execute("select count(*) from _results where json_exists(result, '$.amount')").fetchone()[0]
        if costs:
            raise IngestError(
                "Anthropic cost report page: not loaded from anthropic_usage/ (its amounts would count the same tokens "
                "twice next to the usage report, and this folder's rows must each become one FOCUS charge)"
            )
        require_fields(conn, "_results", ("starting_at",), "bucket")
        require_fields(conn, "_results", REQUIRED_RESULT_FIELDS, "result")
        available = {
            "organization_id": "cast(null as varchar)",
            "bucket_starting_at": "(bucket->>'starting_at')",
            # a bucket without its end is one day long (the report's default width)
            "bucket_ending_at": "coalesce(bucket->>'ending_at', cast(cast(bucket->>'starting_at' as timestamptz) + interval 1 day as varchar))",
            "cache_read_input_tokens": "(result->>'cache_read_input_tokens')",
            # nested as documented; flat names (and the pre-TTL single count, 5-minute cache) also read
            "cache_creation_5m_input_tokens": "coalesce(result->'cache_creation'->>'ephemeral_5m_input_tokens', "
            "result->>'cache_creation_5m_input_tokens', result->>'cache_creation_input_tokens')",
            "cache_creation_1h_input_tokens": "coalesce(result->'cache_creation'->>'ephemeral_1h_input_tokens', "
            "result->>'cache_creation_1h_input_tokens')",
            "web_search_requests": "(result->'server_tool_use'->>'web_search_requests')",
        }
        for name, _ in RECORD_COLUMNS:
            if name not in available:
                available[name] = f"(result->>'{name}')"
        file_columns = json_keys_seen(conn, "_results", "result")
        build_records(conn, RECORD_COLUMNS, available, "_results")
        set_account(conn, "organization_id", path, SPEC.name)
        build_lines(conn, TOKEN_LINES, COLUMNS, "cast(null as bigint)", other_lines_requests="cast(null as bigint)")
    except duckdb.Error as exc:
        raise IngestError(f"cannot read Anthropic usage report page: {first_line(exc)}") from exc
    finally:
        drop_temp(conn, "_results")
    return file_columns


SPEC = SourceSpec(
    name="anthropic_usage",
    raw_table="anthropic_usage_token_lines",
    suffixes=(".json", ".jsonl", ".json.gz", ".jsonl.gz"),
    columns=COLUMNS,
    stage=stage,
    period_sql="strftime(bucket_starting_at, '%Y-%m')",
    # the usage report carries tokens, no cost of its own: the cost is priced in dbt
    cost_sql="cast(null as decimal(38, 10))",
    currency_sql="cast(null as varchar)",
    description="Anthropic admin usage report pages (messages), as token lines",
    # a page delivered twice in one file would count its tokens twice
    unique_key=("bucket_starting_at", "workspace_id", "api_key_id", "model", "service_tier", "context_window", "token_type"),
)
