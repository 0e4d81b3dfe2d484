"""What a source must provide to the generic file loader."""

from __future__ import annotations

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
    # False for logs whose rows carry no cost of their own (self-hosted model requests):
    # they are conserved into the token marts, not into focus_costs.
    focus_rows: bool = True
    # (SQL condition marking a bad row of _incoming, reason): any match quarantines the file
    row_checks: tuple[tuple[str, str], ...] = ()
    # columns that identify a row within one file: duplicates quarantine the file
    unique_key: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    def matches(self, path: Path) -> bool:
        name = path.name.lower()
        return any(name.endswith(s) for s in self.suffixes)


def cast_expr(expr: str, dtype: str) -> str:
    """Lenient cast of a file value; timestamps go through timestamptz so 'Z' and offsets become UTC."""
    if dtype.lower() == "timestamp":
        return f"cast(try_cast({expr} as timestamptz) as timestamp)"
    if dtype.lower().startswith("decimal"):
        # a value with more than ten decimals is rounded to ten, never rejected
        return f"try_cast(try_cast({expr} as decimal(38, 18)) as {dtype})"
    return f"try_cast({expr} as {dtype})"


def projection_sql(columns: tuple[tuple[str, str], ...], available: dict[str, str]) -> str:
    """Select list casting each known column from the file (by its normalized name), or a typed null.

    `available` maps normalized column name -> SQL expression reading it from the file.
    """
    parts = []
    for name, dtype in columns:
        expr = available.get(name)
        parts.append(f"{cast_expr(expr, dtype)} as {name}" if expr else f"cast(null as {dtype}) as {name}")
    return ",\n    ".join(parts)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check_casts(conn: duckdb.DuckDBPyConnection, columns, available: dict[str, str], source_rel: str, params) -> None:
    """Quarantine a file whose values do not parse (a cost of '1,234' is not silently null)."""
    checks = []
    for name, dtype in columns:
        expr = available.get(name)
        if expr and dtype.lower() not in ("varchar", "json"):
            checks.append(
                f"select '{name}' as col, count(*) as n, any_value(cast({expr} as varchar)) as example "
                f"from {source_rel} where {expr} is not null and trim(cast({expr} as varchar)) <> '' "
                f"and {cast_expr(expr, dtype)} is null"
            )
    if not checks:
        return
    bad = conn.execute(" union all ".join(checks), params or None).fetchall()
    bad = [b for b in bad if b[1]]
    if bad:
        detail = "; ".join(f"{col}: {n} value(s) not a valid {dict(columns)[col]} (e.g. {ex!r})" for col, n, ex in bad)
        raise IngestError(f"unparseable values: {detail}")
