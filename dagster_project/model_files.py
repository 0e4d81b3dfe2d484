"""Files behind the parquet_file models (dbt_project/macros/materializations/parquet_file.sql).

Each build writes a new file into `<warehouse folder>/<warehouse name>.model_files/` and points
the model's view at it. After a successful build the files no view refers to are deleted,
except those the views referred to before it: a copy of the warehouse published after the
previous run (docs/bi.md) still reads them until the next copy replaces it. Only this
warehouse's own folder is ever pruned.

A model partitioned by month (`partition_months`, README "Partitions") writes a folder per build,
`<schema>.<model>.<build id>/partition_month=YYYY-MM/`, and its view reads a list of month
folders, `'<folder>/*.parquet'` each, possibly of several builds: a build of some months keeps
the other months' folders of earlier builds.

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
import shutil
from pathlib import Path

import duckdb

from dagster_project.warehouse import stored_files_dir

# the materialization's view: `select * from read_parquet('<path>')`, or of a list of paths
# (which DuckDB keeps as `list_value('<path>', ...)` in the view's SQL)
_READ = re.compile(r"read_parquet\s*\(", re.IGNORECASE)
_LITERAL = re.compile(r"'((?:[^']|'')*)'")
# a month folder of a partitioned model, read as `<folder>/*.parquet`
_MONTH_GLOB = "/*.parquet"


def folder(conn: duckdb.DuckDBPyConnection) -> Path | None:
    return stored_files_dir(conn, "model_files")


def read_paths(sql: str) -> list[str]:
    """The paths (files or `<month folder>/*.parquet` globs) the read_parquet calls of a view's SQL name."""
    sql = sql or ""
    found = []
    for match in _READ.finditer(sql):
        # the call's argument text: up to its closing parenthesis, quotes respected
        depth, quoted, i = 1, False, match.end()
        while i < len(sql) and depth:
            ch = sql[i]
            if ch == "'":
                quoted = not quoted
            elif not quoted:
                depth += {"(": 1, ")": -1}.get(ch, 0)
            i += 1
        found += [lit.replace("''", "'") for lit in _LITERAL.findall(sql[match.end():i - 1])]
    return found


def files_of(path: str) -> list[Path]:
    """The files a read path names: itself, or the parquet files of a month folder."""
    if path.endswith(_MONTH_GLOB):
        root = Path(path[: -len(_MONTH_GLOB)])
        return sorted(root.glob("*.parquet")) if root.is_dir() else []
    return [Path(path)]


def view_files(conn: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """`<schema>.<view>` -> the read paths of each parquet_file model's view (its file is named
    `<schema>.<model>.<build id>.parquet`, its month folders are under `<schema>.<model>.<build id>/`)."""
    found = {}
    for schema, name, sql in conn.execute(
        "select schema_name, view_name, sql from duckdb_views() where not internal and database_name = current_database()"
    ).fetchall():
        prefix = f"{schema}.{name}."
        paths = [p for p in read_paths(sql)
                 if (Path(p).name.startswith(prefix) and p.endswith(".parquet") and not p.endswith(_MONTH_GLOB))
                 or (p.endswith(_MONTH_GLOB) and Path(p).parent.parent.name.startswith(prefix))]
        if paths:
            found[f"{schema}.{name}"] = paths
    return found


def _top(path: str) -> Path:
    """The entry of the model files folder a read path is in: the file, or the build's folder."""
    return Path(path).parent.parent if path.endswith(_MONTH_GLOB) else Path(path)


def state(conn: duckdb.DuckDBPyConnection) -> str:
    """Digest of the model files the views read (path, size, mtime): recorded after a build,
    compared before the next one, so a file replaced or touched since is noticed."""
    h = hashlib.sha256()
    for view, paths in sorted(view_files(conn).items()):
        for read in paths:
            files = files_of(read)
            if not files:
                h.update(f"{view}={read}:missing;".encode())
            for path in files:
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
    for view, paths in sorted(view_files(conn).items()):
        for read in paths:
            top = _top(read)
            if own is not None and top.parent.resolve() != own:
                found.append(f"{view} reads {read}, outside this warehouse's {own} (a copied or moved warehouse)")
                break
            files = files_of(read)
            if not files or not all(p.is_file() for p in files):
                found.append(f"{view} reads {read}, which is missing")
                break
            try:
                for path in files:
                    conn.execute("select count(*) from parquet_metadata(?)", [str(path)]).fetchone()
            except duckdb.Error as exc:
                found.append(f"{view} reads {read}, which is unreadable: {str(exc).splitlines()[0]}")
                break
    return found


def referenced(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the entries (files, or a partitioned build's folders) of this warehouse's model
    files folder that a view reads."""
    root = folder(conn)
    if root is None or not root.is_dir():
        return set()
    names = set()
    for (sql,) in conn.execute("select sql from duckdb_views() where not internal").fetchall():
        for read in read_paths(sql):
            top = _top(read)
            if top.parent.resolve() == root.resolve():
                names.add(top.name)
    return {p.name for p in root.iterdir() if p.name in names}


def prune(conn: duckdb.DuckDBPyConnection, keep: set[str] = frozenset()) -> list[Path]:
    """Delete the files (and partitioned builds' folders) in this warehouse's model files
    folder that no view reads and `keep` does not name."""
    root = folder(conn)
    if root is None or not root.is_dir():
        return []
    wanted = referenced(conn) | set(keep)
    removed = []
    for path in sorted(root.iterdir()):
        if path.name in wanted:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
        removed.append(path)
    return removed
