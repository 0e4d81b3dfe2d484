"""OpenAI organization costs API pages (`GET /v1/organization/costs`): the bill of the tokens.

A file holds one page (or several): `data[]` buckets of one day (`start_time` / `end_time`, unix
seconds) with `results[]` of `organization.costs.result`: `amount.value` (a JSON number in
`amount.currency`, lowercase ISO 4217, e.g. "usd"), and by the page's grouping `project_id` and
`line_item` (e.g. "gpt-4o-2024-08-06, input"; null when not grouped). Files sit below
`openai_costs/<organization id>/...` as the pull writes them; the first folder names the
organization (the pages do not carry it).

Each result is one raw row and becomes one FOCUS charge whose BilledCost is the amount as the
page states it: the value is read from the JSON text, never through a float, so 0.8958740000000000
stays exact (rounded to 10 decimals only past the 10th). The line item is kept as written; the
model and token type in it are read in dbt (int_llm_cost_lines_unioned), where the bill meets
the usage it explains (int_llm_bills_split, fct_llm_cost_reconciliation).

Usage pages (`organization.usage.*`) in this folder are quarantined with the reason: they
belong in openai_usage/, and here they would be read as money.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.ingest.base import IngestError, SourceSpec
from dagster_project.ingest.openai_usage import COST_OBJECT
from dagster_project.ingest.token_lines import (
    build_records,
    drop_temp,
    first_line,
    json_keys_seen,
    require_fields,
    set_account,
    stage_json_pages,
)

TS = "timestamp"
MONEY = "decimal(38, 10)"

COLUMNS: tuple[tuple[str, str], ...] = (
    ("organization_id", "varchar"),
    ("bucket_start_time", TS),
    ("bucket_end_time", TS),
    ("project_id", "varchar"),
    ("line_item", "varchar"),
    ("amount_value", MONEY),
    ("currency", "varchar"),
    ("record_index", "bigint"),
)
# typed from the page; record_index (the result's ordinal in the file) comes with _results
RECORD_COLUMNS = tuple(c for c in COLUMNS if c[0] != "record_index")


def stage(conn: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    if not SPEC.matches(path):
        raise IngestError(f"unsupported file type: {path.name}")
    try:
        stage_json_pages(conn, path, "OpenAI costs API")
        others = conn.execute(
            f"select string_agg(distinct coalesce(result->>'object', '(no object)'), ', ') from _results "
            f"where coalesce(result->>'object', '') <> '{COST_OBJECT}' and not json_exists(result, '$.amount')"
        ).fetchone()[0]
        if others:
            raise IngestError(f"not a costs API page: result object(s) {others} (expected {COST_OBJECT}; "
                              "usage pages belong in openai_usage/)")
        require_fields(conn, "_results", ("start_time",), "bucket")
        require_fields(conn, "_results", ("amount",), "result")
        missing_value = conn.execute(
            "select count(*) from _results where (result->'amount'->>'value') is null"
        ).fetchone()[0]
        if missing_value:
            raise IngestError(f"missing required field(s): amount.value ({missing_value} record(s))")
        bad_time = conn.execute(
            "select count(*) from _results where try_cast(bucket->>'start_time' as bigint) is null "
            "or (bucket->>'end_time' is not null and try_cast(bucket->>'end_time' as bigint) is null)"
        ).fetchone()[0]
        if bad_time:
            raise IngestError(f"{bad_time} bucket(s) have a start_time/end_time that is not unix seconds")
        available = {
            "organization_id": "cast(null as varchar)",
            "bucket_start_time": "to_timestamp(cast(bucket->>'start_time' as bigint))",
            "bucket_end_time": "to_timestamp(cast(coalesce(bucket->>'end_time', "
            "cast(cast(bucket->>'start_time' as bigint) + 86400 as varchar)) as bigint))",
            "project_id": "(result->>'project_id')",
            "line_item": "(result->>'line_item')",
            # the number's own text (->> keeps the JSON literal), cast through decimal: never a float
            "amount_value": "(result->'amount'->>'value')",
            # the API writes lowercase ISO 4217; the registry's FX check and FOCUS want it upper
            "currency": "upper(coalesce(result->'amount'->>'currency', 'usd'))",
        }
        file_columns = json_keys_seen(conn, "_results", "result")
        build_records(conn, RECORD_COLUMNS, available, "_results")
        set_account(conn, "organization_id", path, SPEC.name)
        conn.execute(f"create or replace temp view _incoming as select {', '.join(n for n, _ in COLUMNS)} from _records")
    except duckdb.Error as exc:
        raise IngestError(f"cannot read OpenAI costs page: {first_line(exc)}") from exc
    finally:
        drop_temp(conn, "_results")
    return file_columns


SPEC = SourceSpec(
    name="openai_costs",
    raw_table="openai_cost_lines",
    suffixes=(".json", ".jsonl", ".json.gz", ".jsonl.gz"),
    columns=COLUMNS,
    stage=stage,
    period_sql="strftime(bucket_start_time, '%Y-%m')",
    cost_sql="amount_value",
    currency_sql="currency",
    description="OpenAI organization costs API pages (the billed cost per day, project and line item)",
    # a result delivered twice in one file would bill the same cost twice
    unique_key=("bucket_start_time", "project_id", "line_item"),
)
