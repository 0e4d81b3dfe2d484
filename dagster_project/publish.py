"""Write-audit-publish: BI reads a copy of the warehouse whose build passed every error-level check.

`finops run` builds in the working warehouse (FINOPS_WAREHOUSE) and runs every check; only when
no error-level check failed does it publish `<published folder>/<warehouse file name>`
(FINOPS_PUBLISHED_DIR, default `<warehouse folder>/published/`). The copy's views read the
published folder's own links to the files behind them (the parquet_file models' files, the raw
store), never the working ones, which later builds replace and delete.

The file work (links, view rewrites, the check that the copy reads alone, pruning) is in
publish_files.py. The swap: the files are linked first (hard links under their unique names; copied when the
folders are on different filesystems), then the DuckDB copy is written and read back under a
temporary name, then renamed over the published one (atomic on one filesystem). A reader that
holds the previous copy open keeps reading it: Linux keeps a renamed-over file's data while it is
open, and the files that copy's views read are kept until the publish after next.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dagster_project import publish_files as pf
from dagster_project.publish_files import PublishError
from dagster_project.warehouse import open_warehouse

__all__ = [
    "AUDIT_STATE_KEY", "Publication", "PublishError", "audit_and_publish", "blocking_failures_of_run", "last_audit",
    "manifest_path", "publish", "published_dir", "published_path", "read_manifest", "record_audit", "short_failure",
]

AUDIT_STATE_KEY = "publish_audit"


@dataclass
class Publication:
    path: Path
    published_at: str
    run_id: str | None
    files: list[str] = field(default_factory=list)
    linked: int = 0
    copied: int = 0
    removed: int = 0


def published_dir(warehouse: Path) -> Path:
    configured = os.environ.get("FINOPS_PUBLISHED_DIR")
    return Path(configured).resolve() if configured else Path(warehouse).resolve().parent / "published"


def published_path(warehouse: Path) -> Path:
    return published_dir(warehouse) / Path(warehouse).name


def manifest_path(warehouse: Path) -> Path:
    return published_dir(warehouse) / f"{Path(warehouse).stem}.publish.json"


def read_manifest(warehouse: Path) -> dict | None:
    path = manifest_path(warehouse)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def publish(warehouse: Path, run_id: str | None = None) -> Publication:
    """Publish the working warehouse for BI (the caller holds the run lock and has audited the build)."""
    warehouse = Path(warehouse).resolve()
    if not warehouse.exists():
        raise PublishError(f"warehouse {warehouse} does not exist: run `finops run` first")
    target_dir = published_dir(warehouse)
    if target_dir == warehouse.parent:
        raise PublishError(f"the published folder {target_dir} is the warehouse's own folder: choose another FINOPS_PUBLISHED_DIR")
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / warehouse.name
    for stale in target_dir.glob(f".{warehouse.name}.*.tmp*"):  # a publish killed half way
        stale.unlink(missing_ok=True)

    # the working warehouse, checkpointed: the file alone then holds the whole build
    with open_warehouse(warehouse) as conn:
        conn.execute("checkpoint")
        folders = pf.file_folders(conn)
        views_sql = "\n".join(sql for _, _, sql in pf.views(conn))
        referenced = pf.referenced(views_sql, folders)
    names = [f.name for f in folders]
    if len(set(names)) != len(names):
        raise PublishError(f"the model files and raw store folders share a name ({', '.join(names)}): move one")

    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    pub = Publication(path=target, published_at=published_at.isoformat(), run_id=run_id)
    for folder, path in referenced:
        rel = Path(folder.name) / path.relative_to(folder)
        how = pf.link(path, target_dir / rel)
        pub.linked += how == "linked"
        pub.copied += how == "copied"
        pub.files.append(str(rel))
    mapping = {f"'{pf.sql_text(str(folder))}/": f"'{pf.sql_text(str(target_dir / folder.name))}/" for folder in folders}

    staging = target_dir / f".{warehouse.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        shutil.copyfile(warehouse, staging)
        conn = duckdb.connect(str(staging))
        try:
            pf.rewrite_views(conn, mapping)
            conn.execute("create schema if not exists ops")
            conn.execute("create or replace table ops.published_copy as select ? as published_at, ? as run_id, ? as source_warehouse",
                         [published_at, run_id, str(warehouse)])
            conn.execute("checkpoint")
        finally:
            conn.close()
        pf.verify(staging, list(mapping))
        pf.fsync(staging)
        os.replace(staging, target)
        pf.fsync(target_dir)
    finally:
        for leftover in target_dir.glob(f"{staging.name}*"):
            leftover.unlink(missing_ok=True)

    previous = read_manifest(warehouse) or {}
    manifest = {"published_at": pub.published_at, "run_id": run_id, "warehouse": str(warehouse),
                "published": str(target), "files": pub.files}
    staged_manifest = manifest_path(warehouse).with_suffix(".json.tmp")
    staged_manifest.write_text(json.dumps(manifest, indent=2))
    os.replace(staged_manifest, manifest_path(warehouse))
    pub.removed = pf.prune(target_dir, names, set(pub.files) | set(previous.get("files", [])))
    return pub


# --- the audit: what the last run's checks said about the build in the working warehouse

def record_audit(warehouse: Path, run_id: str | None, blocking: list[str]) -> None:
    """Remember whether the build passed its audit. A failed audit also forgets the dbt build
    fingerprint, so that the next run rebuilds and checks again instead of skipping dbt (and
    with it the checks) and publishing a build that failed its audit."""
    value = json.dumps({"run_id": run_id, "passed": not blocking, "blocking": blocking})
    with open_warehouse(warehouse) as conn:
        conn.execute("insert or replace into ops.pipeline_state values (?, ?, current_timestamp)", [AUDIT_STATE_KEY, value])
        if blocking:
            conn.execute("delete from ops.pipeline_state where key = 'dbt_build_fingerprint'")


def last_audit(warehouse: Path) -> dict | None:
    with open_warehouse(warehouse, read_only=True) as conn:
        try:
            row = conn.execute("select value from ops.pipeline_state where key = ?", [AUDIT_STATE_KEY]).fetchone()
        except duckdb.CatalogException:  # a warehouse no run has written to
            return None
    return json.loads(row[0]) if row else None


# --- the decision: publish an audited build, or keep the last good copy and say why

def short_failure(failure: str) -> str:
    """'check daily_zero_balance on marts/...: ...' -> 'check daily_zero_balance'."""
    words = failure.split()
    if len(words) >= 2 and words[0] == "check":
        return f"check {words[1]}"
    if len(words) >= 2 and words[0] == "step":
        # 'step finops_dbt_assets failed: dbt build failed: test assert_x; see ...' -> with its cause
        detail = failure.split("failed: ", 1)[1].split(";")[0].splitlines()[0].strip() if "failed: " in failure else ""
        detail = re.sub(r"^[\w.]+(Failure|Error|Exception): ", "", detail)
        return f"step {words[1]} ({detail[:200]})" if detail else f"step {words[1]}"
    return failure.splitlines()[0][:120]


def audit_and_publish(settings, failures: list[str], run_id: str | None) -> tuple[list[str], list[str]]:
    """Write-audit-publish: with no blocking failure, publish the build for BI; otherwise keep the
    last good published copy and alert. Returns (summary lines, failures incl. a failed publish)."""
    from dagster_project import progress
    from dagster_project.alerting import Alert
    from dagster_project.sensors import alert_run_failure
    from dagster_project.warehouse import explain_open_error

    target = published_path(settings.warehouse)
    try:
        record_audit(settings.warehouse, run_id, failures)
    except (duckdb.Error, OSError) as exc:  # e.g. held by another process: the failures say so already
        progress.say(f"audit not recorded: {explain_open_error(settings.warehouse, exc)}")
    if failures:
        previous = read_manifest(settings.warehouse)
        kept = (f"the copy published {previous['published_at']} UTC (run {str(previous.get('run_id'))[:8]})"
                if previous and target.exists() else "no copy (none published yet)")
        names = sorted({short_failure(f) for f in failures})
        message = (f"The build of run {str(run_id)[:8]} was not published for BI: blocked by {', '.join(names)}. "
                   f"BI keeps reading {kept} at {target}. Fix the cause and rerun `finops run`.")
        alert_run_failure(settings, Alert(check_name="publish_blocked", severity="error", subject=str(target), message=message,
                                          details={"blocking": names, "published": str(target)}, run_id=run_id),
                          wait_seconds=5.0)
        progress.say(f"publish: blocked by {', '.join(names)}")
        return [f"  published for BI:   not updated, blocked by {', '.join(names)}",
                f"                      BI keeps {kept}"], failures
    progress.say(f"publish: writing {target}")
    try:
        pub = publish(settings.warehouse, run_id)
    except (PublishError, duckdb.Error, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        message = f"The audited build of run {str(run_id)[:8]} could not be published to {target}: {reason}. The previous copy stays."
        alert_run_failure(settings, Alert(check_name="publish_failed", severity="error", subject=str(target), message=message,
                                          run_id=run_id), wait_seconds=5.0)
        return [f"  published for BI:   FAILED ({reason}); the previous copy stays"], [f"publish failed: {reason}"]
    return [f"  published for BI:   {pub.path} (read-only copy, {len(pub.files)} linked file(s))"], []


def blocking_failures_of_run(instance, run_id: str) -> list[str]:
    """The error-level asset checks that failed in a run on `instance` (for runs the daemon started)."""
    import dagster as dg

    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    failures = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if not evaluation.passed and evaluation.severity.value == "ERROR":
            failures.append(f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()}: "
                            f"{evaluation.description or ''}".strip())
    return failures
