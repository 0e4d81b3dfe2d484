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

A large account's month arrives as hundreds to thousands of parquet files of one layout: new
ones are checked together (one scan for the casts, one for every file's totals, one
transaction for their registry rows); any file that would not load cleanly that way (a problem,
a restatement, another delivery of its export) takes the one-file path, which gives its reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dagster_project.ingest import fx, raw_files
from dagster_project.ingest.base import BULK_FILE_COLUMN, IngestError, SourceSpec, reader_sql

PERIOD_MARKER = "BILLING_PERIOD="
# Azure cost exports write each run under <export>/<YYYYMMDD-YYYYMMDD>/<run-id>/
AZURE_PERIOD_RE = re.compile(r"^\d{8}-\d{8}$")
# the reason of a loaded file quarantined because its stored copy was lost: such a file is
# not "seen" content, so putting it back in the landing folder loads it again
LOST_COPY = "lost from the raw store"


@dataclass
class IngestReport:
    source: str
    loaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    rows_loaded: int = 0

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "loaded": len(self.loaded),
            "skipped": len(self.skipped),
            "quarantined": len(self.quarantined),
            "superseded": len(self.superseded),
            "ignored": len(self.ignored),
            "restored": len(self.restored),
            "rows_loaded": self.rows_loaded,
        }


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export_and_delivery(rel: Path) -> tuple[str, str]:
    parts = rel.parent.parts
    for i, part in enumerate(parts):
        if part.startswith(PERIOD_MARKER) or AZURE_PERIOD_RE.match(part):
            return "/".join(parts[:i]), "/".join(parts)
    key = "/".join(parts)
    return key, key


def discover(landing: Path, spec: SourceSpec) -> list[Path]:
    root = landing / spec.name
    if not root.is_dir():
        return []
    found = []
    for dirpath, _dirs, files in os.walk(root, followlinks=False):
        for f in files:
            p = Path(dirpath) / f
            if f.startswith((".", "_")):
                continue
            found.append(p)
    # oldest first, so a later delivery supersedes an earlier one
    return sorted(found, key=lambda p: (p.lstat().st_mtime, str(p)))


def _raw_columns_ddl(spec: SourceSpec) -> str:
    cols = ",\n    ".join(f"{name} {dtype}" for name, dtype in spec.columns)
    return f"create table if not exists raw.{spec.raw_table} (\n    {cols},\n    _file_id varchar not null,\n    _source_file varchar not null\n)"


def _add_new_raw_columns(conn: duckdb.DuckDBPyConnection, spec: SourceSpec) -> None:
    """A raw table created before its source gained columns (FOCUS 1.3) gets them, null for old rows."""
    have = {r[0] for r in conn.execute(
        "select column_name from information_schema.columns where table_schema = 'raw' and table_name = $1",
        [spec.raw_table]).fetchall()}
    for name, dtype in spec.columns:
        if name not in have:
            conn.execute(f"alter table raw.{spec.raw_table} add column {name} {dtype}")


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
    if spec.file_backed:
        raw_files.prepare(conn, spec)
        _restore_raw_store(conn, landing, spec, report, on_quarantine, progress, on_repair or progress)
        raw_files.prune(conn, spec)
        raw_files.refresh_view(conn, spec)
    else:
        conn.execute(_raw_columns_ddl(spec))
        _add_new_raw_columns(conn, spec)
    files = discover(landing, spec)
    try:
        unchanged = _unchanged(conn, landing, spec, files, report)
        in_bulk = _load_in_bulk(conn, landing, spec, [p for p in files if p not in unchanged], report, progress)
        for n, path in enumerate(files, 1):
            if path not in in_bulk and path not in unchanged:
                _one_path(conn, landing, spec, path, n, len(files), report, on_quarantine, on_ignore, progress)
    finally:
        if spec.file_backed:
            # once per batch, not per file: the view's definition grows with the files (README
            # "Performance"); until then it lists the files loaded before this batch, all kept
            raw_files.refresh_view(conn, spec)
            raw_files.prune(conn, spec)
    return report


def _restore_raw_store(conn, landing: Path, spec: SourceSpec, report: IngestReport, on_quarantine, progress,
                       on_repair) -> None:
    """Loaded files whose stored copy is gone or damaged: copied again from the landing folder
    when it still holds the loaded content (the registry's hash), else quarantined, so that the
    view never points at a missing file and the loss is never silent."""
    say = progress or (lambda _message: None)
    repaired = on_repair or say
    lost, recovered = raw_files.lost_copies(conn, spec)
    if recovered:
        say(f"raw store: {recovered} copies taken over from the shared folder {raw_files.legacy_store_dir(conn)} "
            f"(this warehouse keeps its own in {raw_files.store_dir(conn)})")
    for copy in lost:
        path = landing / copy.path
        same = path.is_file() and copy.content_hash is not None and file_hash(path) == copy.content_hash
        if same:
            try:
                # stored and projected as a new load would (a copy a warehouse from before wrote
                # from its raw table's rows had another name and projection)
                if spec.file_projection:
                    target = raw_files.stored_path(conn, spec, copy.file_id, path)
                    raw_files.store_copy(path, target)
                    select_list, _ = spec.file_projection(conn, target)
                else:
                    target = copy.stored
                    spec.stage(conn, path)
                    select_list = raw_files.store_rows(conn, spec, "_incoming", target)
                if target != copy.stored:
                    copy.stored.unlink(missing_ok=True)
                raw_files.remember(conn, spec, copy.file_id, target, select_list)
                repaired(f"the raw store's copy of {copy.path} is {copy.problem}: loaded again from the landing folder")
                report.restored.append(copy.path)
                continue
            except IngestError as exc:
                reason = f"{LOST_COPY}: its stored copy is {copy.problem} and the landing file no longer reads ({exc})"
            finally:
                _drop_staging(conn)
        else:
            now_holds = " (it holds other content at that path now)" if path.exists() else ""
            reason = (f"{LOST_COPY}: its stored copy is {copy.problem} and the landing folder no longer has it"
                      f"{now_holds}; put the file back in the landing folder to load it again")
        copy.stored.unlink(missing_ok=True)
        profile = conn.execute(
            "select cost_total, currency, billing_periods from ops.ingest_files where file_id = ?", [copy.file_id]
        ).fetchone()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        conn.execute("begin transaction")
        try:
            raw_files.forget(conn, copy.file_id)
            _quarantine(conn, spec, copy.path, copy.content_hash, path, reason, now, report, None, *profile)
            conn.execute("commit")
        except Exception:
            conn.execute("rollback")
            raise
        repaired(f"{copy.path} quarantined: {reason}")
        if on_quarantine:
            on_quarantine(copy.path, reason)


def _one_path(conn, landing, spec, path, n, total, report, on_quarantine, on_ignore, progress) -> None:
    rel = path.relative_to(landing)
    if progress:
        progress(f"[{spec.name}] {n}/{total} {rel}")
    escapes = path.is_symlink() and not path.resolve().is_relative_to(landing)
    if not spec.matches(path) and not escapes and path.is_file():
        _ignore(conn, spec, path, rel.as_posix(), report, on_ignore)
        return
    _ingest_file(conn, landing, spec, path, rel, report, on_quarantine)


def _discard(stored: Path | None) -> None:
    """The raw-store copy of a file that did not load (no registry row or view points at it)."""
    if stored is not None:
        stored.unlink(missing_ok=True)


def is_manifest(path: Path) -> bool:
    """Export metadata written next to the data (AWS Data Exports / CUR `*Manifest.json`)."""
    return path.name.lower().endswith("manifest.json")


def _ignore(conn, spec: SourceSpec, path: Path, rel_str: str, report: IngestReport, on_ignore) -> None:
    """Record a file this source does not read, once per content, with the reason."""
    content_hash = file_hash(path)
    if conn.execute(
        "select 1 from ops.ingest_files where source = ? and path = ? and content_hash = ?", [spec.name, rel_str, content_hash]
    ).fetchone():
        return
    manifest = is_manifest(path)
    if manifest:
        reason = "export manifest (metadata, no cost rows)"
    else:
        reason = (f"unsupported file type: {spec.name} reads {', '.join(spec.suffixes)} files; "
                  "this one was not loaded")
    file_id = hashlib.sha256(f"{spec.name}|{rel_str}|{content_hash}".encode()).hexdigest()[:20]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    conn.execute(
        """
        insert or replace into ops.ingest_files
            (file_id, source, path, content_hash, size_bytes, rows, status, reason, loaded_at)
        values (?, ?, ?, ?, ?, 0, 'ignored', ?, ?)
        """,
        [file_id, spec.name, rel_str, content_hash, path.stat().st_size, reason, now],
    )
    report.ignored.append((rel_str, reason))
    if on_ignore and not manifest:
        on_ignore(rel_str, reason)


def _ingest_file(conn, landing, spec, path, rel, report, on_quarantine) -> None:
    rel_str = rel.as_posix()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if path.is_symlink() and not path.resolve().is_relative_to(landing):
        _quarantine(conn, spec, rel_str, None, path, "symlink points outside the landing folder", now, report, on_quarantine)
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
            _quarantine(conn, spec, rel_str, content_hash, path, "empty file (0 bytes)", now, report, on_quarantine)
        return
    seen = conn.execute(
        "select path, status from ops.ingest_files where source = ? and content_hash = ? and status in ('loaded', 'quarantined', 'superseded') order by loaded_at desc limit 1",
        [spec.name, content_hash],
    ).fetchone()
    if seen and _rewritten_back(conn, spec, rel_str, content_hash):
        # A -> B -> A at one path: the earlier version is current again. Its old registry row
        # (same file id) gives way to the reload below, which supersedes B.
        conn.execute(
            "delete from ops.ingest_files where source = ? and path = ? and content_hash = ? and status = 'superseded'",
            [spec.name, rel_str, content_hash],
        )
    elif seen:
        report.skipped.append(rel_str)
        return
    file_id = hashlib.sha256(f"{spec.name}|{rel_str}|{content_hash}".encode()).hexdigest()[:20]
    stored = None
    try:
        if spec.file_projection:
            # checked and later read from the registry's own copy, never from the landing folder
            stored = raw_files.stored_path(conn, spec, file_id, path)
            raw_files.store_copy(path, stored)
            select_list, file_columns = spec.file_projection(conn, stored)
            conn.execute(f"create or replace temp view _incoming as select {select_list} from _file")
        else:
            file_columns = spec.stage(conn, path)
            if spec.store_staged:
                # the staged rows, written once, are the raw rows (read back from the file)
                stored = raw_files.store_dir(conn) / spec.name / f"{file_id}.parquet"
                select_list = raw_files.store_rows(conn, spec, "_incoming", stored)
                _drop_staging(conn)
                conn.execute(f"create temp view _incoming as select {select_list} from {reader_sql(stored)}")
    except IngestError as exc:
        _drop_staging(conn)
        _discard(stored)
        _quarantine(conn, spec, rel_str, content_hash, path, str(exc), now, report, on_quarantine)
        return
    export_key, delivery_key = export_and_delivery(rel)
    mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)

    # Load first (or, for a file-backed source, inspect the stored copy), then check the rows.
    # Anything wrong rolls the whole file back, so a file is never half loaded.
    conn.execute("begin transaction")
    profile: dict = {}
    try:
        if stored is None:
            try:
                conn.execute(
                    f"insert into raw.{spec.raw_table} by name select *, $1 as _file_id, $2 as _source_file from _incoming",
                    [file_id, rel_str],
                )
            except duckdb.Error as exc:
                raise IngestError(f"cannot load rows: {str(exc).splitlines()[0]}") from exc
            loaded, params = f"(select * from raw.{spec.raw_table} where _file_id = $1)", [file_id]
        else:
            loaded, params = "_incoming", []
        # one scan of the file for its totals and every row check
        row = conn.execute(f"select {_file_profile_sql(spec)} from {loaded}", params or None).fetchone()
        rows, cost_total, currency, periods, no_period = row[:5]
        # kept on a quarantined file's registry row: what the nightly leaves out
        profile = {"cost_total": cost_total, "currency": currency, "billing_periods": periods}
        if rows == 0:
            raise IngestError("file has no data rows")
        if no_period:
            raise IngestError(f"{no_period} row(s) have no billing period")
        problem = _row_problems(spec, row[5:])
        # every billing currency must convert to the reporting currency (ECB rates): else the whole file waits
        problem = problem or fx.fx_problem(conn, (currency or "").split(","), periods.split(","))
        if problem:
            raise IngestError(problem)
        period_list = periods.split(",")
        # Same path, new content: a restatement of that file.
        replaced = conn.execute(
            "select file_id, path from ops.ingest_files where source = ? and path = ? and status = 'loaded'",
            [spec.name, rel_str],
        ).fetchall()
        # Another delivery folder of the same export and period: only the newest counts.
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
        status, reason = "loaded", None
        if newer:
            status, reason = "superseded", f"a newer delivery of the same period is loaded: {newer[0][1]}"
            unload(conn, spec, file_id)
        else:
            for old_id, old_path in replaced + older:
                unload(conn, spec, old_id)
                conn.execute(
                    "update ops.ingest_files set status = 'superseded', superseded_by = ?, reason = ? where file_id = ?",
                    [file_id, f"replaced by a later delivery: {rel_str}", old_id],
                )
                report.superseded.append(old_path)
        conn.execute(
            """
            insert into ops.ingest_files
                (file_id, source, path, export_key, delivery_key, billing_periods, content_hash, size_bytes,
                 file_mtime, rows, cost_total, currency, columns_json, status, reason, superseded_by, loaded_at)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [file_id, spec.name, rel_str, export_key, delivery_key, periods, content_hash, path.stat().st_size,
             mtime, rows, cost_total, currency, json.dumps(file_columns), status, reason, None, now],
        )
        if stored is not None and status == "loaded":
            raw_files.remember(conn, spec, file_id, stored, select_list)
        conn.execute("commit")
    except IngestError as exc:
        conn.execute("rollback")
        _discard(stored)
        _quarantine(conn, spec, rel_str, content_hash, path, str(exc), now, report, on_quarantine, **profile)
        return
    except Exception:
        conn.execute("rollback")
        _discard(stored)
        raise
    finally:
        _drop_staging(conn)
    if status == "loaded":
        report.loaded.append(rel_str)
        report.rows_loaded += rows
    else:
        report.superseded.append(rel_str)


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


BULK_REGISTRY_COLUMNS = ["file_id", "source", "path", "export_key", "delivery_key", "billing_periods", "content_hash",
                         "size_bytes", "file_mtime", "rows", "cost_total", "currency", "columns_json", "status", "reason",
                         "superseded_by", "loaded_at"]
# below this many files of one layout, one file at a time is as fast
BULK_MIN_FILES = 8
GLOB_CHARS = set("*?[]{}")


def _load_in_bulk(conn, landing: Path, spec: SourceSpec, files: list[Path], report: IngestReport, progress) -> set[Path]:
    """Load new parquet files of one schema together; returns the files it recorded."""
    if not spec.file_projection:
        return set()
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
        file_id = hashlib.sha256(f"{spec.name}|{rel_str}|{content_hash}".encode()).hexdigest()[:20]
        stored[path] = (file_id, store / f"{file_id}.parquet")
        raw_files.store_copy(path, stored[path][1])
    try:
        select_list, file_columns = spec.file_projection(conn, [s for _, s in stored.values()])
        profiles = {Path(r[0]).name: r[1:] for r in conn.execute(
            f"select {BULK_FILE_COLUMN}, {_file_profile_sql(spec)} "
            f"from (select {select_list}, {BULK_FILE_COLUMN} from _file) group by {BULK_FILE_COLUMN}").fetchall()}
        currencies = {c for p in profiles.values() for c in (p[2] or "").split(",")}
        periods = {m for p in profiles.values() for m in (p[3] or "").split(",")}
        if fx.fx_problem(conn, sorted(currencies), sorted(periods)):
            raise IngestError("a currency without an exchange rate")
    except (IngestError, duckdb.Error):
        # some file has a problem: each one on its own names it
        for _, copy in stored.values():
            _discard(copy)
        return set()
    finally:
        _drop_staging(conn)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    registry_rows, store_rows, loaded = [], [], []
    for path, rel_str, content_hash, export_key, delivery_key in entries:
        file_id, copy = stored[path]
        profile = profiles.get(copy.name)
        if profile is None or not profile[0] or profile[4] or _row_problems(spec, profile[5:]):
            _discard(copy)  # the one-file path gives this one its reason
            continue
        rows, cost_total, currency, periods_of_file = profile[:4]
        stat = path.stat()
        mtime = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).replace(tzinfo=None)
        registry_rows.append([file_id, spec.name, rel_str, export_key, delivery_key, periods_of_file, content_hash,
                              stat.st_size, mtime, rows, cost_total, currency, json.dumps(file_columns), "loaded", None, None, now])
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
            _discard(copy)
        raise
    for _, rel_str, rows in loaded:
        report.loaded.append(rel_str)
        report.rows_loaded += rows
    return {path for path, _, _ in loaded}


def unload(conn, spec: SourceSpec, file_id: str) -> None:
    """Take a file's rows out of raw.<table> (inside the caller's transaction)."""
    if spec.file_backed:
        raw_files.forget(conn, file_id)
    else:
        conn.execute(f"delete from raw.{spec.raw_table} where _file_id = ?", [file_id])


def _rewritten_back(conn, spec: SourceSpec, rel_str: str, content_hash: str) -> bool:
    """This path once held this content, was superseded in place, and now holds it again."""
    return bool(conn.execute(
        """
        select 1 from ops.ingest_files as old
        where old.source = ? and old.path = ? and old.content_hash = ? and old.status = 'superseded'
          and exists (
              select 1 from ops.ingest_files as current
              where current.source = old.source and current.path = old.path
                and current.status = 'loaded' and current.content_hash <> old.content_hash
          )
        """,
        [spec.name, rel_str, content_hash],
    ).fetchone())


def _drop_staging(conn) -> None:
    """Sources stage a file as a temp table or view named _incoming (and _file, or the
    _records a token source's _incoming view reads)."""
    for name, kind in conn.execute(
        "select table_name, table_type from information_schema.tables "
        "where table_name in ('_incoming', '_file', '_records') and table_catalog = 'temp' "
        "order by table_type = 'VIEW' desc"
    ).fetchall():
        conn.execute(f"drop {'view' if kind == 'VIEW' else 'table'} if exists temp.{name}")


def _file_profile_sql(spec: SourceSpec) -> str:
    """Aggregates over a staged file: rows, cost, currencies, periods, rows without a period,
    then one count per row check and, with a unique key, the keyed rows and distinct keys."""
    parts = [
        "count(*)",
        f"sum({spec.cost_sql})",
        f"string_agg(distinct {spec.currency_sql}, ',' order by {spec.currency_sql})",
        f"string_agg(distinct {spec.period_sql}, ',' order by {spec.period_sql})",
        f"count(*) filter (where {spec.period_sql} is null)",
    ]
    parts += [f"count(*) filter (where coalesce(({c}), false))" for c, _ in spec.row_checks]
    if spec.unique_key:
        keyed = f"{spec.unique_key[0]} is not null"
        parts += [f"count(*) filter (where {keyed})",
                  f"count(distinct ({', '.join(spec.unique_key)})) filter (where {keyed})"]
    return ",\n    ".join(parts)


def _row_problems(spec: SourceSpec, counts: tuple) -> str | None:
    """Row-level sanity checks of a loaded file (counts from _file_profile_sql); every problem
    found goes into the reason."""
    checks = counts[:len(spec.row_checks)]
    problems = [f"{reason}: {n} row(s)" for (_, reason), n in zip(spec.row_checks, checks) if n]
    if spec.unique_key:
        keyed, distinct = counts[len(spec.row_checks):]
        if keyed - distinct:
            problems.append(f"duplicate rows: {keyed - distinct} row(s) repeat the key ({', '.join(spec.unique_key)})")
    return "; ".join(problems) or None


def _quarantine(conn, spec, rel_str, content_hash, path, reason, now, report, on_quarantine,
                cost_total=None, currency=None, billing_periods=None) -> None:
    file_id = hashlib.sha256(f"{spec.name}|{rel_str}|{content_hash}".encode()).hexdigest()[:20]
    try:
        size = path.lstat().st_size
    except OSError:
        size = None
    _drop_staging(conn)
    conn.execute(
        """
        insert or replace into ops.ingest_files
            (file_id, source, path, content_hash, size_bytes, rows, cost_total, currency, billing_periods,
             status, reason, loaded_at)
        values (?, ?, ?, ?, ?, 0, ?, ?, ?, 'quarantined', ?, ?)
        """,
        [file_id, spec.name, rel_str, content_hash, size, cost_total, currency, billing_periods, reason, now],
    )
    report.quarantined.append((rel_str, reason))
    if on_quarantine:
        on_quarantine(rel_str, reason)
