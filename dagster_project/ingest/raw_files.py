"""Raw tables that are views over files (sources with `file_projection`: the loaded files
themselves; `store_staged` sources: the rows staged from each file, written as parquet).

A loaded file is copied into the raw store (`<warehouse folder>/<warehouse name>.raw_files/
<source>/<file_id><suffix>`, or FINOPS_RAW_FILES_DIR), so a later change in the landing folder
cannot alter rows the registry has accepted; `raw.<table>` is then a view with one branch per layout of
the loaded files: their checked projection, each row's `_file_id` and `_source_file`. The view
is recreated once per ingest batch (and at the start of each), so it lists exactly the loaded
files; a copy no registry row points at (a run killed mid-file) is deleted by the next run.
A loaded file whose copy is missing or damaged is found before the view is rebuilt
(`lost_copies`): recovered from the folder all warehouses of a folder used to share
(`<warehouse folder>/raw_files/`), else the registry copies it again from the landing folder.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.ingest.base import SourceSpec, duckdb_path, reader_sql, sql_literal
from dagster_project.warehouse import legacy_files_dir, stored_files_dir

DDL = """
create table if not exists ops.raw_files (
    file_id varchar primary key,
    source varchar not null,
    stored_name varchar not null,
    select_list varchar not null
)
"""


def store_dir(conn: duckdb.DuckDBPyConnection) -> Path:
    configured = os.environ.get("FINOPS_RAW_FILES_DIR")
    if configured:
        return Path(configured).resolve()
    own = stored_files_dir(conn, "raw_files")
    if own is None:
        raise RuntimeError("an in-memory warehouse has no raw store: set FINOPS_RAW_FILES_DIR")
    return own


def legacy_store_dir(conn: duckdb.DuckDBPyConnection) -> Path | None:
    """The raw store every warehouse of the folder shared before each had its own (None with
    FINOPS_RAW_FILES_DIR, which was always the warehouse's own)."""
    if os.environ.get("FINOPS_RAW_FILES_DIR"):
        return None
    return legacy_files_dir(conn, "raw_files")


def stored_path(conn, spec: SourceSpec, file_id: str, original: Path) -> Path:
    suffix = next(s for s in sorted(spec.suffixes, key=len, reverse=True) if original.name.lower().endswith(s))
    return store_dir(conn) / spec.name / f"{file_id}{suffix}"


def store_copy(original: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(original, partial)
    os.replace(partial, target)


def store_rows(conn, spec: SourceSpec, relation: str, target: Path) -> str:
    """Write the staged rows of a `store_staged` source as a parquet file of the store; return
    the select list that reads them back (the raw columns, by name)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    select_list = ", ".join(name for name, _ in spec.columns)
    conn.execute(f"copy (select {select_list} from {relation}) to {sql_literal(str(partial))} (format parquet)")
    os.replace(partial, target)
    return select_list


def remember(conn, spec: SourceSpec, file_id: str, stored: Path, select_list: str) -> None:
    conn.execute("insert or replace into ops.raw_files values (?, ?, ?, ?)", [file_id, spec.name, stored.name, select_list])


def forget(conn, file_id: str) -> None:
    conn.execute("delete from ops.raw_files where file_id = ?", [file_id])


def _typed_nulls(spec: SourceSpec) -> str:
    cols = [f"cast(null as {dtype}) as {name}" for name, dtype in spec.columns]
    return ", ".join(cols + ["cast(null as varchar) as _file_id", "cast(null as varchar) as _source_file"])


def _many_reader_sql(paths: list[Path]) -> str:
    """One DuckDB reader over several stored files of one kind, with each row's file name."""
    listed = "[" + ", ".join(sql_literal(duckdb_path(p)) for p in paths) + "]"
    if paths[0].name.lower().endswith(".parquet"):
        return f"read_parquet({listed}, union_by_name = true, filename = '_raw_store_file')"
    return (f"read_csv({listed}, header = true, all_varchar = true, compression = 'auto', "
            f"union_by_name = true, filename = '_raw_store_file')")


def loaded_copies(conn, spec: SourceSpec, order_by: str) -> list[tuple[str, str, str, str, str]]:
    """(file_id, landing path, content hash, stored name, select list) of every loaded file's copy."""
    return conn.execute(
        f"""
        select r.file_id, f.path, f.content_hash, r.stored_name, r.select_list
        from ops.raw_files as r
        inner join ops.ingest_files as f on f.file_id = r.file_id and f.status = 'loaded'
        where r.source = ?
        order by {order_by}
        """,
        [spec.name],
    ).fetchall()


def refresh_view(conn, spec: SourceSpec) -> None:
    """raw.<table> as the union of the loaded files (typed and empty when there are none).

    Files with the same projection (one export's files share a layout) are read by one reader
    over the list of their copies, so the view has one branch per layout, not per file:
    with 2,000 files of a month the definition stays small and dbt scans them as one."""
    store = store_dir(conn) / spec.name
    groups: dict[tuple[str, bool], list[tuple[str, str, str]]] = {}
    for file_id, path, _hash, stored_name, select_list in loaded_copies(conn, spec, "f.loaded_at, r.file_id"):
        groups.setdefault((select_list, stored_name.lower().endswith(".parquet")), []).append((file_id, path, stored_name))
    branches = []
    for (select_list, _parquet), members in groups.items():
        if len(members) == 1:
            file_id, path, stored_name = members[0]
            branches.append(f"select {select_list}, {sql_literal(file_id)} as _file_id, {sql_literal(path)} as _source_file "
                            f"from {reader_sql(store / stored_name)}")
            continue
        # the reader's file name (the real path, unescaped) -> the registry's file id and landing path
        lineage = ", ".join(
            f"({sql_literal(str(store / stored_name))}, {sql_literal(file_id)}, {sql_literal(path)})"
            for file_id, path, stored_name in members
        )
        branches.append(
            f"select {select_list}, _raw_lineage._file_id, _raw_lineage._source_file\n"
            f"from {_many_reader_sql([store / m[2] for m in members])} as _raw_rows\n"
            f"inner join (values {lineage}) as _raw_lineage(_raw_store_file, _file_id, _source_file)\n"
            f"    on _raw_lineage._raw_store_file = _raw_rows._raw_store_file"
        )
    # by name: a file loaded before a column was added to the projection (the split cost
    # allocation columns) keeps its stored projection and reads null for the new column
    body = "\nunion all by name\n".join(branches) if branches else f"select {_typed_nulls(spec)} where false"
    conn.execute(f"create or replace view raw.{spec.raw_table} as\n{body}")


def prepare(conn, spec: SourceSpec) -> None:
    """Before a run's files: the registry table and an older warehouse's raw table moved into
    the store. Then the caller heals `lost_copies`, `prune`s and `refresh_view`s."""
    conn.execute(DDL)
    kind = conn.execute(
        "select table_type from information_schema.tables where table_schema = 'raw' and table_name = ?", [spec.raw_table]
    ).fetchone()
    if kind and kind[0] == "BASE TABLE":
        _migrate_table(conn, spec)


@dataclass(frozen=True)
class LostCopy:
    """A loaded file whose stored copy cannot be read: `problem` says why."""

    file_id: str
    path: str  # relative to the landing folder
    content_hash: str | None
    stored: Path
    problem: str


def _copy_problem(stored: Path) -> str | None:
    """Why a stored copy cannot stand for its file (None: it can). Cheap checks only: the copy
    exists and a parquet file ends in its magic. (Not the landing file's size: a warehouse from
    before the store wrote its copies from the raw table's rows.)"""
    try:
        size = stored.stat().st_size
    except OSError:
        return "missing"
    if stored.name.lower().endswith(".parquet"):
        try:
            with open(stored, "rb") as fh:
                fh.seek(max(size - 4, 0))
                if fh.read(4) != b"PAR1":
                    return "damaged (not a complete parquet file)"
        except OSError as exc:
            return f"unreadable ({exc.strerror or exc})"
    return None


def lost_copies(conn, spec: SourceSpec) -> tuple[list[LostCopy], int]:
    """The loaded files whose stored copy is missing or damaged, after taking back what the
    legacy shared folder still holds (copied, not moved: another warehouse may read it).
    Returns those still lost and how many were recovered from the legacy folder."""
    store, legacy = store_dir(conn) / spec.name, legacy_store_dir(conn)
    lost, recovered = [], 0
    for file_id, path, content_hash, stored_name, _select in loaded_copies(conn, spec, "f.path, r.file_id"):
        stored = store / stored_name
        problem = _copy_problem(stored)
        if problem is None:
            continue
        old = legacy / spec.name / stored_name if legacy else None
        if old is not None and old != stored and _copy_problem(old) is None:
            store_copy(old, stored)
            recovered += 1
            continue
        lost.append(LostCopy(file_id, path, content_hash, stored, problem))
    return lost, recovered


def prune(conn, spec: SourceSpec) -> None:
    """Delete the copies of files that are not (or no longer) loaded."""
    store = store_dir(conn) / spec.name
    if not store.is_dir():
        return
    kept = {r[0] for r in conn.execute(
        """select r.stored_name from ops.raw_files as r
           inner join ops.ingest_files as f on f.file_id = r.file_id and f.status = 'loaded'
           where r.source = ?""", [spec.name]).fetchall()}
    for p in store.iterdir():
        if p.name not in kept:
            p.unlink()


def _migrate_table(conn, spec: SourceSpec) -> None:
    """A warehouse built when raw rows were copied into a table: each file's rows become a
    parquet file of the store, read back as they are."""
    store = store_dir(conn) / spec.name
    store.mkdir(parents=True, exist_ok=True)
    cols = ", ".join(name for name, _ in spec.columns)
    conn.execute("begin transaction")
    try:
        for (file_id,) in conn.execute(f"select distinct _file_id from raw.{spec.raw_table}").fetchall():
            target = store / f"{file_id}.parquet"
            conn.execute(
                f"copy (select {cols} from raw.{spec.raw_table} where _file_id = {sql_literal(file_id)}) "
                f"to {sql_literal(str(target))} (format parquet, compression zstd)"
            )
            conn.execute("insert or replace into ops.raw_files values (?, ?, ?, ?)", [file_id, spec.name, target.name, cols])
        conn.execute(f"drop table raw.{spec.raw_table}")
        refresh_view(conn, spec)
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise
