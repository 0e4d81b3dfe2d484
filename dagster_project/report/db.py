"""The report's access to the warehouse: rows as dicts, which tables and columns exist, the
currencies' minor units."""

from __future__ import annotations

import duckdb


def fetch(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = conn.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def has_table(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()[0])


def columns(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, str]:
    return dict(conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position", [schema, table]
    ).fetchall())


def minor_units(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    if not has_table(conn, "reference", "currencies"):
        return {}
    return {c: int(m) for c, m in conn.execute("select currency, minor_unit from reference.currencies").fetchall()}
