"""Token lines: the staging helpers every LLM usage loader shares (OpenAI, Anthropic, LiteLLM,
self-hosted; the OpenAI and Anthropic cost loaders use the JSON page helpers).

A usage record becomes one raw row per token type with tokens (`build_lines`), so that every
raw row is exactly one FOCUS charge; the record's requests travel on its first line. Pages of
the admin APIs are read whole into `_results` (`stage_json_pages`), typed into `_records`
(`build_records`, a value that does not parse quarantines the file), then split into lines.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.ingest.base import IngestError, cast_checks, duckdb_path, projection_sql, raise_cast_failures

# Token line columns every LLM usage source ends with (same names, same meaning).
LINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("record_index", "bigint"),
    ("token_type", "varchar"),
    ("tokens", "bigint"),
    ("requests", "bigint"),
)


def first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def account_from_path(path: Path, source: str) -> str | None:
    """The first folder below the source folder (`openai_usage/<account>/...`), if any."""
    parts = Path(path).parts
    for i, part in enumerate(parts[:-1]):
        if part == source and i + 1 < len(parts) - 1:
            return parts[i + 1]
    return None


def sql_literal(value: str | None) -> str:
    return "null" if value is None else "'" + value.replace("'", "''") + "'"


def stage_json_pages(conn: duckdb.DuckDBPyConnection, path: Path, label: str) -> None:
    """Read every page of a file into temp table `_results` (page, bucket, result as JSON, in file order)."""
    try:
        conn.execute(
            """
            create or replace temp table _pages as
            select row_number() over () as page_index, json as page
            -- a page of many grouped results can pass DuckDB's 16 MB default object size
            from read_json_objects($1, format = 'auto', compression = 'auto', maximum_object_size = 1073741824)
            """,
            [duckdb_path(path)],
        )
    except duckdb.Error as exc:
        raise IngestError(f"cannot read JSON file: {first_line(exc)}") from exc
    not_pages = conn.execute(
        "select count(*) from _pages where coalesce(json_type(page, '$.data'), '') <> 'ARRAY'"
    ).fetchone()[0]
    if not_pages:
        raise IngestError(f"not a page of the {label}: {not_pages} JSON value(s) have no data[] array of buckets")
    try:
        conn.execute(
            """
            create or replace temp table _results as
            with buckets as (
                select page_index, unnest(list_transform(cast(page->'data' as json[]), lambda b, i: {'i': i, 'b': b})) as x
                from _pages
            ),
            results as (
                select
                    page_index,
                    x.i as bucket_index,
                    x.b as bucket,
                    unnest(list_transform(coalesce(cast(x.b->'results' as json[]), []), lambda r, i: {'i': i, 'r': r})) as y
                from buckets
            )
            select
                row_number() over (order by page_index, bucket_index, y.i) as record_index,
                bucket,
                y.r as result
            from results
            """
        )
    except duckdb.Error as exc:
        raise IngestError(f"cannot read the buckets of the {label}: {first_line(exc)}") from exc
    finally:
        conn.execute("drop table if exists _pages")


def require_fields(conn, rel: str, fields: tuple[str, ...], json_col: str, where: str = "true") -> None:
    """Quarantine when a record lacks a required field (absent or null)."""
    checks = " union all ".join(
        f"select '{f}' as field, count(*) as n from {rel} where ({where}) and ({json_col}->>'{f}') is null" for f in fields
    )
    missing = [(f, n) for f, n in conn.execute(checks).fetchall() if n]
    if missing:
        detail = ", ".join(f"{f} ({n} record(s))" for f, n in missing)
        raise IngestError(f"missing required field(s): {detail}")


def build_records(conn, record_columns, available: dict[str, str], rel: str) -> None:
    """Typed records into `_records`; a value that does not parse quarantines the file. The
    cast checks ride along in the same pass (`_bad_<n>`: the value that failed, else null)."""
    checks = cast_checks(record_columns, available)
    flags = "".join(f", case when {bad} then cast({expr} as varchar) end as _bad_{i}" for i, (_, bad, expr) in enumerate(checks))
    conn.execute(
        f"create or replace temp table _records as select record_index, {projection_sql(record_columns, available)}{flags} from {rel}"
    )
    if checks:
        counts = ", ".join(f"count(_bad_{i}), any_value(_bad_{i})" for i in range(len(checks)))
        raise_cast_failures(record_columns, checks, conn.execute(f"select {counts} from _records").fetchone())


def build_lines(conn, token_lines, columns, requests_expr: str, other_lines_requests: str = "0",
                extra_first_line: dict[str, str] | None = None) -> None:
    """`_incoming` with exactly `columns`: one row per record and token type with tokens (the
    record's first line is always kept, so that a record with no tokens still carries its
    requests). `requests_expr` and the `extra_first_line` expressions go on the first line only;
    the other lines get `other_lines_requests` (0, or null where the source has no counts)."""
    negative = " or ".join(f"({expr}) < 0" for _, expr in token_lines)
    bad = conn.execute(f"select count(*), min(record_index) from _records where {negative}").fetchone()
    if bad[0]:
        raise IngestError(f"{bad[0]} record(s) have negative token counts (e.g. cached tokens above input tokens), first record {bad[1]}")
    nulls = " or ".join(f"({expr}) is null" for _, expr in token_lines)
    missing = conn.execute(f"select count(*) from _records where {nulls}").fetchone()[0]
    if missing:
        raise IngestError(f"{missing} record(s) lack a token count")
    # one filtered pass over _records per token type: a line is kept when it has tokens (or is
    # the first of a record with none) and is the record's first line when no earlier type
    # has tokens; no self-join, window or sort
    extra = extra_first_line or {}
    total = " + ".join(f"cast({expr} as bigint)" for _, expr in token_lines)
    branches = []
    for i, (token_type, expr) in enumerate(token_lines, 1):
        earlier = [f"cast({e} as bigint) = 0" for _, e in token_lines[:i - 1]]
        first = " and ".join(earlier) or "true"
        select = []
        for name, _ in columns:
            if name == "record_index":
                select.append("record_index")
            elif name == "token_type":
                select.append(f"'{token_type}' as token_type")
            elif name == "tokens":
                select.append(f"cast({expr} as bigint) as tokens")
            elif name == "requests":
                select.append(f"case when {first} then {requests_expr} else {other_lines_requests} end as requests")
            elif name in extra:
                select.append(f"case when {first} then {extra[name]} end as {name}")
            else:
                select.append(f"_records.{name}")
        kept = f"cast({expr} as bigint) > 0" + (f" or ({total}) = 0" if i == 1 else "")
        branches.append(f"select {', '.join(select)} from _records where {kept}")
    # a view: the registry's insert into the raw table is the one pass that writes the lines
    conn.execute("create or replace temp view _incoming as\n" + "\nunion all\n".join(branches))


def set_account(conn, column: str, path: Path, source: str) -> None:
    """Fill the account column of `_records` from the file's folder (a parameter, never SQL text)."""
    conn.execute(f"update _records set {column} = ?", [account_from_path(path, source)])


def drop_temp(conn, *names: str) -> None:
    for name in names:
        conn.execute(f"drop table if exists {name}")


def json_keys_seen(conn, rel: str, json_col: str) -> list[str]:
    return [r[0] for r in conn.execute(f"select distinct unnest(json_keys({json_col})) as k from {rel} order by k").fetchall()]
