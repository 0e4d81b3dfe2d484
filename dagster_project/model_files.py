"""Files behind the parquet_file models (dbt_project/macros/materializations/parquet_file.sql).

Each build writes a new file and points the model's view at it; once the build is over, a
file no view refers to (a previous build's, or one a failed build left) is deleted here.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def folder(conn: duckdb.DuckDBPyConnection) -> Path | None:
    db_path = conn.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()[0]
    return Path(db_path).resolve().parent / "model_files" if db_path else None


def prune(conn: duckdb.DuckDBPyConnection) -> list[Path]:
    """Delete the files in model_files/ that no view in the warehouse reads; return them."""
    root = folder(conn)
    if root is None or not root.is_dir():
        return []
    views = "\n".join(sql or "" for (sql,) in conn.execute("select sql from duckdb_views() where not internal").fetchall())
    removed = []
    for path in sorted(root.iterdir()):
        if path.is_file() and path.name not in views:
            path.unlink()
            removed.append(path)
    return removed
