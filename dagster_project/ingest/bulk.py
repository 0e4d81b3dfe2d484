"""New parquet files of one layout loaded together (a file-copy store's bulk path).

A large account's month arrives as hundreds to thousands of parquet files of one layout: new
ones are checked together (one scan for the casts, one for every file's totals, one
transaction for their registry rows); any file that would not load cleanly that way (a problem,
a restatement, another delivery of its export) takes the one-file path, which gives its reason.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from dagster_project.ingest import fx, raw_files
from dagster_project.ingest.base import BULK_FILE_COLUMN, IngestError, SourceSpec
from dagster_project.ingest.records import (
    IngestReport,
    drop_staging,
    export_and_delivery,
    file_hash,
    file_id_of,
    file_profile_sql,
    row_problems,
    utc_now,
)

BULK_REGISTRY_COLUMNS = ["file_id", "source", "path", "export_key", "delivery_key", "billing_periods", "content_hash",
                         "size_bytes", "file_mtime", "rows", "cost_total", "currency", "columns_json", "status", "reason",
                         "superseded_by", "loaded_at", "charge_months"]
# below this many files of one layout, one file at a time is as fast
BULK_MIN_FILES = 8
GLOB_CHARS = set("*?[]{}")


def load_in_bulk(conn, landing: Path, spec: SourceSpec, files: list[Path], report: IngestReport, progress) -> set[Path]:
    """Load new parquet files of one schema together; returns the files it recorded."""
    candidates = [p for p in files if p.name.lower().endswith(".parquet") and not p.is_symlink() and p.is_file()
                  and p.stat().st_size > 0 and not GLOB_CHARS & set(str(p))]
    if len(candidates) < BULK_MIN_FILES:
        return set()
    import pyarrow.parquet as pq

    seen_paths = {p for (p,) in conn.execute("select path from ops.ingest_files where source = ?", [spec.name]).fetchall()}
    groups: dict[tuple, list[Path]] = {}
    for path in candidates:
        if path.relative_to(landing).as_posix() in seen_paths:
            continue  # a restatement or a file seen before: the one-file path decides
        try:
            schema = pq.read_schema(path)
        except Exception:  # noqa: BLE001, S112 - unreadable: the one-file path quarantines it with DuckDB's reason
            continue
        groups.setdefault(tuple((f.name, str(f.type)) for f in schema), []).append(path)
    done: set[Path] = set()
    for members in groups.values():
        if len(members) >= BULK_MIN_FILES:
            done |= _load_group(conn, landing, spec, members, report, progress)
    return done


def _load_group(conn, landing: Path, spec: SourceSpec, members: list[Path], report: IngestReport, progress) -> set[Path]:
    known = {h for (h,) in conn.execute(
        "select content_hash from ops.ingest_files where source = ? and content_hash is not null", [spec.name]).fetchall()}
    # another delivery of an export already loaded: the one-file path compares deliveries
    loaded_deliveries: dict[str, set[str]] = {}
    for export_key, delivery_key in conn.execute(
            "select export_key, delivery_key from ops.ingest_files where source = ? and status = 'loaded'", [spec.name]).fetchall():
        loaded_deliveries.setdefault(export_key, set()).add(delivery_key)
    entries, hashes, batch_deliveries = [], set(), {}
    for path in members:
        rel = path.relative_to(landing)
        content_hash = file_hash(path)
        if content_hash in known or content_hash in hashes:
            continue
        export_key, delivery_key = export_and_delivery(rel)
        if loaded_deliveries.get(export_key, {delivery_key}) != {delivery_key}:
            continue
        hashes.add(content_hash)
        batch_deliveries.setdefault(export_key, set()).add(delivery_key)
        entries.append((path, rel.as_posix(), content_hash, export_key, delivery_key))
    entries = [e for e in entries if len(batch_deliveries[e[3]]) == 1]
    if len(entries) < BULK_MIN_FILES:
        return set()
    if progress:
        progress(f"[{spec.name}] {len(entries)} new files of one layout, checked together")
    stored = {}
    # every member is a .parquet file: one store folder, one suffix
    store = raw_files.stored_path(conn, spec, "_", entries[0][0]).parent
    for path, rel_str, content_hash, *_ in entries:
        file_id = file_id_of(spec, rel_str, content_hash)
        stored[path] = (file_id, store / f"{file_id}.parquet")
        raw_files.store_copy(path, stored[path][1])
    try:
        select_list, file_columns = spec.file_projection(conn, [s for _, s in stored.values()])
        profiles = {Path(r[0]).name: r[1:] for r in conn.execute(
            f"select {BULK_FILE_COLUMN}, {file_profile_sql(spec)} "
            f"from (select {select_list}, {BULK_FILE_COLUMN} from _file) group by {BULK_FILE_COLUMN}").fetchall()}
        currencies = {c for p in profiles.values() for c in (p[2] or "").split(",")}
        periods = {m for p in profiles.values() for m in (p[3] or "").split(",")}
        if fx.fx_problem(conn, sorted(currencies), sorted(periods)):
            raise IngestError("a currency without an exchange rate")
    except (IngestError, duckdb.Error):
        # some file has a problem: each one on its own names it
        for _, copy in stored.values():
            copy.unlink(missing_ok=True)
        return set()
    finally:
        drop_staging(conn)
    now = utc_now()
    registry_rows, store_rows, loaded = [], [], []
    for path, rel_str, content_hash, export_key, delivery_key in entries:
        file_id, copy = stored[path]
        profile = profiles.get(copy.name)
        if profile is None or not profile[0] or profile[4] or row_problems(spec, profile[5:-1]):
            copy.unlink(missing_ok=True)  # the one-file path gives this one its reason
            continue
        rows, cost_total, currency, periods_of_file = profile[:4]
        stat = path.stat()
        mtime = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).replace(tzinfo=None)
        registry_rows.append([file_id, spec.name, rel_str, export_key, delivery_key, periods_of_file, content_hash,
                              stat.st_size, mtime, rows, cost_total, currency, json.dumps(file_columns), "loaded", None, None, now,
                              profile[-1]])
        store_rows.append([file_id, spec.name, copy.name, select_list])
        loaded.append((path, rel_str, rows))
    if not registry_rows:
        return set()
    import pyarrow as pa

    # one insert per table from registered relations: executemany costs a statement per row
    bulk_registry = pa.table(list(map(list, zip(*registry_rows))), names=BULK_REGISTRY_COLUMNS)  # noqa: F841
    bulk_store = pa.table(list(map(list, zip(*store_rows))), names=["file_id", "source", "stored_name", "select_list"])  # noqa: F841
    conn.execute("begin transaction")
    try:
        conn.execute(f"insert into ops.ingest_files ({', '.join(BULK_REGISTRY_COLUMNS)}) "
                     f"select {', '.join(BULK_REGISTRY_COLUMNS)} from bulk_registry")
        conn.execute("insert or replace into ops.raw_files select file_id, source, stored_name, select_list from bulk_store")
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        for _, copy in stored.values():
            copy.unlink(missing_ok=True)
        raise
    for _, rel_str, rows in loaded:
        report.loaded.append(rel_str)
        report.rows_loaded += rows
    return {path for path, _, _ in loaded}
