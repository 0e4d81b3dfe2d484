"""Monthly partitions (README "Partitions"): which months a build must rebuild.

A month is the month of a charge's day. Each loaded file names its months in ops.ingest_files
(`billing_periods` and `charge_months`, from its rows at ingest) and, after each build, in
ops.file_months (the months its rows landed in). A month's fingerprint is the set of loaded files
touching it (id and content hash) plus the project's fingerprint (models, macros, seeds,
options, ECB rates: `build_fingerprint`). A month whose fingerprint differs from the one
recorded after its last build (ops.month_builds) changed: a new, restated, superseded or
withdrawn file names it. A changed project rebuilds every month.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re

import dagster as dg
import duckdb

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MONTHS_TAG = "finops/months"

monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=os.environ.get("FINOPS_FIRST_MONTH", "2022-01"),
    fmt="%Y-%m",
    # the open month is a partition as soon as it starts
    end_offset=1,
)

DDL = [
    "create table if not exists ops.month_builds (month varchar primary key, fingerprint varchar, built_at timestamp)",
    "create table if not exists ops.file_months (file_id varchar, month varchar, primary key (file_id, month))",
]


def ensure_tables(conn: duckdb.DuckDBPyConnection) -> None:
    for ddl in DDL:
        conn.execute(ddl)


def _has(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(conn.execute("select count(*) from information_schema.tables where table_schema = 'ops' and table_name = ?",
                             [table]).fetchone()[0])


def parse_months(text: str) -> list[str]:
    """'2026-10', '2026-08..2026-10' or a comma list of either, as a sorted list of months."""
    months: set[str] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        start, _, end = part.partition("..")
        end = end or start
        for month in (start, end):
            if not MONTH.match(month):
                raise ValueError(f"'{month}' is not a month (YYYY-MM)")
        if end < start:
            raise ValueError(f"'{part}': the range ends before it starts")
        months.update(month_range(start, end))
    return sorted(months)


def month_range(start: str, end: str) -> list[str]:
    year, month = (int(x) for x in start.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= end:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def file_months(conn: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """file id -> the months its rows touch (as loaded, and as last built)."""
    found: dict[str, set[str]] = {}
    for file_id, periods, charges in conn.execute(
        "select file_id, billing_periods, charge_months from ops.ingest_files where status = 'loaded'"
    ).fetchall():
        found[file_id] = {m for m in f"{periods or ''},{charges or ''}".split(",") if MONTH.match(m)}
    observed = conn.execute("select file_id, month from ops.file_months").fetchall() if _has(conn, "file_months") else []
    for file_id, month in observed:
        if file_id in found:
            found[file_id].add(month)
    return found


def month_fingerprints(conn: duckdb.DuckDBPyConnection, project_fingerprint: str) -> dict[str, str]:
    """month -> fingerprint of what builds it: the loaded files touching it and the project."""
    hashes = dict(conn.execute("select file_id, content_hash from ops.ingest_files where status = 'loaded'").fetchall())
    by_month: dict[str, list[str]] = {}
    for file_id, months in file_months(conn).items():
        for month in months:
            by_month.setdefault(month, []).append(f"{file_id}:{hashes.get(file_id)}")
    return {
        month: hashlib.sha256((project_fingerprint + ";" + ";".join(sorted(files))).encode()).hexdigest()
        for month, files in by_month.items()
    }


def recorded(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    if not _has(conn, "month_builds"):
        return {}
    return dict(conn.execute("select month, fingerprint from ops.month_builds").fetchall())


def changed_months(conn: duckdb.DuckDBPyConnection, project_fingerprint: str) -> list[str]:
    """The months whose files or project changed since their last build (sorted)."""
    current, built = month_fingerprints(conn, project_fingerprint), recorded(conn)
    return sorted(m for m in current.keys() | built.keys() if current.get(m) != built.get(m))


def record_build(conn: duckdb.DuckDBPyConnection, project_fingerprint: str, months: list[str] | None) -> None:
    """After a successful build of `months` (None: every month): the months' fingerprints, and
    the months each file's rows landed in."""
    ensure_tables(conn)
    observe_file_months(conn, months)
    current = month_fingerprints(conn, project_fingerprint)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if months is None:
        conn.execute("delete from ops.month_builds")
        months = sorted(current)
    for month in months:
        if month in current:
            conn.execute("insert or replace into ops.month_builds values (?, ?, ?)", [month, current[month], now])
        else:
            # no file touches it any more: built empty
            conn.execute("delete from ops.month_builds where month = ?", [month])


def _month_filter(column: str, months: list[str] | None) -> str:
    if months is None:
        return "true"
    return f"strftime({column}, '%Y-%m') in ({', '.join(repr(m) for m in months)})"


def observe_file_months(conn: duckdb.DuckDBPyConnection, months: list[str] | None) -> None:
    """ops.file_months for the built months: the (file, month) pairs of marts.focus_costs and the
    token lines. A file whose rows land in a month its ingest did not name (a mapping that moves
    a charge day) makes that month's fingerprint change, so the next run rebuilds it."""
    exists = {name for (name,) in conn.execute(
        "select table_name from information_schema.tables where table_schema in ('marts', 'intermediate')").fetchall()}
    parts = []
    if "focus_costs" in exists:
        parts.append(f"select distinct x_file_id, strftime(ChargePeriodStart, '%Y-%m') from marts.focus_costs "
                     f"where {_month_filter('ChargePeriodStart', months)}")
    if "int_llm_token_lines_attributed" in exists:
        parts.append(f"select distinct file_id, strftime(usage_start_at, '%Y-%m') from intermediate.int_llm_token_lines_attributed "
                     f"where {_month_filter('usage_start_at', months)}")
    if months is None:
        conn.execute("delete from ops.file_months")
    else:
        conn.execute(f"delete from ops.file_months where month in ({', '.join(repr(m) for m in months)})")
    for sql in parts:
        conn.execute(f"insert or ignore into ops.file_months {sql}")


def project_unchanged(conn: duckdb.DuckDBPyConnection, fingerprint: str) -> bool:
    """The last build was of this project (models, options, rates) and its marts are there."""
    row = conn.execute("select value from ops.pipeline_state where key = 'dbt_build_fingerprint'").fetchone()
    built = conn.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = 'focus_costs'"
    ).fetchone()[0]
    return bool(row and row[0] == fingerprint and built and os.environ.get("FINOPS_FORCE_BUILD") != "1")


def plan(conn: duckdb.DuckDBPyConnection, fingerprint: str, stale: bool, requested: list[str] | None
         ) -> tuple[str, list[str] | None]:
    """('full', None) | ('months', months) | ('skip', []): what a build does. A changed project,
    missing marts or model files, or FINOPS_FORCE_BUILD=1 build every month; else the requested
    months or, without any, the months whose files changed."""
    if stale or not project_unchanged(conn, fingerprint) or os.environ.get("FINOPS_DBT_TARGET", "duckdb") != "duckdb":
        # on Spark the row-level models are tables, rebuilt whole (macros/build_months.sql)
        return "full", None
    if requested is not None:
        return "months", requested
    months = changed_months(conn, fingerprint)
    return ("months", months) if months else ("skip", [])


def data_months(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Every month a loaded file or a past build names."""
    months = {m for ms in file_months(conn).values() for m in ms} | set(recorded(conn))
    return sorted(months)


DEFAULT_CHUNK_ROWS = 6_000_000


def chunk_rows() -> int:
    """FINOPS_BUILD_CHUNK_ROWS: the most loaded rows one dbt invocation builds (0: no limit)."""
    text = os.environ.get("FINOPS_BUILD_CHUNK_ROWS", "").replace("_", "").strip()
    if not text:
        return DEFAULT_CHUNK_ROWS
    if not text.isdigit():
        raise ValueError(f"FINOPS_BUILD_CHUNK_ROWS={text!r} is not a whole number of rows (0 for no limit)")
    return int(text)


def month_rows(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """month -> the loaded rows that fall in it, estimated: a file's rows shared evenly by its months."""
    rows = dict(conn.execute("select file_id, coalesce(rows, 0) from ops.ingest_files where status = 'loaded'").fetchall())
    found: dict[str, int] = {}
    for file_id, months in file_months(conn).items():
        for month in months:
            found[month] = found.get(month, 0) + rows.get(file_id, 0) // len(months)
    return found


def build_chunks(conn: duckdb.DuckDBPyConnection, months: list[str] | None, max_rows: int
                 ) -> list[tuple[list[str] | None, bool]]:
    """The dbt invocations of a build, as (build_months or None for all, full refresh): one,
    unless the build's months hold more than `max_rows` loaded rows (FINOPS_BUILD_CHUNK_ROWS).
    Then consecutive months go together up to that many rows, so that one invocation's
    windows and joins stay within DuckDB's memory limit (36 months of 1M CUR rows in one build
    spilled past the free disk); a full build refreshes in the first chunk and appends the others."""
    full = months is None
    span = data_months(conn) if full else list(months)
    per_month = month_rows(conn)
    if max_rows <= 0 or len(span) < 2 or sum(per_month.get(m, 0) for m in span) <= max_rows:
        return [(months, full)]
    chunks: list[list[str]] = []
    size = 0
    for month in span:
        if chunks and size + per_month.get(month, 0) <= max_rows:
            chunks[-1].append(month)
            size += per_month.get(month, 0)
        else:
            chunks.append([month])
            size = per_month.get(month, 0)
    return [(chunk, full and i == 0) for i, chunk in enumerate(chunks)]


def current_month() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m")


def run_tags(conn: duckdb.DuckDBPyConnection, kind: str, months: list[str] | None) -> dict[str, str]:
    """Tags of the build run for a plan: its partition range (Dagster's single-run range tags)
    and the exact months in `finops/months` ('all' for a full build, 'none' for a run that only
    checks). The range spans the months; months inside it that did not change are not rebuilt."""
    first = monthly_partitions.get_first_partition_key() or current_month()
    last = monthly_partitions.get_last_partition_key() or current_month()
    if kind == "full":
        span, tag = data_months(conn) or [current_month()], "all"
    elif kind == "months":
        span, tag = months, ",".join(months)
    else:
        span, tag = [max(recorded(conn) or [current_month()])], "none"
    # partition keys exist from FINOPS_FIRST_MONTH to the open month: clamp the range to them
    start, end = min(max(span[0], first), last), max(min(span[-1], last), first)
    return {"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end, MONTHS_TAG: tag}


def months_from_tag(tag: str) -> tuple[str, list[str] | None] | None:
    """The plan a `finops/months` tag fixes: ('full', None), ('skip', []), ('months', [...]); None
    for no tag."""
    if not tag:
        return None
    if tag == "all":
        return "full", None
    if tag == "none":
        return "skip", []
    return "months", parse_months(tag)
