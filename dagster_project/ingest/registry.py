"""The file registry (ops.ingest_files): discovery, content-hash skip, restatement, quarantine.

Delivery rules (docs/design.md "Sources and the landing folder"):
- A file is identified by its path relative to the landing folder and its content hash.
  The same content again (at any path) is skipped.
- The same path with new content is a restatement: the new rows replace the old ones.
- Files below a `BILLING_PERIOD=YYYY-MM` folder belong to an export (the path above that
  folder); when an export delivers a period again into another folder (AWS's snapshot
  deliveries), only the newest delivery of that period counts.
- A file that cannot be read, lacks required columns or holds unparseable values is
  quarantined whole, with the reason; the other files still load.
- A file the source does not read (another suffix) is recorded as `ignored`, with the reason,
  so that every file found has a registry row; export manifests are ignored without an alert.
Loading a file's rows and recording it happen in one transaction.
- A loaded file whose raw-store copy is missing or damaged is copied (or staged) again from
  the landing folder when the landing file still has the loaded content; else it is
  quarantined with the reason, and loads again once the file is back.

Where the rows go is the source's raw store (stores.py: a table, a copy of the file, or the
staged rows as parquet); this module calls it the same way for every kind. The registry's
records are in records.py; new parquet files of one layout load together (bulk.py).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import duckdb

from dagster_project.ingest import fx
from dagster_project.ingest.base import IngestError, SourceSpec
from dagster_project.ingest.records import (
    LOST_COPY,
    IngestReport,
    discover,
    drop_staging,
    export_and_delivery,
    file_hash,
    file_id_of,
    file_profile_sql,
    ignore,
    quarantine,
    rewritten_back,
    row_problems,
    utc_now,
)
from dagster_project.ingest.stores import RawStore, Staged, store_for

__all__ = ["IngestReport", "ingest_source", "withdraw"]


def ingest_source(
    conn: duckdb.DuckDBPyConnection,
    landing: Path,
    spec: SourceSpec,
    on_quarantine: Callable[[str, str], None] | None = None,
    progress: Callable[[str], None] | None = None,
    on_ignore: Callable[[str, str], None] | None = None,
    on_repair: Callable[[str], None] | None = None,
) -> IngestReport:
    report = IngestReport(spec.name)
    landing = landing.resolve()
    store = store_for(spec)
    store.prepare(conn, landing, report, on_quarantine, progress, on_repair or progress)
    files = discover(landing, spec)
    try:
        unchanged = _unchanged(conn, landing, spec, files, report)
        in_bulk = store.load_many(conn, landing, [p for p in files if p not in unchanged], report, progress)
        for n, path in enumerate(files, 1):
            if path not in in_bulk and path not in unchanged:
                _one_path(conn, landing, store, path, n, len(files), report, on_quarantine, on_ignore, progress)
    finally:
        # once per batch, not per file: a file-backed view's definition grows with the files
        # (README "Performance"); until then it lists the files loaded before this batch, all kept
        store.refresh(conn)
        store.prune(conn)
    return report


def withdraw(conn: duckdb.DuckDBPyConnection, spec: SourceSpec, rel_str: str, reason: str) -> list[str]:
    """A file its provider no longer delivers (the pull): its loaded rows leave raw.<raw_table>
    and its registry row becomes `superseded` with `reason`, in one transaction. Returns the
    file ids withdrawn (none when the path is not loaded or there is no registry yet)."""
    try:
        ids = [r[0] for r in conn.execute(
            "select file_id from ops.ingest_files where source = ? and path = ? and status = 'loaded'", [spec.name, rel_str]
        ).fetchall()]
    except duckdb.CatalogException:
        return []
    if not ids:
        return []
    store = store_for(spec)
    conn.execute("begin transaction")
    try:
        for file_id in ids:
            store.unload(conn, file_id)
            conn.execute("update ops.ingest_files set status = 'superseded', reason = ? where file_id = ?", [reason, file_id])
        store.refresh(conn)
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise
    store.prune(conn)
    return ids


def _one_path(conn, landing, store: RawStore, path, n, total, report, on_quarantine, on_ignore, progress) -> None:
    spec = store.spec
    rel = path.relative_to(landing)
    if progress:
        progress(f"[{spec.name}] {n}/{total} {rel}")
    escapes = path.is_symlink() and not path.resolve().is_relative_to(landing)
    if not spec.matches(path) and not escapes and path.is_file():
        ignore(conn, spec, path, rel.as_posix(), report, on_ignore)
        return
    _ingest_file(conn, landing, store, path, rel, report, on_quarantine)


def _ingest_file(conn, landing, store: RawStore, path, rel, report, on_quarantine) -> None:
    spec = store.spec
    rel_str = rel.as_posix()
    now = utc_now()
    if path.is_symlink() and not path.resolve().is_relative_to(landing):
        quarantine(conn, spec, rel_str, None, path, "symlink points outside the landing folder", now, report, on_quarantine)
        return
    content_hash = file_hash(path)
    # a file quarantined because its stored copy was lost is back: it loads again
    conn.execute(
        "delete from ops.ingest_files where source = ? and path = ? and content_hash = ? "
        "and status = 'quarantined' and starts_with(reason, ?)",
        [spec.name, rel_str, content_hash, LOST_COPY],
    )
    if path.stat().st_size == 0:
        seen_empty = conn.execute(
            "select 1 from ops.ingest_files where source = ? and path = ? and content_hash = ?", [spec.name, rel_str, content_hash]
        ).fetchone()
        if not seen_empty:
            quarantine(conn, spec, rel_str, content_hash, path, "empty file (0 bytes)", now, report, on_quarantine)
        return
    seen = conn.execute(
        "select path, status from ops.ingest_files where source = ? and content_hash = ? and status in ('loaded', 'quarantined', 'superseded') order by loaded_at desc limit 1",
        [spec.name, content_hash],
    ).fetchone()
    if seen and rewritten_back(conn, spec, rel_str, content_hash):
        # A -> B -> A at one path: the earlier version is current again. Its old registry row
        # (same file id) gives way to the reload below, which supersedes B.
        conn.execute(
            "delete from ops.ingest_files where source = ? and path = ? and content_hash = ? and status = 'superseded'",
            [spec.name, rel_str, content_hash],
        )
    elif seen:
        report.skipped.append(rel_str)
        return
    file_id = file_id_of(spec, rel_str, content_hash)
    try:
        staged = store.stage(conn, path, file_id)
    except IngestError as exc:
        quarantine(conn, spec, rel_str, content_hash, path, str(exc), now, report, on_quarantine)
        return
    _load_and_record(conn, store, path, rel, file_id, content_hash, staged, now, report, on_quarantine)


def _load_and_record(conn, store: RawStore, path: Path, rel: Path, file_id: str, content_hash: str, staged: Staged,
                     now: dt.datetime, report: IngestReport, on_quarantine) -> None:
    """Load first (or, for a file-backed store, inspect the stored copy), then check the rows and
    record the file. Anything wrong rolls the whole file back, so a file is never half loaded."""
    spec, rel_str = store.spec, rel.as_posix()
    export_key, delivery_key = export_and_delivery(rel)
    mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)
    conn.execute("begin transaction")
    profile: dict = {}
    try:
        loaded, params = store.load(conn, staged, file_id, rel_str)
        # one scan of the file for its totals and every row check
        row = conn.execute(f"select {file_profile_sql(spec)} from {loaded}", params or None).fetchone()
        rows, cost_total, currency, periods, no_period = row[:5]
        # kept on a quarantined file's registry row: what the nightly leaves out
        profile = {"cost_total": cost_total, "currency": currency, "billing_periods": periods}
        if rows == 0:
            raise IngestError("file has no data rows")
        if no_period:
            raise IngestError(f"{no_period} row(s) have no billing period")
        problem = row_problems(spec, row[5:-1])
        # every billing currency must convert to the reporting currency (ECB rates): else the whole file waits
        problem = problem or fx.fx_problem(conn, (currency or "").split(","), periods.split(","))
        if problem:
            raise IngestError(problem)
        status, reason = _supersede(conn, store, file_id, rel_str, export_key, delivery_key, periods.split(","), mtime,
                                    report)
        conn.execute(
            """
            insert into ops.ingest_files
                (file_id, source, path, export_key, delivery_key, billing_periods, content_hash, size_bytes,
                 file_mtime, rows, cost_total, currency, columns_json, status, reason, superseded_by, loaded_at,
                 charge_months)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [file_id, spec.name, rel_str, export_key, delivery_key, periods, content_hash, path.stat().st_size,
             mtime, rows, cost_total, currency, json.dumps(staged.file_columns), status, reason, None, now, row[-1]],
        )
        if status == "loaded":
            store.keep(conn, staged, file_id)
        conn.execute("commit")
    except IngestError as exc:
        conn.execute("rollback")
        store.discard(staged)
        quarantine(conn, spec, rel_str, content_hash, path, str(exc), now, report, on_quarantine, **profile)
        return
    except Exception:
        conn.execute("rollback")
        store.discard(staged)
        raise
    finally:
        drop_staging(conn)
    if status == "loaded":
        report.loaded.append(rel_str)
        report.rows_loaded += rows
    else:
        report.superseded.append(rel_str)


def _supersede(conn, store: RawStore, file_id, rel_str, export_key, delivery_key, period_list, mtime,
               report: IngestReport) -> tuple[str, str | None]:
    """The new file's status (and reason); the files it replaces are unloaded and superseded.
    Same path, new content: a restatement of that file. Another delivery folder of the same
    export and period: only the newest counts."""
    spec = store.spec
    replaced = conn.execute(
        "select file_id, path from ops.ingest_files where source = ? and path = ? and status = 'loaded'",
        [spec.name, rel_str],
    ).fetchall()
    others = conn.execute(
        """
        select file_id, path, file_mtime from ops.ingest_files
        where source = ? and export_key = ? and delivery_key <> ? and status = 'loaded'
          and list_has_any(string_split(billing_periods, ','), ?)
        """,
        [spec.name, export_key, delivery_key, period_list],
    ).fetchall()
    newer = [o for o in others if o[2] > mtime]
    older = [(o[0], o[1]) for o in others if o[2] <= mtime]
    if newer:
        store.unload(conn, file_id)
        return "superseded", f"a newer delivery of the same period is loaded: {newer[0][1]}"
    for old_id, old_path in replaced + older:
        store.unload(conn, old_id)
        conn.execute(
            "update ops.ingest_files set status = 'superseded', superseded_by = ?, reason = ? where file_id = ?",
            [file_id, f"replaced by a later delivery: {rel_str}", old_id],
        )
        report.superseded.append(old_path)
    return "loaded", None


def _unchanged(conn, landing: Path, spec: SourceSpec, files: list[Path], report: IngestReport) -> set[Path]:
    """Files whose path is loaded with exactly this content: skipped with one registry query for
    the batch instead of two per file (a nightly rerun over thousands of files). Anything else
    (new, restated, quarantined before, a symlink) takes the one-file path."""
    loaded = dict(conn.execute(
        "select path, content_hash from ops.ingest_files where source = ? and status = 'loaded'", [spec.name]).fetchall())
    if not loaded:
        return set()
    same = set()
    for path in files:
        rel_str = path.relative_to(landing).as_posix()
        plain = spec.matches(path) and not path.is_symlink() and path.is_file() and path.stat().st_size > 0
        if rel_str in loaded and plain and file_hash(path) == loaded[rel_str]:
            same.add(path)
            report.skipped.append(rel_str)
    return same
