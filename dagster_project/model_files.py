"""Files behind the parquet_file models (dbt_project/macros/materializations/parquet_file.sql).

Each build writes a new file into `<warehouse folder>/<warehouse name>.model_files/` and points
the model's view at it. After a successful build the files no view refers to are deleted,
except those the views referred to before it: a copy of the warehouse published after the
previous run (docs/bi.md) still reads them until the next copy replaces it. Only this
warehouse's own folder is ever pruned.

The views read their file by its absolute path: DuckDB resolves a relative path against the
process's working directory (or `file_search_path`), not the database file, so a relative
path would break every reader that did not set it (BI tools, the duckdb CLI). Instead
`problems` finds a view reading a file that is missing, damaged, changed since the build or
outside this warehouse's folder (a copied or moved warehouse, or one from before the
per-warehouse folders), and the dbt asset rebuilds.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb

from dagster_project.warehouse import stored_files_dir

# the materialization's view: `select * from read_parquet('<path>')`
_READ = re.compile(r"read_parquet\('((?:[^']|'')*)'\)", re.IGNORECASE)


def folder(conn: duckdb.DuckDBPyConnection) -> Path | None:
    return stored_files_dir(conn, "model_files")


def view_files(conn: duckdb.DuckDBPyConnection) -> dict[str, Path]:
    """`<schema>.<view>` -> the model file it reads, for each parquet_file model's view (its
    file is named `<schema>.<model>.<build id>.parquet`)."""
    found = {}
    for schema, name, sql in conn.execute(
        "select schema_name, view_name, sql from duckdb_views() where not internal and database_name = current_database()"
    ).fetchall():
        for literal in _READ.findall(sql or ""):
            path = Path(literal.replace("''", "'"))
            if path.name.startswith(f"{schema}.{name}.") and path.name.endswith(".parquet"):
                found[f"{schema}.{name}"] = path
    return found


def state(conn: duckdb.DuckDBPyConnection) -> str:
    """Digest of the model files the views read (path, size, mtime): recorded after a build,
    compared before the next one, so a file replaced or touched since is noticed."""
    h = hashlib.sha256()
    for view, path in sorted(view_files(conn).items()):
        try:
            st = path.stat()
            h.update(f"{view}={path}:{st.st_size}:{st.st_mtime_ns};".encode())
        except OSError:
            h.update(f"{view}={path}:missing;".encode())
    return h.hexdigest()


def problems(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Why the parquet_file models' views cannot be trusted as built, one line per view
    (empty: every file is this warehouse's, present, and has a readable parquet footer)."""
    own = folder(conn)
    found = []
    for view, path in sorted(view_files(conn).items()):
        if own is not None and path.parent.resolve() != own:
            found.append(f"{view} reads {path}, outside this warehouse's {own} (a copied or moved warehouse)")
        elif not path.is_file():
            found.append(f"{view} reads {path}, which is missing")
        else:
            try:
                conn.execute("select count(*) from parquet_metadata(?)", [str(path)]).fetchone()
            except duckdb.Error as exc:
                found.append(f"{view} reads {path}, which is unreadable: {str(exc).splitlines()[0]}")
    return found


def referenced(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the files in this warehouse's model files folder that a view reads."""
    root = folder(conn)
    if root is None or not root.is_dir():
        return set()
    views = "\n".join(sql or "" for (sql,) in conn.execute("select sql from duckdb_views() where not internal").fetchall())
    return {p.name for p in root.iterdir() if p.is_file() and p.name in views}


def prune(conn: duckdb.DuckDBPyConnection, keep: set[str] = frozenset()) -> list[Path]:
    """Delete the files in this warehouse's model files folder that no view reads and `keep`
    does not name."""
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
