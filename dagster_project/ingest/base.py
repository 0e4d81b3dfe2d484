"""What a source must provide to the generic file loader."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb


class IngestError(Exception):
    """A file cannot be loaded; the message is the quarantine reason shown to people."""


@dataclass(frozen=True)
class SourceSpec:
    """One landing folder.

    `stage` reads one file into the temp table `_incoming` with exactly `columns` (name,
    DuckDB type) or raises IngestError. `period_sql`, `cost_sql` and `currency_sql` are SQL
    expressions over `_incoming`: the billing month ('YYYY-MM') of a row, the billed cost
    of a row in the file's own terms, and its currency.
    """

    name: str
    raw_table: str
    suffixes: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    stage: Callable[[duckdb.DuckDBPyConnection, Path], list[str]]
    period_sql: str
    cost_sql: str
    currency_sql: str
    description: str = ""
    # the month ('YYYY-MM') of a row's charge day, where it can differ from its billing month
    # (usage on the last day of the month before, late usage in the next invoice): the monthly
    # partitions are charge months (README "Partitions"). Unset: the billing month.
    charge_month_sql: str | None = None
    # False for logs whose rows carry no cost of their own (self-hosted model requests):
    # they are conserved into the token marts, not into focus_costs.
    focus_rows: bool = True
    # (SQL condition marking a bad row of _incoming, reason): any match quarantines the file
    row_checks: tuple[tuple[str, str], ...] = ()
    # columns that identify a row within one file: duplicates quarantine the file
    unique_key: tuple[str, ...] = ()
    # Large columnar sources: (conn, path) -> (select list over the temp view `_file`, the
    # file's columns), after defining `_file` over `path` and checking every value. When set,
    # raw.<raw_table> is a view over registry-owned copies of the loaded files instead of a
    # table the rows are copied into (README "Performance": writing ~50 string columns
    # into DuckDB twice, raw and focus_costs, was a third of a 10M-row run).
    file_projection: Callable[[duckdb.DuckDBPyConnection, Path], tuple[str, list[str]]] | None = None
    # Large row logs (LLM request logs): the rows `stage` builds are written once, as a parquet
    # file of the raw store, and raw.<raw_table> is a view over those files, as for
    # `file_projection` sources (DuckDB's parquet writer takes about half the time of inserting
    # the same rows into a table).
    store_staged: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def charge_month(self) -> str:
        return self.charge_month_sql or self.period_sql

    @property
    def file_backed(self) -> bool:
        """raw.<raw_table> is a view over files of the raw store, not a table."""
        return self.file_projection is not None or self.store_staged

    def matches(self, path: Path) -> bool:
        name = path.name.lower()
        return any(name.endswith(s) for s in self.suffixes)


NUMERIC_TYPES = ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER")


def is_numeric_type(file_type: str | None) -> bool:
    return bool(file_type) and file_type.upper().startswith(NUMERIC_TYPES)


def cast_expr(expr: str, dtype: str, file_type: str | None = None) -> str:
    """Lenient cast of a file value; timestamps go through timestamptz so 'Z' and offsets become UTC.

    `file_type` is the file's own type of the value when known: a number the file already
    types (parquet DOUBLE, DECIMAL) casts straight to the target, a text value takes the
    slower path that accepts any number of decimals.
    """
    if dtype.lower() == "timestamp":
        return f"cast(try_cast({expr} as timestamptz) as timestamp)"
    if dtype.lower().startswith("decimal") and not is_numeric_type(file_type):
        # a value with more than ten decimals is rounded to ten, never rejected
        return f"try_cast(try_cast({expr} as decimal(38, 18)) as {dtype})"
    return f"try_cast({expr} as {dtype})"


def projection_sql(
    columns: tuple[tuple[str, str], ...], available: dict[str, str], file_types: dict[str, str] | None = None
) -> str:
    """Select list casting each known column from the file (by its normalized name), or a typed null.

    `available` maps normalized column name -> SQL expression reading it from the file;
    `file_types` (optional) maps it to the file's own type of that column.
    """
    file_types = file_types or {}
    parts = []
    for name, dtype in columns:
        expr = available.get(name)
        parts.append(f"{cast_expr(expr, dtype, file_types.get(name))} as {name}" if expr else f"cast(null as {dtype}) as {name}")
    return ",\n    ".join(parts)


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# DuckDB's file readers expand glob patterns in every path they get, as a literal or a
# parameter; each metacharacter inside a one-character class matches only itself.
_GLOB_ESCAPES = {"[": "[[]", "*": "[*]", "?": "[?]"}


def duckdb_path(path: Path | str) -> str:
    """A path for read_csv / read_json / read_parquet that names exactly this one file: a
    landed `invoice[1].csv` or `costs*.csv` would otherwise read other files (or several)."""
    return "".join(_GLOB_ESCAPES.get(ch, ch) for ch in str(path))


# read_csv options: DuckDB's sniffer in strict mode (the default), or, for a file Python's csv
# module reads as well-formed but the sniffer rejects (a last line ending LF where the others end
# CRLF), the RFC 4180 dialect spelled out with strict mode off.
# the column naming each row's file when a source's file_projection reads several files at once
BULK_FILE_COLUMN = "_bulk_file"
CSV_STRICT = "header = true, all_varchar = true, compression = 'auto', strict_mode = true"
CSV_RFC4180 = ("header = true, all_varchar = true, compression = 'auto', strict_mode = false, "
               "delim = ',', quote = '\"', escape = '\"'")
# the delimiters a sniffed file may use in the spelled-out dialect (Excel's European CSV: ';')
RFC4180_DELIMITERS = (",", ";", "\t", "|")


def _open_text(path: Path):
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="replace", newline="")
    return open(path, encoding="utf-8-sig", errors="replace", newline="")


def csv_header_width(path: Path, delimiter: str = ",") -> int:
    """Fields in the header record, as Python's csv module reads it (0 for an empty file)."""
    with _open_text(path) as fh:
        return len(next(csv.reader(fh, delimiter=delimiter), []))


def csv_scan(path: Path, delimiter: str = ",") -> int:
    """Data records of a CSV read with Python's csv module (RFC 4180, any line endings); an
    IngestError naming the line and what is wrong when the file is malformed."""
    csv.field_size_limit(2**31 - 1)
    with _open_text(path) as fh:
        reader = csv.reader(fh, strict=True, delimiter=delimiter)
        rows, width = 0, None
        try:
            for record in reader:
                if not record:  # a blank line is no record (DuckDB skips it too)
                    continue
                if width is None:
                    width = len(record)
                    continue
                if len(record) != width:
                    raise IngestError(f"malformed csv: line {reader.line_num}: {len(record)} field(s), header has {width}")
                rows += 1
        except csv.Error as exc:
            raise IngestError(f"malformed csv: line {reader.line_num}: {exc}") from exc
    return rows


def csv_options(conn: duckdb.DuckDBPyConnection, path: Path) -> str:
    """The read_csv options that read this file as Python's csv module does, checked once per
    file where a source stages it: DuckDB's sniffer when it agrees with the header, else the
    spelled-out RFC 4180 dialect after a full scan (a malformed file is quarantined with the
    line and what is wrong, never read into shifted or merged columns)."""
    delimiter = ","
    try:
        sniffed = conn.execute("select Delimiter from sniff_csv($1)", [duckdb_path(path)]).fetchone()[0]
        # a comma file stays a comma file (the sniffer may pick '|' when a row is short); another
        # delimiter only when the header has no comma-separated fields but has sniffed ones
        if (sniffed != "," and sniffed in RFC4180_DELIMITERS and csv_header_width(path) <= 1
                and csv_header_width(path, sniffed) > 1):
            delimiter = sniffed
        described = conn.execute(f"describe select * from read_csv($1, {CSV_STRICT})", [duckdb_path(path)]).fetchall()
        if sniffed == delimiter and len(described) == csv_header_width(path, delimiter):
            return CSV_STRICT
    except duckdb.Error:
        pass
    rows = csv_scan(path, delimiter)
    options = CSV_RFC4180.replace("delim = ','", "delim = " + sql_literal(delimiter))
    try:
        read = conn.execute(f"select count(*) from read_csv($1, {options})", [duckdb_path(path)]).fetchone()[0]
    except duckdb.Error as exc:
        raise IngestError(f"cannot read csv file: {str(exc).splitlines()[0]}") from exc
    if read != rows:
        raise IngestError(f"cannot read csv file: DuckDB reads {read} record(s) where Python's csv module reads {rows}")
    return options


def reader_sql(path: Path, csv_opts: str = CSV_STRICT) -> str:
    """The DuckDB table function reading one landed file (csv values all as text; `csv_opts`
    from csv_options when the file is being staged)."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        return f"read_parquet({sql_literal(duckdb_path(path))})"
    if name.endswith((".csv", ".csv.gz")):
        return f"read_csv({sql_literal(duckdb_path(path))}, {csv_opts})"
    raise IngestError(f"unsupported file type: {path.name}")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def cast_checks(columns, available: dict[str, str], file_types: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(column, SQL true when the file's value does not cast, the value's SQL) for each column
    that can fail to cast. A value the file types as a number only needs the target cast (NaN,
    infinity and out-of-range values fail it); text is trimmed first."""
    file_types = file_types or {}
    checks = []
    for name, dtype in columns:
        expr = available.get(name)
        if not expr or dtype.lower() in ("varchar", "json"):
            continue
        if is_numeric_type(file_types.get(name)):
            bad = f"{expr} is not null and {cast_expr(expr, dtype, file_types[name])} is null"
        else:
            bad = (f"{expr} is not null and trim(cast({expr} as varchar)) <> '' "
                   f"and {cast_expr(expr, dtype, file_types.get(name))} is null")
        checks.append((name, bad, expr))
    return checks


def raise_cast_failures(columns, checks: list[tuple[str, str, str]], row: tuple) -> None:
    """IngestError naming each column with values that do not cast; `row` holds, per check,
    the number of such values and one of them."""
    bad = [(name, row[2 * i], row[2 * i + 1]) for i, (name, _, _) in enumerate(checks) if row[2 * i]]
    if bad:
        detail = "; ".join(f"{col}: {n} value(s) not a valid {dict(columns)[col]} (e.g. {ex!r})" for col, n, ex in bad)
        raise IngestError(f"unparseable values: {detail}")


def check_casts(
    conn: duckdb.DuckDBPyConnection, columns, available: dict[str, str], source_rel: str, params,
    file_types: dict[str, str] | None = None,
) -> None:
    """Quarantine a file whose values do not parse (a cost of '1,234' is not silently null).
    One scan of the file for all columns."""
    checks = cast_checks(columns, available, file_types)
    if not checks:
        return
    select = ", ".join(
        f"count(*) filter (where {bad}), any_value(cast({expr} as varchar)) filter (where {bad})"
        for _, bad, expr in checks
    )
    raise_cast_failures(columns, checks, conn.execute(f"select {select} from {source_rel}", params or None).fetchone())
