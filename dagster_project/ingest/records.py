"""The registry's records (ops.ingest_files): what a file is, how it is named and found, and
the rows that say a file was quarantined or ignored. No raw rows are written here.

A file is identified by its path relative to the landing folder and its content hash
(`file_id_of`); files below a `BILLING_PERIOD=YYYY-MM` (or Azure `YYYYMMDD-YYYYMMDD`) folder
belong to the export above it (`export_and_delivery`). The profile (`file_profile_sql`) is
the one scan of a staged file for its totals and every row check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.ingest.base import SourceSpec

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


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_id_of(spec: SourceSpec, rel_str: str, content_hash: str | None) -> str:
    return hashlib.sha256(f"{spec.name}|{rel_str}|{content_hash}".encode()).hexdigest()[:20]


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


def is_manifest(path: Path) -> bool:
    """Export metadata written next to the data (AWS Data Exports / CUR `*Manifest.json`)."""
    return path.name.lower().endswith("manifest.json")


def drop_staging(conn) -> None:
    """Sources stage a file as a temp table or view named _incoming (and _file, or the
    _records a token source's _incoming view reads)."""
    for name, kind in conn.execute(
        "select table_name, table_type from information_schema.tables "
        "where table_name in ('_incoming', '_file', '_records') and table_catalog = 'temp' "
        "order by table_type = 'VIEW' desc"
    ).fetchall():
        conn.execute(f"drop {'view' if kind == 'VIEW' else 'table'} if exists temp.{name}")


def ignore(conn, spec: SourceSpec, path: Path, rel_str: str, report: IngestReport, on_ignore) -> None:
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
    conn.execute(
        """
        insert or replace into ops.ingest_files
            (file_id, source, path, content_hash, size_bytes, rows, status, reason, loaded_at)
        values (?, ?, ?, ?, ?, 0, 'ignored', ?, ?)
        """,
        [file_id_of(spec, rel_str, content_hash), spec.name, rel_str, content_hash, path.stat().st_size, reason, utc_now()],
    )
    report.ignored.append((rel_str, reason))
    if on_ignore and not manifest:
        on_ignore(rel_str, reason)


def quarantine(conn, spec, rel_str, content_hash, path, reason, now, report, on_quarantine,
               cost_total=None, currency=None, billing_periods=None) -> None:
    try:
        size = path.lstat().st_size
    except OSError:
        size = None
    drop_staging(conn)
    conn.execute(
        """
        insert or replace into ops.ingest_files
            (file_id, source, path, content_hash, size_bytes, rows, cost_total, currency, billing_periods,
             status, reason, loaded_at)
        values (?, ?, ?, ?, ?, 0, ?, ?, ?, 'quarantined', ?, ?)
        """,
        [file_id_of(spec, rel_str, content_hash), spec.name, rel_str, content_hash, size, cost_total, currency,
         billing_periods, reason, now],
    )
    report.quarantined.append((rel_str, reason))
    if on_quarantine:
        on_quarantine(rel_str, reason)


def rewritten_back(conn, spec: SourceSpec, rel_str: str, content_hash: str) -> bool:
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


def file_profile_sql(spec: SourceSpec) -> str:
    """Aggregates over a staged file: rows, cost, currencies, periods, rows without a period,
    then one count per row check and, with a unique key, the keyed rows and distinct keys, and
    last the charge months."""
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
    # last: the charge months (ops.ingest_files.charge_months)
    parts.append(f"string_agg(distinct {spec.charge_month}, ',' order by {spec.charge_month})")
    return ",\n    ".join(parts)


def row_problems(spec: SourceSpec, counts: tuple) -> str | None:
    """Row-level sanity checks of a loaded file (counts from file_profile_sql); every problem
    found goes into the reason."""
    checks = counts[:len(spec.row_checks)]
    problems = [f"{reason}: {n} row(s)" for (_, reason), n in zip(spec.row_checks, checks) if n]
    if spec.unique_key:
        keyed, distinct = counts[len(spec.row_checks):]
        if keyed - distinct:
            problems.append(f"duplicate rows: {keyed - distinct} row(s) repeat the key ({', '.join(spec.unique_key)})")
    return "; ".join(problems) or None
