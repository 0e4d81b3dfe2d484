"""Alert on every failed run: ops.alerts and Slack, like a failed check.

Under `dagster dev` / the daemon, `run_failure_alert_sensor` fires for every failed run of
this code location. `finops run` executes in process (no daemon): it can call
`alert_run_failure` itself with the failed steps.
"""

import time

import dagster as dg
import duckdb

from dagster_project import progress
from dagster_project.alerting import Alert, post_to_slack, raise_alert, redact
from dagster_project.jobs import build_job
from dagster_project.settings import Settings
from dagster_project.warehouse import explain_open_error, lock_holder, open_warehouse

WAREHOUSE_WAIT_SECONDS = 60.0


def run_failure_alert(job_name: str, run_id: str, reason: str, step_errors: list[tuple[str, str]]) -> Alert:
    lines = [f"Run {run_id[:8]} of {job_name} failed: {redact(reason.strip().splitlines()[0] if reason.strip() else 'no reason given')}"]
    for step, error in step_errors[:5]:
        first = redact(error.strip().splitlines()[0] if error.strip() else "")[:300]
        lines.append(f"- step {step}: {first}")
    if len(step_errors) > 5:
        lines.append(f"- ... and {len(step_errors) - 5} more failed steps")
    lines.append("Checks after the failed steps did not run, so today's figures are not verified. Fix the cause and rerun "
                 "(`finops run`, or re-execute from failure in the Dagster UI).")
    lines.append(f"Look: the run {run_id} in the Dagster UI (Runs), or select * from ops.alerts where run_id = '{run_id}'")
    return Alert(check_name="run_failed", severity="error", subject=job_name, message="\n".join(lines),
                 details={"job": job_name, "run_id": run_id, "failed_steps": [s for s, _ in step_errors]}, run_id=run_id)


def alert_run_failure(settings: Settings, alert: Alert, wait_seconds: float = WAREHOUSE_WAIT_SECONDS) -> str:
    """Write the alert to ops.alerts (waiting for another writer to finish) and post it; never raises
    for a locked warehouse: then the alert is still posted to Slack."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            with open_warehouse(settings.warehouse) as conn:
                return raise_alert(conn, alert)
        except (duckdb.Error, OSError) as exc:
            # a lock may be released soon; a full disk or a damaged file will not
            if lock_holder(str(exc)) and time.monotonic() < deadline:
                time.sleep(1.0)
                continue
            progress.say(f"run-failure alert not recorded in ops.alerts: {explain_open_error(settings.warehouse, exc)}")
            break
    status, _ = post_to_slack(alert)
    return status


def _root_message(error) -> str:
    """The user's exception, not Dagster's wrapper around it."""
    while error is not None and error.cause is not None:
        error = error.cause
    return error.message if error is not None else ""


@dg.run_failure_sensor(
    name="run_failure_alert_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Writes an ops.alerts row and posts to Slack (FINOPS_SLACK_WEBHOOK_URL) for every failed run.",
)
def run_failure_alert_sensor(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    steps = [(ev.step_key or "?", _root_message(ev.event_specific_data.error if ev.event_specific_data else None))
             for ev in context.get_step_failure_events()]
    reason = context.failure_event.message or "the run failed"
    alert = run_failure_alert(run.job_name, run.run_id, reason, steps)
    status = alert_run_failure(Settings.from_env(), alert)
    context.log.info(f"run failure alert for {run.run_id}: delivery {status}")


def alert_in_process_failure(settings: Settings, result) -> str | None:
    """For `finops run` (execute_in_process, no daemon to run the sensor): alert when steps failed.
    Returns the delivery status, or None when no step failed (failed checks alert themselves)."""
    steps = [(ev.step_key or "?", _root_message(ev.event_specific_data.error if ev.event_specific_data else None))
             for ev in result.all_events if ev.is_step_failure]
    if not steps:
        return None
    reason = f"Steps failed: {[s for s, _ in steps]}."
    return alert_run_failure(settings, run_failure_alert(result.job_def.name, result.run_id, reason, steps), wait_seconds=10)


# `finops run` tags its runs and publishes in process; runs the daemon started (schedule, sensor,
# the UI's launchpad) are published here, after the run succeeded
CLI_RUN_TAG = "finops/command"
PUBLISH_LOCK_WAIT_SECONDS = 600.0


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[build_job],
    name="publish_after_run_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Write-audit-publish for build_job runs the daemon started: publishes the copy BI reads "
    "(<warehouse folder>/published/) when no error-level check failed in the run, else alerts publish_blocked.",
)
def publish_after_run_sensor(context: dg.RunStatusSensorContext):
    run = context.dagster_run
    if run.tags.get(CLI_RUN_TAG):
        return dg.SkipReason(f"run {run.run_id[:8]} came from `{run.tags[CLI_RUN_TAG]}`, which publishes itself")
    from dagster_project.cli import run_lock
    from dagster_project.publish import audit_and_publish, blocking_failures_of_run

    settings = Settings.from_env()
    failures = blocking_failures_of_run(context.instance, run.run_id)
    with run_lock(settings.warehouse, PUBLISH_LOCK_WAIT_SECONDS):
        lines, _ = audit_and_publish(settings, failures, run.run_id)
    for line in lines:
        context.log.info(line.strip())
    return None
