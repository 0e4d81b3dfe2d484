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
from collections.abc import Callable
from pathlib import Path

import duckdb

from dagster_project.alerting import Alert, raise_alert, redact
from dagster_project.pull.api import ApiError
from dagster_project.pull.config import API_KINDS, HTTP_KINDS, PullSource
from dagster_project.pull.objects import ObjectsFailed, pull_store
from dagster_project.pull.pages import pull_api
from dagster_project.pull.state import PullResult, ensure_tables, record_state, utc_now

__all__ = ["PullResult", "pull_freshness", "pull_sources"]


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
        started = utc_now()
        cursor = None
        if not src.enabled:
            result.status, result.message = "skipped", "disabled in the pull configuration (enabled: false)"
            results.append(result)
            say(result.summary())
            continue
        try:
            if src.kind in API_KINDS:
                cursor = pull_api(conn, landing, src, result, dry_run, say, today, sleep)
            elif src.kind in HTTP_KINDS:
                from dagster_project.pull.ecb import pull_ecb

                pull_ecb(conn, landing, src, result, dry_run, say, sleep)
            else:
                pull_store(conn, landing, src, result, dry_run, say)
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
            record_state(conn, result, started, cursor if src.kind in API_KINDS else None)
        say(result.summary())
        for line in result.would_fetch:
            say(f"  would fetch {line}")
        results.append(result)
    return results


def pull_freshness(conn, sources: list[PullSource], max_age_hours: float, now: dt.datetime | None = None) -> tuple[dict, list[str]]:
    """Per source: the last successful pull; findings for enabled sources that are stale
    (a success older than max_age_hours, or attempts that never succeeded)."""
    now = now or utc_now()
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
