"""Files behind the parquet_file models (dbt_project/macros/materializations/parquet_file.sql).

Each build writes a new file and points the model's view at it. After a successful build the
files no view refers to are deleted, except those the views referred to before it: a copy of
the warehouse published after the previous run (docs/bi.md) still reads them until the next
copy replaces it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.warehouse import database_folder


def folder(conn: duckdb.DuckDBPyConnection) -> Path | None:
    base = database_folder(conn)
    return base / "model_files" if base else None


def referenced(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the files in model_files/ that a view of this warehouse reads."""
    root = folder(conn)
    if root is None or not root.is_dir():
        return set()
    views = "\n".join(sql or "" for (sql,) in conn.execute("select sql from duckdb_views() where not internal").fetchall())
    return {p.name for p in root.iterdir() if p.is_file() and p.name in views}


def prune(conn: duckdb.DuckDBPyConnection, keep: set[str] = frozenset()) -> list[Path]:
    """Delete the files in model_files/ that no view reads and `keep` does not name."""
    root = folder(conn)
    if root is None or not root.is_dir():
        return []
    wanted = referenced(conn) | set(keep)
    removed = []
    for path in sorted(root.iterdir()):
        if path.is_file() and path.name not in wanted:
            path.unlink()
            removed.append(path)
    return removed
