"""Request logs of self-hosted models (vLLM's OpenAI-compatible server behind a gateway), JSONL.

One request per line: `timestamp` (RFC 3339), `model` (the served model name), `api_key_id`
and/or `tenant` (the gateway's key id or tenant header), `prompt_tokens`, `completion_tokens`
(flat, or in a `usage` object as the server returns it, with
`usage.prompt_tokens_details.cached_tokens` from prefix caching), `request_id`, `status`,
`latency_ms`, `host`. Files sit below `selfhosted_llm/<fleet name>/...`.

The requests carry no cost of their own (focus_rows=False): the fleet's GPU instances are in
the cloud bill, and their cost is split across tenants by each tenant's share of these tokens
(allocation rule `selfhosted_llm_gpu`, driver `tokens_selfhosted`, read from
marts.fct_token_usage_daily where provider = 'selfhosted'). Lines as for the API sources:
`input`, `cached_input`, `output`, with the request on the first line.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.ingest.base import IngestError, SourceSpec, duckdb_path
from dagster_project.ingest.token_lines import (
    LINE_COLUMNS,
    build_lines,
    build_records,
    drop_temp,
    first_line,
    set_account,
    sql_literal,
)

TS = "timestamp"

RECORD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("fleet_name", "varchar"),
    ("request_at", TS),
    ("request_id", "varchar"),
    ("model", "varchar"),
    ("api_key_id", "varchar"),
    ("tenant", "varchar"),
    ("status", "varchar"),
    ("latency_ms", "bigint"),
    ("host", "varchar"),
    ("prompt_tokens", "bigint"),
    ("completion_tokens", "bigint"),
    ("cached_prompt_tokens", "bigint"),
)
CARRIED = ("fleet_name", "request_at", "request_id", "model", "api_key_id", "tenant", "status", "latency_ms", "host")
COLUMNS: tuple[tuple[str, str], ...] = tuple((n, t) for n, t in RECORD_COLUMNS if n in CARRIED) + LINE_COLUMNS

TOKEN_LINES = (
    ("input", "prompt_tokens - coalesce(cached_prompt_tokens, 0)"),
    ("cached_input", "coalesce(cached_prompt_tokens, 0)"),
    ("output", "completion_tokens"),
)

# column -> JSON expressions tried in order (flat field first, then the server's usage object)
FIELDS = {
    "request_at": ("timestamp",),
    "request_id": ("request_id",),
    "model": ("model",),
    "api_key_id": ("api_key_id",),
    "tenant": ("tenant",),
    "status": ("status",),
    "latency_ms": ("latency_ms",),
    "host": ("host",),
    "prompt_tokens": ("prompt_tokens", "usage.prompt_tokens"),
    "completion_tokens": ("completion_tokens", "usage.completion_tokens"),
    "cached_prompt_tokens": ("cached_prompt_tokens", "usage.prompt_tokens_details.cached_tokens"),
}
REQUIRED = ("request_at", "model", "prompt_tokens", "completion_tokens")


# every path a field may be read from, extracted in one parse per record (json_extract_string
# with a list of paths): one call per field would parse each record once per field
PATHS = tuple(sorted({p for candidates in FIELDS.values() for p in candidates}))


def _path_sql(dotted: str) -> str:
    return sql_literal("$." + ".".join(f'"{p}"' for p in dotted.split(".")))


def _path_expr(dotted: str) -> str:
    return f"v[{PATHS.index(dotted) + 1}]"


def stage(conn: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    if not path.name.lower().endswith((".jsonl", ".ndjson", ".json", ".jsonl.gz", ".json.gz")):
        raise IngestError(f"unsupported file type: {path.name}")
    try:
        try:
            conn.execute(
                """
                create or replace temp table _objects as
                select row_number() over () as record_index, json as j
                from read_json_objects($1, format = 'auto', compression = 'auto')
                """,
                [duckdb_path(path)],
            )
        except duckdb.Error as exc:
            raise IngestError(f"cannot read JSONL file: {first_line(exc)}") from exc
        not_objects = conn.execute("select count(*) from _objects where json_type(j) <> 'OBJECT'").fetchone()[0]
        if not_objects:
            raise IngestError(f"{not_objects} JSON value(s) are not request log objects")
        keys = [r[0] for r in conn.execute("select distinct unnest(json_keys(j)) from _objects order by 1").fetchall()]
        present = set(keys) | ({"usage.prompt_tokens", "usage.completion_tokens", "usage.prompt_tokens_details.cached_tokens"} if "usage" in keys else set())
        available: dict[str, str] = {"fleet_name": "cast(null as varchar)"}
        for name, candidates in FIELDS.items():
            exprs = [_path_expr(c) for c in candidates if c in present]
            if exprs:
                available[name] = exprs[0] if len(exprs) == 1 else f"coalesce({', '.join(exprs)})"
        missing = [c for c in REQUIRED if c not in available]
        if "api_key_id" not in available and "tenant" not in available:
            missing.append("api_key_id or tenant")
        if missing:
            raise IngestError(f"missing required field(s): {', '.join(missing)}")
        conn.execute(
            "create or replace temp table _fields as select record_index, "
            f"json_extract_string(j, [{', '.join(_path_sql(p) for p in PATHS)}]) as v from _objects"
        )
        counts = conn.execute("select " + ", ".join(f"count(*) filter (where {available[c]} is null)" for c in REQUIRED)
                              + " from _fields").fetchone()
        empty = [(c, n) for c, n in zip(REQUIRED, counts) if n]
        if empty:
            raise IngestError("missing required value(s): " + ", ".join(f"{c} ({n} line(s))" for c, n in empty))
        build_records(conn, RECORD_COLUMNS, available, "_fields")
        set_account(conn, "fleet_name", path, SPEC.name)
        build_lines(conn, TOKEN_LINES, COLUMNS, "1")
    except duckdb.Error as exc:
        raise IngestError(f"cannot read self-hosted request log: {first_line(exc)}") from exc
    finally:
        drop_temp(conn, "_objects", "_fields")
    return keys


SPEC = SourceSpec(
    name="selfhosted_llm",
    raw_table="selfhosted_llm_token_lines",
    suffixes=(".jsonl", ".ndjson", ".json", ".jsonl.gz", ".json.gz"),
    columns=COLUMNS,
    stage=stage,
    period_sql="strftime(request_at, '%Y-%m')",
    cost_sql="cast(null as decimal(38, 10))",
    currency_sql="cast(null as varchar)",
    description="Self-hosted model request logs (vLLM-style JSONL), as token lines",
    # a request logged twice would count its tokens twice (lines without a request id are not judged)
    unique_key=("request_id", "token_type"),
    # a request log of a month runs to millions of lines: kept as parquet files (README "Performance")
    store_staged=True,
    # no cost of their own: conserved into the token marts, and drive the GPU fleet's split
    focus_rows=False,
)
