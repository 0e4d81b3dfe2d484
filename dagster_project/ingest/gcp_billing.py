"""GCP Cloud Billing detailed export rows, as exported from BigQuery: JSON (newline-delimited, a JSON
array of rows or a single pretty-printed row object; optionally .gz) or parquet.

The export nests most fields (`service`, `sku`, `project`, `labels[]`, `credits[]`, `usage`,
`location`, `invoice`, `price`, `resource`). Loading flattens them and stages each credit as a
raw row of its own (`row_kind` 'credit', next to the 'cost' row it belongs to), so that every
raw row becomes exactly one FOCUS row: the cost row a Usage/Tax/Adjustment charge, each credit
a Credit charge. A file's rows are therefore its cost rows plus its credit entries, and its
billed cost is sum(cost) + sum(credits.amount): what GCP invoices.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.ingest.base import IngestError, SourceSpec, cast_expr, check_casts, duckdb_path, quote_ident
from dagster_project.ingest.tags import invalid_object_count_sql, object_from_entries_sql

MONEY = "decimal(38, 10)"
TS = "timestamp"

COLUMNS: tuple[tuple[str, str], ...] = (
    ("row_kind", "varchar"),
    ("export_row", "bigint"),
    ("credit_index", "integer"),
    ("billing_account_id", "varchar"),
    ("invoice_month", "varchar"),
    ("cost_type", "varchar"),
    ("service_id", "varchar"),
    ("service_description", "varchar"),
    ("sku_id", "varchar"),
    ("sku_description", "varchar"),
    ("project_id", "varchar"),
    ("project_number", "varchar"),
    ("project_name", "varchar"),
    ("labels", "varchar"),
    ("project_labels", "varchar"),
    ("location", "varchar"),
    ("country", "varchar"),
    ("region", "varchar"),
    ("zone", "varchar"),
    ("resource_name", "varchar"),
    ("resource_global_name", "varchar"),
    ("usage_start_time", TS),
    ("usage_end_time", TS),
    ("export_time", TS),
    ("usage_amount", MONEY),
    ("usage_unit", "varchar"),
    ("usage_amount_in_pricing_units", MONEY),
    ("usage_pricing_unit", "varchar"),
    ("price_effective_price", MONEY),
    ("price_unit", "varchar"),
    ("price_pricing_unit_quantity", MONEY),
    ("currency", "varchar"),
    ("currency_conversion_rate", MONEY),
    ("cost", MONEY),
    ("cost_at_list", MONEY),
    ("transaction_type", "varchar"),
    ("seller_name", "varchar"),
    ("subscription_instance_id", "varchar"),
    ("credit_id", "varchar"),
    ("credit_name", "varchar"),
    ("credit_full_name", "varchar"),
    ("credit_type", "varchar"),
    ("credit_amount", MONEY),
)

# Top-level fields of the export a file must have.
REQUIRED = ("billing_account_id", "service", "sku", "usage_start_time", "usage_end_time", "cost", "currency", "invoice", "cost_type")

# Flat column -> (top-level field, JSON path inside it). Every field is read as JSON text so
# that JSONL (numbers as text, INT64 as strings) and parquet (typed structs) load the same way.
FIELDS: dict[str, tuple[str, str]] = {
    "billing_account_id": ("billing_account_id", "$"),
    "invoice_month": ("invoice", "$.month"),
    "cost_type": ("cost_type", "$"),
    "service_id": ("service", "$.id"),
    "service_description": ("service", "$.description"),
    "sku_id": ("sku", "$.id"),
    "sku_description": ("sku", "$.description"),
    "project_id": ("project", "$.id"),
    "project_number": ("project", "$.number"),
    "project_name": ("project", "$.name"),
    "location": ("location", "$.location"),
    "country": ("location", "$.country"),
    "region": ("location", "$.region"),
    "zone": ("location", "$.zone"),
    "resource_name": ("resource", "$.name"),
    "resource_global_name": ("resource", "$.global_name"),
    "usage_start_time": ("usage_start_time", "$"),
    "usage_end_time": ("usage_end_time", "$"),
    "export_time": ("export_time", "$"),
    "usage_amount": ("usage", "$.amount"),
    "usage_unit": ("usage", "$.unit"),
    "usage_amount_in_pricing_units": ("usage", "$.amount_in_pricing_units"),
    "usage_pricing_unit": ("usage", "$.pricing_unit"),
    "price_effective_price": ("price", "$.effective_price"),
    "price_unit": ("price", "$.unit"),
    "price_pricing_unit_quantity": ("price", "$.pricing_unit_quantity"),
    "currency": ("currency", "$"),
    "currency_conversion_rate": ("currency_conversion_rate", "$"),
    "cost": ("cost", "$"),
    "cost_at_list": ("cost_at_list", "$"),
    "transaction_type": ("transaction_type", "$"),
    "seller_name": ("seller_name", "$"),
    # the commitment (CUD) a fee or covered usage row belongs to, in exports of the new
    # spend-based CUD data model; absent from older exports (read as null)
    "subscription_instance_id": ("subscription", "$.instance_id"),
}
CREDIT_FIELDS = {"credit_id": "$.id", "credit_name": "$.name", "credit_full_name": "$.full_name", "credit_type": "$.type", "credit_amount": "$.amount"}
# Money of the export row itself: on credit rows these are null, so no amount is counted twice.
COST_ROW_ONLY = ("usage_amount", "usage_amount_in_pricing_units", "price_effective_price",
                 "price_pricing_unit_quantity", "cost", "cost_at_list")
LABELS_TYPE = "struct(key varchar, value varchar)[]"


def _reader(path: Path) -> tuple[str, str]:
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "read_parquet($1)", "parquet"
    if name.endswith((".json", ".jsonl", ".json.gz", ".jsonl.gz", ".ndjson")):
        # depth 1: every top-level field arrives as JSON, nested ones are read by path below.
        # format 'auto': newline-delimited rows, a JSON array of rows, or one (pretty-printed)
        # row object as BigQuery's console and `bq show --format=prettyjson` print it
        return "read_json($1, format = 'auto', maximum_depth = 1, compression = 'auto')", "json"
    raise IngestError(f"unsupported file type: {path.name}")


def _text(field_expr: str, path: str) -> str:
    return f"json_extract_string({field_expr}, '{path}')"


def stage(conn: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    rel, fmt = _reader(path)
    params = [duckdb_path(path)]
    try:
        described = conn.execute(f"describe select * from {rel}", params).fetchall()
    except duckdb.Error as exc:
        raise IngestError(f"cannot read {fmt} file: {str(exc).splitlines()[0]}") from exc
    file_cols = [row[0] for row in described]
    by_lower = {c.lower(): c for c in file_cols}
    missing = [c for c in REQUIRED if c not in by_lower]
    if missing:
        raise IngestError(f"missing required column(s): {', '.join(missing)}")
    # one JSON value per top-level field, whatever the file format
    wanted = sorted({f for f, _ in FIELDS.values()} | {"labels", "credits", "project"})
    select = ", ".join(
        f"{'to_json(' + quote_ident(by_lower[f]) + ')' if fmt == 'parquet' else quote_ident(by_lower[f])} as {f}"
        if f in by_lower else f"cast(null as json) as {f}"
        for f in wanted
    )
    available: dict[str, str] = {name: _text(field, p) for name, (field, p) in FIELDS.items() if field in by_lower}
    labels = object_from_entries_sql(f"try_cast(labels as {LABELS_TYPE})")
    project_labels = object_from_entries_sql(f"try_cast(json_extract(project, '$.labels') as {LABELS_TYPE})")
    credits = "json_extract(credits, '$[*]')"
    try:
        conn.execute(
            f"create or replace temp table _gcp_rows as select row_number() over () as export_row, {select} from {rel}",
            params,
        )
        check_casts(conn, COLUMNS, available, "_gcp_rows", [])
        credit_available = {k: _text("credit", p) for k, p in CREDIT_FIELDS.items()}
        check_casts(
            conn, COLUMNS, credit_available,
            f"(select unnest({credits}) as credit from _gcp_rows)", [],
        )
        bad = conn.execute(
            "select count(*) filter (where labels is not null and json_type(labels) <> 'ARRAY'), "
            "count(*) filter (where credits is not null and json_type(credits) <> 'ARRAY'), "
            f"count(*) filter (where {available['cost']} is null) from _gcp_rows"
        ).fetchone()
        if bad[0] or bad[1]:
            raise IngestError(f"labels/credits are not arrays in {bad[0]}/{bad[1]} row(s)")
        if bad[2]:
            raise IngestError(f"{bad[2]} row(s) have no cost")
        no_amount = conn.execute(
            f"select count(*) from (select unnest({credits}) as credit from _gcp_rows) where {_text('credit', '$.amount')} is null"
        ).fetchone()[0]
        if no_amount:
            raise IngestError(f"{no_amount} credit(s) have no amount")
        months = conn.execute(
            f"select count(*) from _gcp_rows where not regexp_full_match(coalesce({available['invoice_month']}, ''), '[0-9]{{6}}')"
        ).fetchone()[0]
        if months:
            raise IngestError(f"{months} row(s) have no invoice.month in YYYYMM form")

        def value(name: str, dtype: str, kind: str) -> str:
            if name == "row_kind":
                return f"'{kind}'"
            if name == "export_row":
                return "export_row"
            if name == "credit_index":
                return "credit_index" if kind == "credit" else "cast(null as integer)"
            if name == "labels":
                return labels
            if name == "project_labels":
                return project_labels
            if name in CREDIT_FIELDS:
                return cast_expr(_text("credit", CREDIT_FIELDS[name]), dtype) if kind == "credit" else f"cast(null as {dtype})"
            if kind == "credit" and name in COST_ROW_ONLY:
                return f"cast(null as {dtype})"
            expr = available.get(name)
            return cast_expr(expr, dtype) if expr else f"cast(null as {dtype})"

        cost_list = ",\n    ".join(f"{value(n, t, 'cost')} as {n}" for n, t in COLUMNS)
        credit_list = ",\n    ".join(f"{value(n, t, 'credit')} as {n}" for n, t in COLUMNS)
        conn.execute(
            f"""
            create or replace temp table _incoming as
            select {cost_list} from _gcp_rows
            union all
            select {credit_list} from (
                select *, unnest({credits}) as credit, generate_subscripts({credits}, 1) as credit_index
                from _gcp_rows
            )
            """
        )
        for col in ("labels", "project_labels"):
            n = conn.execute(invalid_object_count_sql(col, "_incoming")).fetchone()[0]
            if n:
                raise IngestError(f"{col}: {n} value(s) do not form a JSON object")
    except duckdb.Error as exc:
        raise IngestError(f"cannot read {fmt} file: {str(exc).splitlines()[0]}") from exc
    finally:
        conn.execute("drop table if exists _gcp_rows")
    return file_cols


SPEC = SourceSpec(
    name="gcp_billing",
    raw_table="gcp_billing_export_rows",
    suffixes=(".parquet", ".json", ".jsonl", ".json.gz", ".jsonl.gz", ".ndjson"),
    columns=COLUMNS,
    stage=stage,
    period_sql="substr(invoice_month, 1, 4) || '-' || substr(invoice_month, 5, 2)",
    charge_month_sql="strftime(usage_start_time, '%Y-%m')",
    # a credit row carries the credit, a cost row the export row's cost: their sum is the invoice
    cost_sql="case when row_kind = 'credit' then credit_amount else cost end",
    currency_sql="currency",
    description="GCP Cloud Billing detailed export rows (credits staged as rows of their own)",
    row_checks=(
        ("usage_end_time < usage_start_time", "usage end before usage start"),
        ("abs(coalesce(cost, credit_amount)) > 1000000000000", "absurd cost (magnitude above 1e12)"),
    ),
)
