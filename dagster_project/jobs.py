"""The nightly job, its schedule and the sensor that starts a run when files land."""

from __future__ import annotations

import hashlib
import os

import dagster as dg

from dagster_project.settings import Settings

nightly_job = dg.define_asset_job(
    name="nightly_job",
    selection=dg.AssetSelection.all(),
    # one DuckDB writer at a time: ingest, dbt and checks run in one process, in order
    executor_def=dg.in_process_executor,
    description="Ingest every landing folder, build FOCUS, allocation, token and TEI marts, run all checks.",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_schedule",
    job=nightly_job,
    cron_schedule=os.environ.get("FINOPS_SCHEDULE_CRON", "0 3 * * *"),
    execution_timezone=os.environ.get("FINOPS_SCHEDULE_TZ", "Asia/Tokyo"),
    default_status=dg.DefaultScheduleStatus.RUNNING,
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


@dg.sensor(job=nightly_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Starts the nightly job when files in the landing folder are added or changed.")
def landing_files_sensor(context: dg.SensorEvaluationContext):
    fingerprint = landing_fingerprint(Settings.from_env())
    if fingerprint == context.cursor:
        return dg.SkipReason("no new or changed landing files")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint[:16])
