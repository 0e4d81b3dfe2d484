"""OpenAI organization usage API pages for completions (`GET /v1/organization/usage/completions`).

A file holds one page (or several, as a JSON array or one page per line): `data[]` buckets with
`start_time` / `end_time` (unix seconds) and `results[]` of `organization.usage.completions.result`.
Files sit below `openai_usage/<organization id>/...`; the first folder names the organization
(the billing account: the pages themselves do not carry it).

Each result is staged as token lines, one per token type with tokens, so that every raw row
becomes exactly one FOCUS charge (one SKU per model and token type). The lines PARTITION the
page's totals exactly (OpenAI's `input_tokens` is ALL input: cached, cache-write, text, audio
and image; `output_tokens` includes audio and image output):
- `input`: input_uncached_tokens when the page gives it, else
  input_tokens - input_cached_tokens - input_cache_write_tokens;
- `cached_input`: input_cached_tokens; `input_cache_write`: input_cache_write_tokens
  (priced at the cache-write price, else at the input price: int_llm_token_lines_priced);
- `output`: output_tokens.
So input + cached_input + input_cache_write = input_tokens and output = output_tokens. The
per-modality breakdowns (input_text/audio/image_tokens, output_*_tokens, input_cached_*_tokens)
are parts of those totals, never lines of their own (adding them counted 1050 input-side tokens
for a page saying 1000). They are read only to check the page: `parts_mismatch_tokens` (on every
line of a result) is how far the input parts miss input_tokens plus how far the breakdowns exceed
the totals, and a file with any non-zero value is quarantined (SPEC.row_checks). The older page
shape (no cache-write, uncached or modality fields) reads the same way with those at 0.
A result fetched without `group_by=model` has `model: null`: it is kept as a visible unpriced
line (int_llm_token_lines_unioned names it UNKNOWN_MODEL) and the warn check
`ungrouped_token_usage` alerts "fetch with group_by=model".
The result's num_model_requests travels on its first line (0 on the others). The pages carry
no cost: tokens are priced in dbt with the dated price book (seeds/tokens/llm_prices.csv).

Pages of the costs API (`organization.costs.result`) are quarantined with the reason: every
row of this folder becomes one FOCUS charge (per-file conservation), and billed amounts next to
the priced tokens would count the same usage twice. They have a landing folder of their own,
openai_costs/ (ingest/openai_costs.py): the bill, reconciled in fct_llm_cost_reconciliation.

The token-line helpers it shares with the other LLM loaders are in token_lines.py.
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
    ("bucket_start_time", TS),
    ("bucket_end_time", TS),
    ("project_id", "varchar"),
    ("user_id", "varchar"),
    ("api_key_id", "varchar"),
    ("model", "varchar"),
    ("batch", "boolean"),
    ("service_tier", "varchar"),
    ("input_tokens", "bigint"),
    ("input_cached_tokens", "bigint"),
    ("input_cache_write_tokens", "bigint"),
    ("input_uncached_tokens", "bigint"),
    ("output_tokens", "bigint"),
    # breakdowns by modality: parts of the totals above, read only to check the page
    ("input_text_tokens", "bigint"),
    ("input_audio_tokens", "bigint"),
    ("input_image_tokens", "bigint"),
    ("output_text_tokens", "bigint"),
    ("output_audio_tokens", "bigint"),
    ("output_image_tokens", "bigint"),
    ("num_model_requests", "bigint"),
)
# The raw table: the result's dimensions, then the line. Token totals of the result are not
# repeated on every line (a sum over lines would count them once per line).
CARRIED = ("organization_id", "bucket_start_time", "bucket_end_time", "project_id", "user_id", "api_key_id", "model", "batch", "service_tier")
# 0 on every line of a consistent result (see PARTS_MISMATCH_SQL); not a token count to sum
CHECK_COLUMNS: tuple[tuple[str, str], ...] = (("parts_mismatch_tokens", "bigint"),)
COLUMNS: tuple[tuple[str, str], ...] = (
    tuple((n, t) for n, t in RECORD_COLUMNS if n in CARRIED) + LINE_COLUMNS + CHECK_COLUMNS
)

USAGE_OBJECT = "organization.usage.completions.result"
COST_OBJECT = "organization.costs.result"
REQUIRED_RESULT_FIELDS = ("input_tokens", "output_tokens", "num_model_requests")

# token type, expression over _records, in line order
# Uncached input when the page does not say: what is left of input_tokens (never below 0, so
# that a page whose parts exceed its total reaches the row check with its reason).
UNCACHED_SQL = ("coalesce(input_uncached_tokens, greatest(input_tokens - coalesce(input_cached_tokens, 0) "
                "- coalesce(input_cache_write_tokens, 0), 0))")
TOKEN_LINES = (
    ("input", UNCACHED_SQL),
    ("cached_input", "coalesce(input_cached_tokens, 0)"),
    ("input_cache_write", "coalesce(input_cache_write_tokens, 0)"),
    ("output", "output_tokens"),
)
# How far the result's parts miss its totals: the input parts must add up to input_tokens
# exactly, and no modality breakdown may exceed its total (a smaller sum is normal: the
# example page lists 500 of its 1000 input tokens by modality).
PARTS_MISMATCH_SQL = f"""
    abs({UNCACHED_SQL} + coalesce(input_cached_tokens, 0) + coalesce(input_cache_write_tokens, 0) - input_tokens)
    + greatest(coalesce(input_text_tokens, 0) + coalesce(input_audio_tokens, 0) + coalesce(input_image_tokens, 0) - input_tokens, 0)
    + greatest(coalesce(output_text_tokens, 0) + coalesce(output_audio_tokens, 0) + coalesce(output_image_tokens, 0) - output_tokens, 0)
"""


def stage(conn: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    if not path.name.lower().endswith((".json", ".jsonl", ".json.gz", ".jsonl.gz")):
        raise IngestError(f"unsupported file type: {path.name}")
    try:
        stage_json_pages(conn, path, "OpenAI usage API")
        kinds = dict(conn.execute(
            f"""
            select coalesce(result->>'object', case when json_exists(result, '$.amount') then '{COST_OBJECT}' else '{USAGE_OBJECT}' end) as kind,
                   count(*)
            from _results group by 1
            """
        ).fetchall())
        if COST_OBJECT in kinds:
            raise IngestError(
                "OpenAI costs API page: not loaded from openai_usage/ (its amounts would count the same tokens twice "
                "next to the usage pages, and this folder's rows must each become one FOCUS charge)"
            )
        unknown = sorted(k for k in kinds if k != USAGE_OBJECT)
        if unknown:
            raise IngestError(f"unsupported result object(s): {', '.join(unknown)} (expected {USAGE_OBJECT})")
        require_fields(conn, "_results", ("start_time",), "bucket")
        require_fields(conn, "_results", REQUIRED_RESULT_FIELDS, "result")
        bad_time = conn.execute(
            "select count(*) from _results where try_cast(bucket->>'start_time' as bigint) is null "
            "or (bucket->>'end_time' is not null and try_cast(bucket->>'end_time' as bigint) is null)"
        ).fetchone()[0]
        if bad_time:
            raise IngestError(f"{bad_time} bucket(s) have a start_time/end_time that is not unix seconds")
        available = {
            "organization_id": "cast(null as varchar)",
            # unix seconds -> UTC timestamp
            "bucket_start_time": "to_timestamp(cast(bucket->>'start_time' as bigint))",
            "bucket_end_time": "to_timestamp(cast(coalesce(bucket->>'end_time', cast(cast(bucket->>'start_time' as bigint) + 86400 as varchar)) as bigint))",
        }
        for name, _ in RECORD_COLUMNS:
            if name not in available:
                available[name] = f"(result->>'{name}')"
        file_columns = json_keys_seen(conn, "_results", "result")
        build_records(conn, RECORD_COLUMNS, available, "_results")
        set_account(conn, "organization_id", path, SPEC.name)
        # a negative total is nonsense in itself, before any comparison of parts with totals
        negative = " or ".join(f"coalesce({c}, 0) < 0" for c in (
            "input_tokens", "output_tokens", "input_uncached_tokens", "input_cached_tokens", "input_cache_write_tokens"))
        bad = conn.execute(f"select count(*), min(record_index) from _records where {negative}").fetchone()
        if bad[0]:
            raise IngestError(f"{bad[0]} record(s) have negative token counts, first record {bad[1]}")
        conn.execute("alter table _records add column parts_mismatch_tokens bigint default 0")
        conn.execute(f"update _records set parts_mismatch_tokens = {PARTS_MISMATCH_SQL}")
        build_lines(conn, TOKEN_LINES, COLUMNS, "_records.num_model_requests")
    except duckdb.Error as exc:
        raise IngestError(f"cannot read OpenAI usage page: {first_line(exc)}") from exc
    finally:
        drop_temp(conn, "_results")
    return file_columns


SPEC = SourceSpec(
    name="openai_usage",
    raw_table="openai_usage_token_lines",
    suffixes=(".json", ".jsonl", ".json.gz", ".jsonl.gz"),
    columns=COLUMNS,
    stage=stage,
    period_sql="strftime(bucket_start_time, '%Y-%m')",
    # usage pages carry tokens, no cost of their own: the cost is priced in dbt
    cost_sql="cast(null as decimal(38, 10))",
    currency_sql="cast(null as varchar)",
    description="OpenAI organization usage API pages (completions), as token lines",
    row_checks=(
        ("parts_mismatch_tokens <> 0",
         ("token parts do not match the page's totals (input_uncached + input_cached + input_cache_write must equal "
          "input_tokens; the text/audio/image breakdowns may not exceed input_tokens / output_tokens)")),
    ),
    # a page delivered twice in one file would count its tokens twice
    unique_key=("bucket_start_time", "project_id", "user_id", "api_key_id", "model", "batch", "service_tier", "token_type"),
)
