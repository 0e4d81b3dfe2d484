"""Object stores (S3, Cloud Storage, Azure Blob): list the objects below the prefix, download
the new or changed ones into the landing folder, withdraw what a rewritten folder no longer lists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import posixpath
from pathlib import Path, PurePosixPath

from dagster_project.alerting import redact
from dagster_project.pull.config import PullSource
from dagster_project.pull.state import PullResult, pulled_objects, record_object, withdraw
from dagster_project.pull.stores import store_client

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


def safe_relative(key: str, prefix: str, suffixes: tuple[str, ...] | None = None) -> PurePosixPath | None:
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


def pull_store(conn, landing: Path, src: PullSource, result: PullResult, dry_run: bool, log) -> None:
    from dagster_project.ingest import SOURCES

    client = store_client(src)
    missing = client.credentials_missing()
    if missing:
        result.status, result.message = "skipped", missing
        return
    suffixes = src.suffixes
    if suffixes is None and src.landing_folder in SOURCES:
        suffixes = SOURCES[src.landing_folder].suffixes
    known = pulled_objects(conn, src.name)
    root = landing / src.landing_folder
    listed: set[str] = set()
    rewritten_parents: set[str] = set()
    # landing path -> the key that owns it, so two keys never write one file
    claimed = {landing_rel: key for key, (_e, _s, landing_rel) in known.items() if landing_rel}
    failed: list[tuple[str, str]] = []
    for obj in client.list_objects():
        if obj.key.endswith("/") or (suffixes and not obj.key.lower().endswith(tuple(suffixes))):
            continue
        rel = safe_relative(obj.key, src.prefix, suffixes)
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
        record_object(conn, src.name, obj.key, landing_rel, obj.etag, obj.size, obj.last_modified)
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
