"""The file work of a publish (publish.py): the files the warehouse's views read, linking them
into the published folder, rewriting the copy's views to read those links, checking the copy
reads on its own, and pruning the files no copy reads any more."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import duckdb

from dagster_project import model_files

_CREATE_VIEW_RE = re.compile(r"^\s*create\s+view\b", re.IGNORECASE)


class PublishError(Exception):
    """Publishing was refused or failed; the previous published copy is untouched. One line."""


def sql_text(text: str) -> str:
    return text.replace("'", "''")


def file_folders(conn: duckdb.DuckDBPyConnection) -> list[Path]:
    """The folders whose files the warehouse's views read by absolute path."""
    from dagster_project.ingest import raw_files

    folders = [model_files.folder(conn)]
    try:
        folders.append(raw_files.store_dir(conn))
    except RuntimeError:
        pass
    return [f.resolve() for f in folders if f is not None]


def views(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return conn.execute(
        "select schema_name, view_name, sql from duckdb_views() "
        "where not internal and not temporary and database_name = current_database() order by 1, 2"
    ).fetchall()


def referenced(views_sql: str, folders: list[Path]) -> list[tuple[Path, Path]]:
    """(folder, file) for every file under `folders` that a view names as a quoted path or
    reads with its month folder."""
    found = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            # a file by its path, or a partitioned model's month folder as `<folder>/*.parquet`
            if path.is_file() and (f"'{sql_text(str(path))}'" in views_sql
                                   or f"'{sql_text(str(path.parent))}/*.parquet'" in views_sql):
                found.append((folder, path))
    return found


def link(source: Path, dest: Path) -> str:
    """Put `source` at `dest`: 'present' (already the same file), 'linked' or 'copied'."""
    if dest.exists():
        if os.path.samefile(source, dest):
            return "present"
        # a copy made earlier across filesystems: the names are unique per content
        if dest.stat().st_size == source.stat().st_size and dest.stat().st_mtime >= source.stat().st_mtime:
            return "present"
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        os.link(source, partial)
        how = "linked"
    except OSError:
        shutil.copyfile(source, partial)
        how = "copied"
    os.replace(partial, dest)
    return how


def rewrite_views(conn: duckdb.DuckDBPyConnection, mapping: dict[str, str]) -> int:
    rewritten = 0
    for _schema, _name, sql in views(conn):
        new = sql
        for old, repl in mapping.items():
            new = new.replace(old, repl)
        if new != sql:
            conn.execute(_CREATE_VIEW_RE.sub("create or replace view", new, count=1))
            rewritten += 1
    return rewritten


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def verify(path: Path, old_prefixes: list[str]) -> None:
    """The copy opens read-only on its own and every view binds (each file it names exists)."""
    conn = duckdb.connect(str(path), read_only=True)
    try:
        for schema, name, sql in views(conn):
            stray = next((p for p in old_prefixes if p in sql), None)
            if stray:
                raise PublishError(f"view {schema}.{name} of the copy still reads the working folder {stray[1:]}")
            try:
                conn.execute(f'select * from "{schema}"."{name}" limit 0').fetchall()
            except duckdb.Error as exc:
                raise PublishError(f"view {schema}.{name} of the copy does not read: {str(exc).splitlines()[0]}") from None
    finally:
        conn.close()


def prune(target_dir: Path, folder_names: list[str], keep: set[str]) -> int:
    """Delete the published files that neither this copy nor the previous one reads."""
    removed = 0
    for name in folder_names:
        root = target_dir / name
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*"), reverse=True):
            if path.is_file() and str(path.relative_to(target_dir)) not in keep:
                path.unlink()
                removed += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return removed

