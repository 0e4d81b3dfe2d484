"""The nightly's two jobs, its schedule and the sensors that start them.

`ingest_job` pulls and loads the landed files (no partitions: a file, not a month, is what
arrives). `build_job` builds and checks the warehouse for some months (the dbt assets are
partitioned by month, dagster_project/partitions.py): the changed-months sensor requests it for
the months whose files changed, a Dagster backfill for a range, `finops run` for both in turn.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from dagster_project.settings import Settings

INGEST_GROUPS = ("pull", "ingest")

ingest_selection = dg.AssetSelection.groups(*INGEST_GROUPS) | dg.AssetSelection.key_prefixes(["pull"], ["raw"])

ingest_job = dg.define_asset_job(
    name="ingest_job",
    selection=ingest_selection,
    # one DuckDB writer at a time: the steps run in one process, in order
    executor_def=dg.in_process_executor,
    description="Pull the configured exports and the ECB rates, load every new or changed landing file, check the files.",
)

build_job = dg.define_asset_job(
    name="build_job",
    selection=dg.AssetSelection.all() - ingest_selection,
    executor_def=dg.in_process_executor,
    description="Build FOCUS, allocation, token and TEI marts for some months (the run's `finops/months` tag, "
                "else its partition range), run all checks.",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_schedule",
    job=ingest_job,
    cron_schedule=os.environ.get("FINOPS_SCHEDULE_CRON", "0 3 * * *"),
    execution_timezone=os.environ.get("FINOPS_SCHEDULE_TZ", "Asia/Tokyo"),
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Each night: ingest; the changed-months sensor then builds the months the new files name.",
)


def landing_fingerprint(settings: Settings) -> str:
    h = hashlib.sha256()
    root = settings.landing_dir
    if root.is_dir():
        for p in sorted(root.rglob("*")):
            if p.is_file():
                st = p.stat()
                h.update(f"{p.relative_to(root)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


@dg.sensor(job=ingest_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Starts the ingest when files in the landing folder are added or changed.")
def landing_files_sensor(context: dg.SensorEvaluationContext):
    fingerprint = landing_fingerprint(Settings.from_env())
    if fingerprint == context.cursor:
        return dg.SkipReason("no new or changed landing files")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint[:16])


def plan_for(settings: Settings, requested: list[str] | None = None) -> tuple[str, dict[str, str], str]:
    """(plan kind, the build run's tags, a key of the state planned from) for the warehouse as
    it is: the requested months, else the months whose files changed (all when the project
    changed; 'skip' when nothing did)."""
    from dagster_project import partitions
    from dagster_project.assets.dbt import build_fingerprint, stale_model_files
    from dagster_project.dbt_project import dbt_project
    from dagster_project.warehouse import open_warehouse

    # read-only: a running build holds the writer lock
    with open_warehouse(settings.warehouse, read_only=True) as conn:
        fingerprint = build_fingerprint(conn, Path(dbt_project.manifest_path), settings)
        kind, months = partitions.plan(conn, fingerprint, bool(stale_model_files(conn)), requested)
        tags = partitions.run_tags(conn, kind, months)
        state = sorted(partitions.month_fingerprints(conn, fingerprint).items())
    # the same state asks for the same run once (a failed build is not retried until a file changes)
    key = hashlib.sha256(json.dumps([fingerprint, tags, state]).encode()).hexdigest()[:16]
    return kind, tags, key


def build_request(settings: Settings) -> dg.RunRequest | dg.SkipReason:
    """A build_job run for the months whose files changed since their last build (all months
    when the project changed), or why none is needed."""
    if not settings.warehouse.exists():
        return dg.SkipReason(f"no warehouse yet at {settings.warehouse}")
    kind, tags, key = plan_for(settings)
    if kind == "skip":
        return dg.SkipReason("every month is built from its current files")
    return dg.RunRequest(run_key=key, tags=tags)


@dg.sensor(job=build_job, minimum_interval_seconds=120, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Starts build_job for the months whose files changed (new, restated, superseded or withdrawn), "
                       "after an ingest.")
def changed_months_sensor(context: dg.SensorEvaluationContext):
    return build_request(Settings.from_env())
