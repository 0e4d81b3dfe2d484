"""The pull's own state: ops.pulled_objects (one row per object or page: etag/size or content
hash, local path, last pull), ops.pull_state (one row per source: last attempt, last success,
status, cursor), each source's result, and the local file writes the pulls share."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dagster_project.alerting import redact
from dagster_project.pull.config import API_KINDS
from dagster_project.warehouse import PULL_DDL


@dataclass
class PullResult:
    source: str
    kind: str
    status: str = "ok"  # ok | skipped | failed | dry_run
    message: str = ""
    listed: int = 0
    unchanged: int = 0
    copied: list[str] = field(default_factory=list)
    would_fetch: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    requests: int = 0
    retries: int = 0

    def summary(self) -> str:
        if self.status in ("skipped", "failed"):
            return f"{self.source} ({self.kind}): {self.status}: {self.message}"
        if self.status == "dry_run":
            return f"{self.source} ({self.kind}): dry run: would fetch {len(self.would_fetch)}, {self.unchanged} unchanged"
        extra = f", {len(self.withdrawn)} withdrawn" if self.withdrawn else ""
        api = f", {self.requests} request(s), {self.retries} retried" if self.kind in API_KINDS else ""
        return f"{self.source} ({self.kind}): {len(self.copied)} copied, {self.unchanged} unchanged{extra}{api}"

    def as_metadata(self) -> dict:
        return {"status": self.status, "copied": len(self.copied), "unchanged": self.unchanged,
                "withdrawn": len(self.withdrawn), "message": self.message}


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def ensure_tables(conn: duckdb.DuckDBPyConnection) -> None:
    for ddl in PULL_DDL:
        conn.execute(ddl)


def pulled_objects(conn, source: str) -> dict[str, tuple[str, int, str]]:
    if conn is None:
        return {}
    try:
        rows = conn.execute(
            "select object_key, etag, size_bytes, landing_path from ops.pulled_objects where source = ?", [source]
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    return {k: (e, s, p) for k, e, s, p in rows}


def cursor_state(conn, source: str) -> dict:
    if conn is None:
        return {}
    try:
        row = conn.execute("select cursor_json from ops.pull_state where source = ?", [source]).fetchone()
    except duckdb.CatalogException:
        return {}
    return json.loads(row[0]) if row and row[0] else {}


def record_object(conn, source, key, landing_path, etag, size, last_modified) -> None:
    conn.execute(
        "insert or replace into ops.pulled_objects values (?, ?, ?, ?, ?, ?, ?)",
        [source, key, landing_path, etag, size, last_modified, utc_now()],
    )


def record_state(conn, result: PullResult, started: dt.datetime, cursor: dict | None) -> None:
    prev = conn.execute("select last_success_at, cursor_json from ops.pull_state where source = ?", [result.source]).fetchone()
    last_success = started if result.status == "ok" else (prev[0] if prev else None)
    cursor_json = json.dumps(cursor, sort_keys=True) if cursor is not None else (prev[1] if prev else None)
    conn.execute(
        "insert or replace into ops.pull_state values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [result.source, result.kind, started, last_success, result.status, redact(result.message)[:2000],
         result.listed, len(result.copied), cursor_json],
    )


def write_atomic(dest: Path, data: bytes, mtime: float | None = None) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{dest.name}.part"
    tmp.write_bytes(data)
    if mtime is not None:
        os.utime(tmp, (mtime, mtime))
    os.replace(tmp, dest)


def withdraw(conn, landing: Path, landing_rel: str, reason: str) -> None:
    """A file the provider no longer delivers: remove the local copy, and the registry withdraws
    its loaded rows."""
    from dagster_project.ingest import SOURCES, registry

    path = landing / landing_rel
    if path.exists():
        path.unlink()
    spec = SOURCES.get(landing_rel.split("/", 1)[0])
    if spec is None or conn is None:
        return
    registry.withdraw(conn, spec, landing_rel, f"withdrawn by the pull: {reason}")
