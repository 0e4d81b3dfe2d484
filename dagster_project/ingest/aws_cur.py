"""AWS Cost and Usage Report 2.0 (Data Exports): parquet or csv(.gz), CUR 2.0 or legacy headers."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from dagster_project.ingest.base import (
    BULK_FILE_COLUMN,
    CSV_STRICT,
    IngestError,
    SourceSpec,
    check_casts,
    csv_options,
    duckdb_path,
    projection_sql,
    quote_ident,
    reader_sql,
    sql_literal,
)

MONEY = "decimal(38, 10)"
TS = "timestamp"

COLUMNS: tuple[tuple[str, str], ...] = (
    ("identity_line_item_id", "varchar"),
    ("identity_time_interval", "varchar"),
    ("bill_bill_type", "varchar"),
    ("bill_billing_entity", "varchar"),
    ("bill_billing_period_start_date", TS),
    ("bill_billing_period_end_date", TS),
    ("bill_invoice_id", "varchar"),
    ("bill_invoicing_entity", "varchar"),
    ("bill_payer_account_id", "varchar"),
    ("bill_payer_account_name", "varchar"),
    ("line_item_availability_zone", "varchar"),
    ("line_item_currency_code", "varchar"),
    ("line_item_legal_entity", "varchar"),
    ("line_item_line_item_description", "varchar"),
    ("line_item_line_item_type", "varchar"),
    ("line_item_net_unblended_cost", MONEY),
    ("line_item_operation", "varchar"),
    ("line_item_product_code", "varchar"),
    ("line_item_resource_id", "varchar"),
    ("line_item_tax_type", "varchar"),
    ("line_item_unblended_cost", MONEY),
    ("line_item_unblended_rate", MONEY),
    ("line_item_usage_account_id", "varchar"),
    ("line_item_usage_account_name", "varchar"),
    ("line_item_usage_amount", MONEY),
    ("line_item_usage_end_date", TS),
    ("line_item_usage_start_date", TS),
    ("line_item_usage_type", "varchar"),
    ("pricing_currency", "varchar"),
    ("pricing_public_on_demand_cost", MONEY),
    ("pricing_public_on_demand_rate", MONEY),
    ("pricing_purchase_option", "varchar"),
    ("pricing_rate_code", "varchar"),
    ("pricing_rate_id", "varchar"),
    ("pricing_term", "varchar"),
    ("pricing_unit", "varchar"),
    ("product_instance_type", "varchar"),
    ("product_product_family", "varchar"),
    ("product_region_code", "varchar"),
    ("product_servicecode", "varchar"),
    ("product_sku", "varchar"),
    ("reservation_effective_cost", MONEY),
    ("reservation_reservation_a_r_n", "varchar"),
    ("reservation_unused_amortized_upfront_fee_for_billing_period", MONEY),
    ("reservation_unused_recurring_fee", MONEY),
    ("savings_plan_savings_plan_a_r_n", "varchar"),
    ("savings_plan_savings_plan_effective_cost", MONEY),
    ("savings_plan_savings_plan_rate", MONEY),
    ("savings_plan_total_commitment_to_date", MONEY),
    ("savings_plan_used_commitment", MONEY),
    # split cost allocation data (ECS tasks / EKS pods on EC2; docs/container_costs.md): the
    # task's rows carry its share of the parent instance's cost, which stays on the parent row
    ("split_line_item_parent_resource_id", "varchar"),
    ("split_line_item_split_cost", MONEY),
    ("split_line_item_unused_cost", MONEY),
    ("split_line_item_net_split_cost", MONEY),
    ("split_line_item_net_unused_cost", MONEY),
    ("split_line_item_split_usage", MONEY),
    ("split_line_item_split_usage_ratio", MONEY),
    ("split_line_item_actual_usage", MONEY),
    ("split_line_item_reserved_usage", MONEY),
    ("resource_tags", "varchar"),
)

REQUIRED = (
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_unblended_cost",
    "line_item_usage_account_id",
    "line_item_product_code",
    "line_item_currency_code",
    "bill_payer_account_id",
    "bill_billing_period_start_date",
)

# Legacy CUR names that do not follow the camelCase -> snake_case rule.
LEGACY_RENAMES = {
    "reservation_reservation_arn": "reservation_reservation_a_r_n",
    "savings_plan_savings_plan_arn": "savings_plan_savings_plan_a_r_n",
    "product_product_code": "line_item_product_code",
}


# Athena-layout tag columns (the CUR's parquet for Athena, legacy CUR): one column per tag key,
# `resource_tags_user_<key>` / `resource_tags_aws_<key>`. They become the keys `user_<key>` /
# `aws_<key>` of resource_tags, as CUR 2.0's map and legacy `resourceTags/user:<key>` do.
ATHENA_TAG_PREFIXES = ("resource_tags_user_", "resource_tags_aws_")


def tag_key(column: str) -> str | None:
    """The resource_tags key a per-tag column of the file carries, or None for other columns.

    `resourceTags/user:tenant` -> `user_tenant`; `resource_tags_user_tenant` -> `user_tenant`.
    The key comes from a file header: callers must quote it (sql_literal) before it goes into SQL.
    """
    if column.startswith("resourceTags/"):
        return column.split("/", 1)[1].replace(":", "_")
    lowered = column.strip().lower()
    if lowered.startswith(ATHENA_TAG_PREFIXES) and lowered not in ATHENA_TAG_PREFIXES:
        return lowered[len("resource_tags_"):]
    return None


def normalize_name(name: str) -> str:
    """`lineItem/UnblendedCost` -> `line_item_unblended_cost`; CUR 2.0 names pass through."""
    if "/" not in name:
        return name.strip().lower()
    parts = []
    for piece in name.split("/", 1):
        snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", piece)
        parts.append(snake.lower())
    out = "_".join(parts)
    return LEGACY_RENAMES.get(out, out)


def open_file_view(conn: duckdb.DuckDBPyConnection, path: Path | list[Path]) -> str:
    """Expose the file as the temp view `_file` (a list: parquet files of one schema, read
    together, each row naming its file in BULK_FILE_COLUMN)."""
    if isinstance(path, list):
        listed = "[" + ", ".join(sql_literal(duckdb_path(p)) for p in path) + "]"
        try:
            conn.execute(f"create or replace temp view _file as select * from "
                         f"read_parquet({listed}, filename = {sql_literal(BULK_FILE_COLUMN)})")
        except duckdb.Error as exc:
            raise IngestError(f"cannot read parquet files: {str(exc).splitlines()[0]}") from exc
        return "parquet"
    fmt = "parquet" if path.name.lower().endswith(".parquet") else "csv"
    try:
        opts = csv_options(conn, path) if fmt == "csv" else CSV_STRICT
        conn.execute(f"create or replace temp view _file as select * from {reader_sql(path, opts)}")
    except duckdb.Error as exc:
        raise IngestError(f"cannot read {fmt} file: {str(exc).splitlines()[0]}") from exc
    return fmt


def stage(conn: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """Define the temp view `_incoming` (CUR 2.0 names and types) over the file."""
    select_list, file_columns = file_projection(conn, path)
    conn.execute(f"create or replace temp view _incoming as select {select_list} from _file")
    return file_columns


def file_projection(conn: duckdb.DuckDBPyConnection, path: Path | list[Path]) -> tuple[str, list[str]]:
    """The select list (CUR 2.0 names and types) over the temp view `_file` of this file (or
    files of one schema, checked in one scan)."""
    fmt = open_file_view(conn, path)
    try:
        described = conn.execute("describe select * from _file").fetchall()
    except duckdb.Error as exc:
        raise IngestError(f"cannot read {fmt} file: {str(exc).splitlines()[0]}") from exc
    file_cols = [(row[0], row[1]) for row in described if row[0] != BULK_FILE_COLUMN]
    native = {}
    available: dict[str, str] = {}
    tag_columns: list[tuple[str, str]] = []
    tags_are_map = False
    for col, dtype in file_cols:
        key = tag_key(col)
        if key is not None:
            tag_columns.append((key, quote_ident(col)))
            continue
        norm = normalize_name(col)
        if norm == "resource_tags":
            if dtype.upper().startswith("MAP"):
                # drop empty values: AWS writes '' for a tag key absent on the resource; most
                # rows have none, and the lambda is only paid on the rows that do
                tags = quote_ident(col)
                available[norm] = (
                    f"case when list_count(map_values({tags})) = cardinality({tags}) "
                    f"and not list_contains(map_values({tags}), '') then to_json({tags}) "
                    f"else to_json(map_from_entries(list_filter(map_entries({tags}), "
                    f"lambda e: e.value is not null and e.value <> ''))) end"
                )
                tags_are_map = True
            else:
                available[norm] = f"nullif(trim({quote_ident(col)}), '')"
            continue
        if norm not in available:
            available[norm] = quote_ident(col)
            native[norm] = dtype.upper()
    if tag_columns and "resource_tags" not in available:
        # keys come from the file's headers: quoted as literals, never pasted into the SQL (issue #19);
        # an empty value is a key absent on that resource, not a tag
        entries = ", ".join(f"{{'key': {sql_literal(k)}, 'value': cast({c} as varchar)}}" for k, c in tag_columns)
        available["resource_tags"] = (
            f"to_json(map_from_entries(list_filter([{entries}], lambda e: e.value is not null and e.value <> '')))"
        )
    missing = [c for c in REQUIRED if c not in available]
    if missing:
        raise IngestError(f"missing required column(s): {', '.join(missing)}")
    # values typed natively by the file (DECIMAL, BIGINT, TIMESTAMP) cannot fail to cast
    to_check = {k: v for k, v in available.items()
                if k == "resource_tags" or native.get(k, "VARCHAR").startswith(("VARCHAR", "DOUBLE", "FLOAT"))}
    try:
        check_casts(conn, COLUMNS, to_check, "_file", [], file_types=native)
        # a MAP column always becomes a JSON object; text has to be checked
        if "resource_tags" in available and not tags_are_map:
            bad = conn.execute(
                f"select count(*) from _file where {available['resource_tags']} is not null "
                f"and not coalesce(json_valid({available['resource_tags']}), false)"
            ).fetchone()[0]
            if bad:
                raise IngestError(f"resource_tags: {bad} value(s) are not a JSON object")
        select_list = projection_sql(COLUMNS, available, native)
        conn.execute(f"select * from (select {select_list} from _file) limit 0")
    except duckdb.Error as exc:
        raise IngestError(f"cannot read {fmt} file: {str(exc).splitlines()[0]}") from exc
    return select_list, [c for c, _ in file_cols]


SPEC = SourceSpec(
    name="aws_cur",
    raw_table="aws_cur_line_items",
    suffixes=(".parquet", ".csv", ".csv.gz"),
    columns=COLUMNS,
    stage=stage,
    file_projection=file_projection,
    period_sql="strftime(bill_billing_period_start_date, '%Y-%m')",
    charge_month_sql="strftime(line_item_usage_start_date, '%Y-%m')",
    cost_sql="coalesce(line_item_net_unblended_cost, line_item_unblended_cost)",
    currency_sql="line_item_currency_code",
    description="AWS CUR 2.0 (Data Exports) line items",
    row_checks=(
        ("line_item_usage_start_date < bill_billing_period_start_date - interval 1 day "
         "or line_item_usage_start_date >= bill_billing_period_start_date + interval 1 month",
         "usage start outside the file's billing period"),
        ("line_item_usage_end_date < line_item_usage_start_date", "usage end before usage start"),
        ("abs(line_item_unblended_cost) > 1000000000000", "absurd cost (magnitude above 1e12)"),
        # a required column present but empty on some rows (the period has its own check):
        # checked here, in the scan the row checks make anyway, instead of a not-null test
        # on the staging model that would stop the whole dbt build for one bad file
        # text that is only blanks is as empty as null: it would reach FOCUS-mandatory columns
        # (BillingAccountId, ServiceName, BillingCurrency, ...) as '' where FOCUS wants a value
        *((f"{col} is null" if dtype != "varchar" else f"nullif(trim({col}), '') is null", f"{col} is empty")
          for col, dtype in COLUMNS if col in REQUIRED and col != "bill_billing_period_start_date"),
        # the FOCUS-mandatory EffectiveCost of commitment-covered usage is the amortized cost AWS
        # writes beside it; without it the row has none (the fees have a documented fallback, these do not)
        ("line_item_line_item_type = 'DiscountedUsage' and reservation_effective_cost is null",
         "DiscountedUsage without reservation_effective_cost (its EffectiveCost)"),
        ("line_item_line_item_type = 'SavingsPlanCoveredUsage' and savings_plan_savings_plan_effective_cost is null",
         "SavingsPlanCoveredUsage without savings_plan_savings_plan_effective_cost (its EffectiveCost)"),
    ),
    # an id repeats across hours; the interval (or, without it, the usage start) tells them apart
    unique_key=("identity_line_item_id", "coalesce(identity_time_interval, cast(line_item_usage_start_date as varchar))"),
)
