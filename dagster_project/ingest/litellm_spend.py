"""LiteLLM proxy spend logs (the SpendLogs table, exported as CSV or JSONL: one request per row).

Columns as LiteLLM names them (`request_id`, `startTime`, `model`, `prompt_tokens`,
`completion_tokens`, `spend`, `team_id`, `metadata`, `custom_llm_provider`, ...); snake_case
variants (`start_time`) are read too. Files sit below `litellm_spend/<proxy name>/...`.

Each request is staged as token lines: `input` (prompt tokens not read from a cache),
`cached_input` (`metadata.usage_object.prompt_tokens_details.cached_tokens` when LiteLLM logged
it; prompt_tokens include them, as in OpenAI's API) and `output`. The request (requests = 1), the
proxy's `spend` and the metadata go on its first line. `spend` is what the proxy computed from
its own price map, not a bill: tokens are priced with the price book in dbt and the proxy's
spend is reconciled against that estimate (marts.fct_token_cost_reconciliation_daily), so the
file has no billed cost of its own here.

Double counting: a request LiteLLM routes to a provider whose own usage export is loaded
(OpenAI, Anthropic) or to the self-hosted fleet appears in both. Route LiteLLM traffic to other
providers (the sample sends it to DeepSeek and Meta's Llama API); such rows are flagged by a
warn-level dbt test on int_llm_token_lines_priced (is_possible_double_count).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from dagster_project.ingest.base import IngestError, SourceSpec, csv_options, duckdb_path, quote_ident
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
MONEY = "decimal(38, 10)"

RECORD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("proxy_name", "varchar"),
    ("request_id", "varchar"),
    ("call_type", "varchar"),
    ("api_key", "varchar"),
    ("start_time", TS),
    ("end_time", TS),
    ("model", "varchar"),
    ("model_group", "varchar"),
    ("model_id", "varchar"),
    ("custom_llm_provider", "varchar"),
    ("api_base", "varchar"),
    ("user_id", "varchar"),
    ("team_id", "varchar"),
    ("end_user", "varchar"),
    ("status", "varchar"),
    ("prompt_tokens", "bigint"),
    ("completion_tokens", "bigint"),
    ("cached_prompt_tokens", "bigint"),
    ("spend", MONEY),
    ("metadata", "varchar"),
)
CARRIED = (
    "proxy_name", "request_id", "call_type", "api_key", "start_time", "end_time", "model", "model_group", "model_id",
    "custom_llm_provider", "api_base", "user_id", "team_id", "end_user", "status",
)
COLUMNS: tuple[tuple[str, str], ...] = (
    tuple((n, t) for n, t in RECORD_COLUMNS if n in CARRIED)
    + LINE_COLUMNS
    + (("request_spend", MONEY), ("metadata", "varchar"))
)

# canonical name -> file header, compared without case and underscores (startTime = start_time)
FILE_NAMES = {
    "request_id": "requestid", "call_type": "calltype", "api_key": "apikey", "start_time": "starttime",
    "end_time": "endtime", "model": "model", "model_group": "modelgroup", "model_id": "modelid",
    "custom_llm_provider": "customllmprovider", "api_base": "apibase", "user_id": "user", "team_id": "teamid",
    "end_user": "enduser", "status": "status", "prompt_tokens": "prompttokens",
    "completion_tokens": "completiontokens", "spend": "spend", "metadata": "metadata",
}
REQUIRED = ("request_id", "start_time", "model", "prompt_tokens", "completion_tokens", "spend")
# values that must be present on every row
REQUIRED_VALUES = ("start_time", "model", "prompt_tokens", "completion_tokens")

TOKEN_LINES = (
    ("input", "prompt_tokens - coalesce(cached_prompt_tokens, 0)"),
    ("cached_input", "coalesce(cached_prompt_tokens, 0)"),
    ("output", "completion_tokens"),
)

CACHED_PATH = "$.usage_object.prompt_tokens_details.cached_tokens"


def _read_rows(conn, path: Path) -> str:
    """All-text rows of the file into `_rows` (with record_index); returns the format name."""
    name = path.name.lower()
    params = [duckdb_path(path)]
    if name.endswith((".csv", ".csv.gz")):
        conn.execute(
            f"""
            create or replace temp table _rows as
            select row_number() over () as record_index, *
            from read_csv($1, {csv_options(conn, path)})
            """,
            params,
        )
        return "CSV"
    if name.endswith((".jsonl", ".ndjson", ".json", ".jsonl.gz", ".json.gz")):
        conn.execute(
            """
            create or replace temp table _objects as
            select row_number() over () as record_index, json as j
            from read_json_objects($1, format = 'auto', compression = 'auto')
            """,
            params,
        )
        not_objects = conn.execute("select count(*) from _objects where json_type(j) <> 'OBJECT'").fetchone()[0]
        if not_objects:
            raise IngestError(f"{not_objects} JSON value(s) are not spend log objects")
        keys = [r[0] for r in conn.execute("select distinct unnest(json_keys(j)) from _objects order by 1").fetchall()]
        if keys:
            # one parse per record (j->>'key' per column would parse each record once per key)
            structure = json.dumps(dict.fromkeys(keys, "VARCHAR"))
            conn.execute(
                f"create or replace temp table _rows as select record_index, "
                f"unnest(json_transform(j, {sql_literal(structure)})) from _objects"
            )
        else:
            conn.execute("create or replace temp table _rows as select record_index from _objects")
        return "JSONL"
    raise IngestError(f"unsupported file type: {path.name}")


def stage(conn: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    fmt = "spend log"
    try:
        try:
            fmt = _read_rows(conn, path)
        except duckdb.Error as exc:
            raise IngestError(f"cannot read {fmt} file: {first_line(exc)}") from exc
        file_cols = [r[0] for r in conn.execute("describe _rows").fetchall() if r[0] != "record_index"]
        by_key = {c.lower().replace("_", ""): c for c in file_cols}
        available: dict[str, str] = {"proxy_name": "cast(null as varchar)"}
        for canonical, key in FILE_NAMES.items():
            if key in by_key:
                available[canonical] = f"nullif(trim({quote_ident(by_key[key])}), '')"
        missing = [c for c in REQUIRED if c not in available]
        if missing:
            raise IngestError(f"missing required column(s): {', '.join(missing)}")
        if "metadata" in available:
            m = available["metadata"]
            # parsed once per row: the cached tokens and the whole value (one spelling whatever
            # the file format: CSV holds it as text, JSONL as an object); invalid JSON gives null
            conn.execute(
                f"create or replace temp table _rows as select *, case when json_valid({m}) "
                f"then json_extract({m}, ['{CACHED_PATH}', '$']) end as _metadata_parsed from _rows"
            )
            bad = conn.execute(f"select count(*) from _rows where {m} is not null and _metadata_parsed is null").fetchone()[0]
            if bad:
                raise IngestError(f"metadata: {bad} value(s) are not JSON")
            available["cached_prompt_tokens"] = "json_extract_string(_metadata_parsed[1], '$')"
            available["metadata"] = "cast(_metadata_parsed[2] as varchar)"
        counts = conn.execute(
            "select " + ", ".join(f"count(*) filter (where {available[c]} is null)" for c in REQUIRED_VALUES) + " from _rows"
        ).fetchone()
        empty = [(c, n) for c, n in zip(REQUIRED_VALUES, counts) if n]
        if empty:
            raise IngestError("missing required value(s): " + ", ".join(f"{c} ({n} row(s))" for c, n in empty))
        build_records(conn, RECORD_COLUMNS, available, "_rows")
        set_account(conn, "proxy_name", path, SPEC.name)
        build_lines(
            conn, TOKEN_LINES, COLUMNS, "1",
            extra_first_line={"request_spend": "_records.spend", "metadata": "_records.metadata"},
        )
    except duckdb.Error as exc:
        raise IngestError(f"cannot read {fmt} file: {first_line(exc)}") from exc
    finally:
        drop_temp(conn, "_rows", "_objects")
    return file_cols


SPEC = SourceSpec(
    name="litellm_spend",
    raw_table="litellm_spend_token_lines",
    suffixes=(".csv", ".csv.gz", ".jsonl", ".ndjson", ".json", ".jsonl.gz", ".json.gz"),
    columns=COLUMNS,
    stage=stage,
    period_sql="strftime(start_time, '%Y-%m')",
    # spend is the proxy's own estimate, reconciled in dbt; the file bills nothing itself
    cost_sql="cast(null as decimal(38, 10))",
    currency_sql="cast(null as varchar)",
    description="LiteLLM proxy spend logs, as token lines",
    # a request logged twice would count its tokens twice
    unique_key=("request_id", "token_type"),
    # a request log of a month runs to millions of lines: kept as parquet files (README "Performance")
    store_staged=True,
)
