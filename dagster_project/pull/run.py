"""Fetch what is new from every configured source into the landing folder, and record it.

Object stores: the objects below the prefix are listed; an object whose (ETag, size) differs
from the last pull (or whose local copy is gone) is downloaded to
`<landing>/<landing_folder>/<key below the prefix>`, atomically, with the object's
last-modified time as the file's mtime (the registry orders deliveries by it). A rewritten
object lands on the same path with new content: the registry's restatement path replaces its
rows. When an object of a folder is rewritten and another object of that folder that was pulled
before is no longer listed (a month re-exported into fewer files), its local copy and its rows
are withdrawn. An object that merely disappears (retention, lifecycle rules) stays loaded.

Admin APIs: one request per UTC day window and endpoint, every page written to
`<folder>/<organization>/<endpoint>/<YYYY-MM-DD>/page-NNNN.json`. The last `lookback_days`
days are fetched again on every pull (providers revise recent usage): a revised page is a
restatement of the same path, an unchanged page is not even rewritten. (The registry reloads a
path rewritten back to an earlier version, but skips other content it knows only as superseded or
quarantined, e.g. a withdrawn page that comes back: such a page gets an `x_finops_restated_at`
field; the usage ingest reads only `data[]`.) Usage pages go to
`openai_usage/` / `anthropic_usage/`; cost pages go to `openai_costs/` / `anthropic_costs/`,
which no ingest scans (the usage ingest would quarantine them).

State: ops.pulled_objects (one row per object or page: etag/size or content hash, local path,
last pull) and ops.pull_state (one row per source: last attempt, last success, status, cursor).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import duckdb

from dagster_project.alerting import Alert, raise_alert, redact, register_secret
from dagster_project.pull.api import ENDPOINTS, AdminApi, ApiError
from dagster_project.pull.config import API_KINDS, HTTP_KINDS, PullSource
from dagster_project.pull.stores import store_client
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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def ensure_tables(conn: duckdb.DuckDBPyConnection) -> None:
    for ddl in PULL_DDL:
        conn.execute(ddl)


def _known(conn, source: str) -> dict[str, tuple[str, int, str]]:
    if conn is None:
        return {}
    try:
        rows = conn.execute(
            "select object_key, etag, size_bytes, landing_path from ops.pulled_objects where source = ?", [source]
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    return {k: (e, s, p) for k, e, s, p in rows}


def _state(conn, source: str) -> dict:
    if conn is None:
        return {}
    try:
        row = conn.execute("select cursor_json from ops.pull_state where source = ?", [source]).fetchone()
    except duckdb.CatalogException:
        return {}
    return json.loads(row[0]) if row and row[0] else {}


def _record_object(conn, source, key, landing_path, etag, size, last_modified) -> None:
    conn.execute(
        "insert or replace into ops.pulled_objects values (?, ?, ?, ?, ?, ?, ?)",
        [source, key, landing_path, etag, size, last_modified, _now()],
    )


def _record_state(conn, result: PullResult, started: dt.datetime, cursor: dict | None) -> None:
    prev = conn.execute("select last_success_at, cursor_json from ops.pull_state where source = ?", [result.source]).fetchone()
    last_success = started if result.status == "ok" else (prev[0] if prev else None)
    cursor_json = json.dumps(cursor, sort_keys=True) if cursor is not None else (prev[1] if prev else None)
    conn.execute(
        "insert or replace into ops.pull_state values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [result.source, result.kind, started, last_success, result.status, redact(result.message)[:2000],
         result.listed, len(result.copied), cursor_json],
    )


# characters that must not reach a file name: control characters (a NUL cannot be written, a
# newline forges log lines) and glob syntax (a landed `*.csv` reads as a pattern elsewhere)
_UNSAFE_CHARS = set("*?[]\\") | {chr(c) for c in range(32)} | {chr(127)}
_MAX_NAME_BYTES = 200


def printable_key(key: str) -> str:
    """An object key as it may appear in a log line or a file name: unsafe characters as %XX."""
    return "".join(f"%{ord(c):02X}" if c in _UNSAFE_CHARS else c for c in key)


def _short_name(name: str, suffixes: tuple[str, ...] | None) -> str:
    """A file name within the file system's limit (255 bytes), distinct per original name."""
    if len(name.encode()) <= _MAX_NAME_BYTES:
        return name
    suffix = next((s for s in sorted(suffixes or (), key=len, reverse=True) if name.lower().endswith(s)), "")
    stem = name[: len(name) - len(suffix)] if suffix else name
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    while len(stem.encode()) > _MAX_NAME_BYTES - len(suffix.encode()) - 13:
        stem = stem[:-1]
    return f"{stem}~{digest}{suffix}"


def _safe_relative(key: str, prefix: str, suffixes: tuple[str, ...] | None = None) -> PurePosixPath | None:
    rel = key[len(prefix):] if prefix and key.startswith(prefix) else key
    rel = rel.lstrip("/")
    parts = PurePosixPath(rel).parts
    if not parts or any(p in ("..", ".") or p.startswith(".") for p in parts):
        return None
    return PurePosixPath(*(_short_name(printable_key(p), suffixes) for p in parts))


def _distinct_relative(rel: PurePosixPath, key: str, suffixes: tuple[str, ...] | None) -> PurePosixPath:
    """Another key already lands on `rel` (`a//b.csv` and `a/b.csv`): this one gets its own name."""
    name = rel.name
    suffix = next((s for s in sorted(suffixes or (), key=len, reverse=True) if name.lower().endswith(s)), "")
    stem = name[: len(name) - len(suffix)] if suffix else name
    return rel.with_name(f"{stem}~{hashlib.sha256(key.encode()).hexdigest()[:8]}{suffix}")


class ObjectsFailed(Exception):
    """Some objects of a store could not be copied; the others were."""


def _write_atomic(dest: Path, data: bytes, mtime: float | None = None) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{dest.name}.part"
    tmp.write_bytes(data)
    if mtime is not None:
        os.utime(tmp, (mtime, mtime))
    os.replace(tmp, dest)


def withdraw(conn, landing: Path, landing_rel: str, reason: str) -> None:
    """A file the provider no longer delivers: remove the local copy and its loaded rows."""
    from dagster_project.ingest import SOURCES

    path = landing / landing_rel
    if path.exists():
        path.unlink()
    folder = landing_rel.split("/", 1)[0]
    spec = SOURCES.get(folder)
    if spec is None or conn is None:
        return
    try:
        ids = [r[0] for r in conn.execute(
            "select file_id from ops.ingest_files where source = ? and path = ? and status = 'loaded'", [spec.name, landing_rel]
        ).fetchall()]
    except duckdb.CatalogException:
        return
    if not ids:
        return
    from dagster_project.ingest import raw_files, registry

    conn.execute("begin transaction")
    try:
        for file_id in ids:
            registry.unload(conn, spec, file_id)
            conn.execute(
                "update ops.ingest_files set status = 'superseded', reason = ? where file_id = ?",
                [f"withdrawn by the pull: {reason}", file_id],
            )
        if spec.file_backed:
            raw_files.refresh_view(conn, spec)
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise
    if spec.file_backed:
        raw_files.prune(conn, spec)


# --- object stores ---------------------------------------------------------------------------

def _pull_store(conn, landing: Path, src: PullSource, result: PullResult, dry_run: bool, log) -> None:
    from dagster_project.ingest import SOURCES

    client = store_client(src)
    missing = client.credentials_missing()
    if missing:
        result.status, result.message = "skipped", missing
        return
    suffixes = src.suffixes
    if suffixes is None and src.landing_folder in SOURCES:
        suffixes = SOURCES[src.landing_folder].suffixes
    known = _known(conn, src.name)
    root = landing / src.landing_folder
    listed: set[str] = set()
    rewritten_parents: set[str] = set()
    # landing path -> the key that owns it, so two keys never write one file
    claimed = {landing_rel: key for key, (_e, _s, landing_rel) in known.items() if landing_rel}
    failed: list[tuple[str, str]] = []
    for obj in client.list_objects():
        if obj.key.endswith("/") or (suffixes and not obj.key.lower().endswith(tuple(suffixes))):
            continue
        rel = _safe_relative(obj.key, src.prefix, suffixes)
        if rel is None:
            log(f"{src.name}: skipping object with an unsafe key: {printable_key(obj.key)}")
            continue
        listed.add(obj.key)
        result.listed += 1
        prev = known.get(obj.key)
        folder_prefix = f"{src.landing_folder}/"
        if prev and prev[2] and prev[2].startswith(folder_prefix):
            rel = PurePosixPath(prev[2][len(folder_prefix):])  # where it landed before
        elif claimed.get(f"{folder_prefix}{rel.as_posix()}", obj.key) != obj.key:
            other = claimed[f"{folder_prefix}{rel.as_posix()}"]
            rel = _distinct_relative(rel, obj.key, suffixes)
            log(f"{src.name}: warning: {printable_key(obj.key)} and {printable_key(other)} map to the same "
                f"landing path; this one lands as {src.landing_folder}/{rel.as_posix()}")
        claimed[f"{folder_prefix}{rel.as_posix()}"] = obj.key
        dest = root / rel
        if prev and prev[0] == obj.etag and prev[1] == obj.size and dest.exists():
            result.unchanged += 1
            continue
        what = "changed" if prev else "new"
        if prev:
            # a rewritten object (not merely a new one: a folder where files accumulate and old ones
            # expire is not a re-export)
            rewritten_parents.add(posixpath.dirname(obj.key))
        if dry_run:
            result.would_fetch.append(f"{obj.key} ({what}, {obj.size:,} bytes) -> {src.landing_folder}/{rel}")
            continue
        tmp = dest.parent / f".{dest.name}.part"
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            client.download(obj.key, tmp)
            if obj.last_modified is not None:
                ts = obj.last_modified.replace(tzinfo=dt.UTC).timestamp()
                os.utime(tmp, (ts, ts))
            os.replace(tmp, dest)
        except Exception as exc:  # noqa: BLE001 - one object failing must not stop the others
            # not recorded in ops.pulled_objects: the next pull tries it again
            reason = redact(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")[:300]
            failed.append((printable_key(obj.key), reason))
            log(f"{src.name}: could not copy {printable_key(obj.key)}: {reason}")
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
            continue
        landing_rel = f"{src.landing_folder}/{rel.as_posix()}"
        _record_object(conn, src.name, obj.key, landing_rel, obj.etag, obj.size, obj.last_modified)
        result.copied.append(landing_rel)
        log(f"{src.name}: copied {printable_key(obj.key)} ({what}, {obj.size:,} bytes) -> {landing_rel}")
    # a rewritten folder that no longer lists an object pulled before: the export replaced it
    for key, (_etag, _size, landing_rel) in sorted(known.items()):
        if key in listed or posixpath.dirname(key) not in rewritten_parents:
            continue
        if dry_run:
            result.would_fetch.append(f"{key} (gone from a rewritten folder: would be withdrawn)")
            continue
        if landing_rel:
            withdraw(conn, landing, landing_rel, f"{key} is no longer in its rewritten folder")
            result.withdrawn.append(landing_rel)
        conn.execute("delete from ops.pulled_objects where source = ? and object_key = ?", [src.name, key])
        log(f"{src.name}: withdrew {landing_rel}: {key} is no longer in its rewritten folder")
    if dry_run:
        result.status = "dry_run"
    if failed:
        detail = "; ".join(f"{k}: {r}" for k, r in failed[:5]) + (f"; and {len(failed) - 5} more" if len(failed) > 5 else "")
        raise ObjectsFailed(f"{len(failed)} object(s) could not be copied and are retried next pull "
                            f"({len(result.copied)} copied): {detail}")


# --- admin APIs ------------------------------------------------------------------------------

def _days(src: PullSource, last: str | None, today: dt.date) -> list[dt.date]:
    lookback_start = today - dt.timedelta(days=max(1, src.lookback_days) - 1)
    if last:
        start = min(dt.date.fromisoformat(last) + dt.timedelta(days=1), lookback_start)
    elif src.start_date:
        start = dt.date.fromisoformat(str(src.start_date))
    else:
        start = today - dt.timedelta(days=max(1, src.backfill_days) - 1)
    return [start + dt.timedelta(days=i) for i in range((today - start).days + 1)]


def _page_bytes(page: dict) -> bytes:
    return (json.dumps(page, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _registry_would_skip(conn, folder: str, data: bytes) -> bool:
    """True when ops.ingest_files knows this exact content only as superseded or quarantined."""
    from dagster_project.ingest import SOURCES

    if conn is None or folder not in SOURCES:
        return False
    try:
        statuses = {r[0] for r in conn.execute(
            "select distinct status from ops.ingest_files where source = ? and content_hash = ?",
            [SOURCES[folder].name, hashlib.sha256(data).hexdigest()]).fetchall()}
    except duckdb.CatalogException:
        return False
    return bool(statuses) and "loaded" not in statuses


def _pull_api(conn, landing: Path, src: PullSource, result: PullResult, dry_run: bool, log,
              today: dt.date | None, sleep) -> dict:
    key = os.environ.get(src.key_env or "")
    cursor = dict(_state(conn, src.name))
    if not key:
        result.status, result.message = "skipped", f"{src.key_env} is not set"
        return cursor
    register_secret(key)
    key = key.strip()  # a key pasted or read from a file with its newline
    if not key or any(c.isspace() or not c.isprintable() for c in key):
        result.status, result.message = "failed", f"{src.key_env} holds whitespace or control characters inside the key; set it to the key alone"
        return cursor
    today = today or dt.datetime.now(dt.UTC).date()
    api = AdminApi(src, key, log=log, **({"sleep": sleep} if sleep else {}))
    known = _known(conn, src.name)
    try:
        for ep_name in src.endpoints:
            ep = ENDPOINTS[(src.kind, ep_name)]
            folder = src.costs_folder if ep.is_cost else src.landing_folder
            days = _days(src, cursor.get(ep_name), today)
            if dry_run:
                result.would_fetch += [f"GET {ep.path} {d} -> {folder}/{src.organization}/{ep.name}/{d}/" for d in days]
                continue
            for day in days:
                base = f"{folder}/{src.organization}/{ep.name}/{day}"
                n_pages = 0
                for i, page in enumerate(api.pages(ep, day)):
                    n_pages = i + 1
                    landing_rel = f"{base}/page-{i:04d}.json"
                    object_key = f"{ep.name}/{day}/page-{i:04d}"
                    data = _page_bytes(page)
                    digest = hashlib.sha256(data).hexdigest()
                    dest = landing / landing_rel
                    result.listed += 1
                    n_results = sum(len(b.get("results") or []) for b in page.get("data") or [] if isinstance(b, dict))
                    if known.get(object_key, (None,))[0] == digest and dest.exists():
                        result.unchanged += 1
                        continue
                    if n_results == 0:
                        # an empty day is not a file (the ingest would quarantine it as having no rows)
                        if dest.exists() or object_key in known:
                            withdraw(conn, landing, landing_rel, "the API now returns no usage for this page")
                            result.withdrawn.append(landing_rel)
                            conn.execute("delete from ops.pulled_objects where source = ? and object_key = ?", [src.name, object_key])
                        else:
                            result.unchanged += 1
                        continue
                    if _registry_would_skip(conn, folder, data):
                        # numbers the registry knows only as superseded or quarantined (e.g. a withdrawn page
                        # that is back): mark this delivery so that it restates the page
                        data = _page_bytes({**page, "x_finops_restated_at": _now().isoformat(timespec="seconds")})
                    _write_atomic(dest, data)
                    # the etag is the hash of the page as the API returned it, so an unchanged page stays unchanged
                    _record_object(conn, src.name, object_key, landing_rel, digest, len(data), None)
                    result.copied.append(landing_rel)
                    log(f"{src.name}: wrote {landing_rel} ({n_results} result(s), {'revised' if object_key in known else 'new'})")
                # fewer pages than last time: the pages past the end are no longer delivered
                stale = sorted(k for k in known if k.startswith(f"{ep.name}/{day}/page-")
                               and int(k.rsplit("-", 1)[1]) >= n_pages)
                for object_key in stale:
                    landing_rel = known[object_key][2]
                    withdraw(conn, landing, landing_rel, "the re-fetched window has fewer pages")
                    result.withdrawn.append(landing_rel)
                    conn.execute("delete from ops.pulled_objects where source = ? and object_key = ?", [src.name, object_key])
                cursor[ep_name] = day.isoformat()
    finally:
        result.requests, result.retries = api.requests, api.retries
    if dry_run:
        result.status = "dry_run"
    return cursor


# --- entry point -----------------------------------------------------------------------------

def pull_sources(conn, landing: Path, sources: list[PullSource], dry_run: bool = False,
                 log: Callable[[str], None] | None = None, run_id: str | None = None,
                 today: dt.date | None = None, sleep=None) -> list[PullResult]:
    """Pull every given source. `conn` may be None for a dry run without a warehouse.
    A source that fails is recorded (and alerted) and does not stop the others."""
    say = (lambda m: log(redact(m))) if log else (lambda _m: None)
    landing = Path(landing).resolve()
    if conn is not None and not dry_run:
        ensure_tables(conn)
    results = []
    for src in sources:
        result = PullResult(src.name, src.kind)
        started = _now()
        cursor = None
        if not src.enabled:
            result.status, result.message = "skipped", "disabled in the pull configuration (enabled: false)"
            results.append(result)
            say(result.summary())
            continue
        try:
            if src.kind in API_KINDS:
                cursor = _pull_api(conn, landing, src, result, dry_run, say, today, sleep)
            elif src.kind in HTTP_KINDS:
                from dagster_project.pull.ecb import pull_ecb

                pull_ecb(conn, landing, src, result, dry_run, say, sleep)
            else:
                _pull_store(conn, landing, src, result, dry_run, say)
        except ImportError as exc:
            result.status = "skipped"
            result.message = f"the {src.kind} SDK is not installed ({exc}): pip install 'finops-platform[pull]'"
        except Exception as exc:  # noqa: BLE001 - one source failing must not stop the others
            result.status = "failed"
            text = str(exc) if isinstance(exc, ApiError | ObjectsFailed) else f"{type(exc).__name__}: {exc}"
            result.message = redact(text.splitlines()[0] if text else type(exc).__name__)[:1000]
            if conn is not None and not dry_run:
                raise_alert(conn, Alert(
                    check_name="pull_failed", severity="error", subject=f"pull {src.name}",
                    message=f"Pulling {src.name} ({src.kind}) failed: {result.message}. What was copied before the "
                    "failure is kept; the next run retries. Files already in the landing folder still load.",
                    details={"source": src.name, "kind": src.kind, "copied": len(result.copied)}, run_id=run_id,
                ))
        if conn is not None and not dry_run:
            _record_state(conn, result, started, cursor if src.kind in API_KINDS else None)
        say(result.summary())
        for line in result.would_fetch:
            say(f"  would fetch {line}")
        results.append(result)
    return results


def pull_freshness(conn, sources: list[PullSource], max_age_hours: float, now: dt.datetime | None = None) -> tuple[dict, list[str]]:
    """Per source: the last successful pull; findings for enabled sources that are stale
    (a success older than max_age_hours, or attempts that never succeeded)."""
    now = now or _now()
    try:
        rows = {r[0]: r[1:] for r in conn.execute(
            "select source, last_success_at, last_attempt_at, last_status, last_message from ops.pull_state").fetchall()}
    except duckdb.CatalogException:
        rows = {}
    report, findings = {}, []
    for src in sources:
        if not src.enabled:
            continue
        last_success, attempt, status, message = rows.get(src.name, (None, None, None, None))
        report[src.name] = last_success.isoformat(sep=" ", timespec="seconds") if last_success else "never"
        if last_success is not None and now - last_success > dt.timedelta(hours=max_age_hours):
            findings.append(
                f"pull {src.name} ({src.kind}): last successful pull {last_success:%Y-%m-%d %H:%M} UTC, "
                f"{(now - last_success).total_seconds() / 3600:.0f} h ago (threshold {max_age_hours:g} h); "
                f"last attempt {attempt:%Y-%m-%d %H:%M} UTC: {status}{': ' + message if message and status != 'ok' else ''}")
        elif last_success is None and status == "failed":
            findings.append(f"pull {src.name} ({src.kind}): has never succeeded; last attempt failed: {message}")
    return report, findings
