"""Anthropic admin cost report pages (`GET /v1/organizations/cost_report`): the bill of the tokens.

A file holds one page (or several): `data[]` buckets of one day (`starting_at` / `ending_at`,
RFC 3339) with `results[]`: `amount`, a DECIMAL STRING in the currency's lowest unit ("123.45"
USD is $1.2345), `currency` (documented as always "USD"), and by the report's grouping
`workspace_id` (null: the Default workspace) and, with group_by description, `description`,
`cost_type` (tokens, web_search, code_execution, ...), `model`, `token_type`
(uncached_input_tokens, output_tokens, cache_read_input_tokens,
cache_creation.ephemeral_5m_input_tokens, cache_creation.ephemeral_1h_input_tokens),
`service_tier` and `context_window`. Files sit below `anthropic_costs/<organization id>/...`.
Anthropic documents that Priority Tier costs are not in this report.

Each result is one raw row and one FOCUS charge. `amount_minor` keeps the amount as stated (cents);
`amount` is it in currency units, divided exactly in DECIMAL (cents / 100). A currency other than
USD is quarantined: the report names no minor unit, and a guess would be a wrong bill.
Usage report pages in this folder (token counts, no amount) are quarantined with the reason.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.ingest.base import IngestError, SourceSpec
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

COLUMNS: tuple[tuple[str, str], ...] = (
    ("organization_id", "varchar"),
    ("bucket_starting_at", TS),
    ("bucket_ending_at", TS),
    ("workspace_id", "varchar"),
    ("description", "varchar"),
    ("cost_type", "varchar"),
    ("model", "varchar"),
    ("token_type", "varchar"),
    ("service_tier", "varchar"),
    ("context_window", "varchar"),
    ("inference_geo", "varchar"),
    ("amount_minor", "decimal(38, 12)"),
    ("amount", "decimal(38, 10)"),
    ("currency", "varchar"),
    ("record_index", "bigint"),
)
RECORD_COLUMNS = tuple(c for c in COLUMNS if c[0] not in ("record_index", "amount"))
# the minor unit of each currency the report may state (documented: USD only)
MINOR_UNITS = {"USD": 2}


def stage(conn: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    if not SPEC.matches(path):
        raise IngestError(f"unsupported file type: {path.name}")
    try:
        stage_json_pages(conn, path, "Anthropic cost report")
        usage = conn.execute(
            "select count(*) from _results where not json_exists(result, '$.amount') "
            "and (json_exists(result, '$.uncached_input_tokens') or json_exists(result, '$.output_tokens'))"
        ).fetchone()[0]
        if usage:
            raise IngestError(f"not a cost report page: {usage} result(s) carry token counts and no amount "
                              "(usage report pages belong in anthropic_usage/)")
        require_fields(conn, "_results", ("starting_at",), "bucket")
        require_fields(conn, "_results", ("amount",), "result")
        currencies = [r[0] for r in conn.execute(
            "select distinct upper(coalesce(result->>'currency', 'USD')) from _results order by 1").fetchall()]
        unknown = [c for c in currencies if c not in MINOR_UNITS]
        if unknown:
            raise IngestError(f"cost report in {', '.join(unknown)}: the report states amounts in the currency's lowest "
                              f"unit and documents USD only ({', '.join(MINOR_UNITS)} known)")
        available = {
            "organization_id": "cast(null as varchar)",
            "bucket_starting_at": "(bucket->>'starting_at')",
            "bucket_ending_at": "coalesce(bucket->>'ending_at', "
            "cast(cast(bucket->>'starting_at' as timestamptz) + interval 1 day as varchar))",
            "currency": "upper(coalesce(result->>'currency', 'USD'))",
        }
        for name, _ in RECORD_COLUMNS:
            if name not in available:
                available[name] = f"(result->>'{name}')"
        available["amount_minor"] = "(result->>'amount')"
        file_columns = json_keys_seen(conn, "_results", "result")
        build_records(conn, RECORD_COLUMNS, available, "_results")
        set_account(conn, "organization_id", path, SPEC.name)
        # cents -> currency units, exact: a DECIMAL product (a division would go through a double),
        # rounded to the 10 decimals money has
        conn.execute(
            f"""
            create or replace temp view _incoming as
            select {', '.join(n if n != 'amount' else
                              "cast(amount_minor * cast(0.01 as decimal(3, 2)) as decimal(38, 10)) as amount" for n, _ in COLUMNS)}
            from _records
            """
        )
    except duckdb.Error as exc:
        raise IngestError(f"cannot read Anthropic cost report page: {first_line(exc)}") from exc
    finally:
        drop_temp(conn, "_results")
    return file_columns


SPEC = SourceSpec(
    name="anthropic_costs",
    raw_table="anthropic_cost_lines",
    suffixes=(".json", ".jsonl", ".json.gz", ".jsonl.gz"),
    columns=COLUMNS,
    stage=stage,
    period_sql="strftime(bucket_starting_at, '%Y-%m')",
    cost_sql="amount",
    currency_sql="currency",
    description="Anthropic admin cost report pages (the billed cost per day, workspace and line item)",
    # a result delivered twice in one file would bill the same cost twice
    unique_key=("bucket_starting_at", "workspace_id", "description", "cost_type", "model", "token_type", "service_tier",
                "context_window", "inference_geo"),
)
