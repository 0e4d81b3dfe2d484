"""Admin APIs (OpenAI, Anthropic): one request per UTC day window and endpoint, every page
written to `<folder>/<organization>/<endpoint>/<YYYY-MM-DD>/page-NNNN.json`; the last
`lookback_days` again on every pull, a page no longer returned is withdrawn."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import duckdb

from dagster_project.alerting import register_secret
from dagster_project.pull.api import ENDPOINTS, AdminApi
from dagster_project.pull.config import PullSource
from dagster_project.pull.state import (
    PullResult,
    cursor_state,
    pulled_objects,
    record_object,
    utc_now,
    withdraw,
    write_atomic,
)


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


def pull_api(conn, landing: Path, src: PullSource, result: PullResult, dry_run: bool, log,
              today: dt.date | None, sleep) -> dict:
    key = os.environ.get(src.key_env or "")
    cursor = dict(cursor_state(conn, src.name))
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
    known = pulled_objects(conn, src.name)
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
                        data = _page_bytes({**page, "x_finops_restated_at": utc_now().isoformat(timespec="seconds")})
                    write_atomic(dest, data)
                    # the etag is the hash of the page as the API returned it, so an unchanged page stays unchanged
                    record_object(conn, src.name, object_key, landing_rel, digest, len(data), None)
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
