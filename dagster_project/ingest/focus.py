"""Provider-native FOCUS exports (1.0 to 1.3; parquet or csv(.gz)), loaded under FOCUS 1.3 names.

The columns, their types and versions come from seeds/focus/focus_columns.csv (the FOCUS
contract, dagster_project/focus_contract.py). The version is detected from the columns (the
newest version whose introduced columns appear). Loading renames pre-1.0 and differently cased column
names to the 1.2 names, adds the columns a version lacks as nulls (a 1.3 export keeps its
ServiceProviderName, HostProviderName, Allocated* and ContractApplied; a 1.4 export loads as 1.3
where 1.4 only adds columns: columns no version here knows are not read), turns the strings 'NULL',
'N/A' and '' into real nulls and reads timestamps as UTC. Value upgrades (enum spellings,
ServiceSubcategory, ContractedCost defaults) happen in int_focus_charges_mapped.

Delivery: AWS writes `<export>/data/BILLING_PERIOD=YYYY-MM/<file>` and, per snapshot, another
folder below the period; the registry counts only the newest delivery of an export's period
(and a file rewritten in place replaces itself).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project import focus_contract
from dagster_project.ingest.base import (
    IngestError,
    SourceSpec,
    cast_expr,
    check_casts,
    csv_options,
    duckdb_path,
    quote_ident,
)

# The raw table's type for each logical type of seeds/focus/focus_columns.csv (dagster_project.focus_contract)
RAW_TYPES = {"string": "varchar", "json": "varchar", "timestamp": "timestamp",
             "money": "decimal(38, 10)", "quantity": "decimal(38, 10)"}

# (name, raw type, first FOCUS release 1.0+ that has it), in the seed's order: the FOCUS 1.2
# columns, then the Cost and Usage columns 1.3 added (docs/focus_1_3.md). The raw table keeps
# this order (columns 1.3 added come last, so an older raw table only gains columns).
FOCUS_COLUMNS: tuple[tuple[str, str, str], ...] = tuple(
    (c.name, RAW_TYPES[c.data_type], c.version) for c in focus_contract.columns() if c.version != "1.3")
FOCUS_1_3_COLUMNS: tuple[tuple[str, str, str], ...] = tuple(
    (c.name, RAW_TYPES[c.data_type], c.version) for c in focus_contract.columns() if c.version == "1.3")
ALL_COLUMNS = FOCUS_COLUMNS + FOCUS_1_3_COLUMNS

COLUMNS: tuple[tuple[str, str], ...] = tuple((name, dtype) for name, dtype, _ in ALL_COLUMNS) + (
    ("x_focus_version", "varchar"),
)

# Names used before FOCUS 1.0 (0.5 and 1.0-preview) -> the 1.0+ name.
RENAMES = {
    "amortizedcost": "EffectiveCost",
    "billedcurrency": "BillingCurrency",
    "chargetype": "ChargeCategory",
    "provider": "ProviderName",
    "publisher": "PublisherName",
    "invoiceissuer": "InvoiceIssuerName",
    "region": "RegionName",
    "usagequantity": "ConsumedQuantity",
    "usageunit": "ConsumedUnit",
}

# Mandatory in every supported version and not derivable: a file without one is quarantined.
REQUIRED = (
    "BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
    "ChargeCategory", "ChargePeriodStart", "ChargePeriodEnd", "EffectiveCost", "ListCost",
    "ProviderName", "ServiceCategory", "ServiceName",
)
# 1.3 deprecates ProviderName: a file may name the provider in ServiceProviderName instead.
REQUIRED_ALTERNATIVES = {"ProviderName": "ServiceProviderName"}
# Must be set on every row (FOCUS: not null); checked after the 'NULL' strings become nulls.
NOT_NULL = ("BilledCost", "BillingCurrency", "BillingPeriodStart", "ChargeCategory", "ChargePeriodStart", "ChargePeriodEnd",
            "EffectiveCost", "ServiceName")

NULL_STRINGS = ("", "NULL", "N/A")
# checked to be JSON objects
JSON_COLUMNS = tuple(c.name for c in focus_contract.columns() if c.data_type == "json")


def detect_version(present: set[str]) -> str:
    """The newest FOCUS version whose introduced columns the file has (1.0 if none newer)."""
    for version in ("1.3", "1.2", "1.1"):
        if any(name in present for name, _, introduced in ALL_COLUMNS if introduced == version):
            return version
    return "1.0"


def _reader(conn: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, str]:
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "read_parquet($1)", "parquet"
    if name.endswith((".csv", ".csv.gz")):
        return f"read_csv($1, {csv_options(conn, path)})", "csv"
    raise IngestError(f"unsupported file type: {path.name}")


def _text(col: str) -> str:
    """The value as trimmed text, with the placeholder strings exporters write for null as null."""
    text = f"trim(cast({quote_ident(col)} as varchar))"
    nulls = ", ".join(f"'{s}'" for s in NULL_STRINGS)
    return f"case when upper({text}) in ({nulls}) then null else {text} end"


def stage(conn: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    rel, fmt = _reader(conn, path)
    params = [duckdb_path(path)]
    try:
        file_cols = [row[0] for row in conn.execute(f"describe select * from {rel}", params).fetchall()]
    except duckdb.Error as exc:
        raise IngestError(f"cannot read {fmt} file: {str(exc).splitlines()[0]}") from exc
    canonical = {name.lower(): name for name, _, _ in ALL_COLUMNS}
    available: dict[str, str] = {}
    for col in file_cols:
        key = col.replace("\ufeff", "").strip().lower()
        name = canonical.get(key) or RENAMES.get(key)
        if name and name not in available:
            available[name] = _text(col)
    missing = [c for c in REQUIRED if c not in available and REQUIRED_ALTERNATIVES.get(c) not in available]
    if missing:
        raise IngestError(f"missing required column(s): {', '.join(missing)}")
    version = detect_version(set(available))
    try:
        check_casts(conn, COLUMNS, available, rel, params)
        projection = ",\n    ".join(
            f"{cast_expr(available[c], t)} as {c}" if c in available else f"cast(null as {t}) as {c}"
            for c, t in COLUMNS if c != "x_focus_version"
        )
        conn.execute(
            f"create or replace temp table _incoming as select {projection}, '{version}' as x_focus_version from {rel}",
            params,
        )
        counts = ", ".join(f"count(*) filter (where {c} is null)" for c in NOT_NULL)
        nulls = dict(zip(NOT_NULL, conn.execute(f"select {counts} from _incoming").fetchone(), strict=True))
        nulls = {c: n for c, n in nulls.items() if n}
        if nulls:
            raise IngestError("null in a not-null FOCUS column: " + "; ".join(f"{c}: {n} row(s)" for c, n in nulls.items()))
        for col in JSON_COLUMNS:
            bad = conn.execute(
                f"select count(*) from _incoming where {col} is not null "
                f"and coalesce(json_type(try_cast({col} as json)), '') <> 'OBJECT'"
            ).fetchone()[0]
            if bad:
                raise IngestError(f"{col}: {bad} value(s) are not a JSON object")
    except duckdb.Error as exc:
        raise IngestError(f"cannot read {fmt} file: {str(exc).splitlines()[0]}") from exc
    return file_cols


SPEC = SourceSpec(
    name="focus",
    raw_table="focus_export_rows",
    suffixes=(".parquet", ".csv", ".csv.gz"),
    columns=COLUMNS,
    stage=stage,
    period_sql="strftime(BillingPeriodStart, '%Y-%m')",
    charge_month_sql="strftime(ChargePeriodStart, '%Y-%m')",
    cost_sql="BilledCost",
    currency_sql="BillingCurrency",
    description="Provider-native FOCUS exports (1.0 to 1.3), upgraded to 1.3",
    row_checks=(
        ("ChargePeriodEnd < ChargePeriodStart", "charge period end before its start"),
        ("BillingPeriodEnd <= BillingPeriodStart", "billing period end not after its start"),
        ("abs(BilledCost) > 1000000000000", "absurd cost (magnitude above 1e12)"),
    ),
)
