"""The nightly job in process for `finops run`: the Dagster instance, the failures it reports,
and the step timings for benchmarks/."""

from __future__ import annotations

import os
from pathlib import Path

from dagster_project import progress
from dagster_project.settings import Settings


def dagster_instance():
    """The Dagster instance in DAGSTER_HOME when it is set (the Makefile sets one): the run, its
    materializations and check results then show in `dagster dev`. Without it, an ephemeral one."""
    from dagster import DagsterInstance

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return DagsterInstance.ephemeral()
    home_dir = Path(home).expanduser().resolve()
    home_dir.mkdir(parents=True, exist_ok=True)
    # the instance of that folder, as DagsterInstance.get() would build it from DAGSTER_HOME
    return DagsterInstance.from_config(str(home_dir))


def execute_pipeline(settings: Settings, quiet: bool = False, months: list[str] | None = None
                     ) -> tuple[bool, list[str], str | None]:
    """Run the nightly in process: ingest_job, then build_job for `months` (None: the months
    whose files changed; all when the project changed). Returns (success, failures, the build
    run's id)."""
    if not quiet:
        progress.enable()
    from dagster_project.definitions import defs
    from dagster_project.jobs import plan_for
    from dagster_project.sensors import CLI_RUN_TAG, alert_in_process_failure

    run_config = {
        "loggers": {"console": {"config": {"log_level": "ERROR"}}},
        "resources": {"warehouse": {"config": settings.resource_config()}},
    }
    failures: list[str] = []
    logs = []
    run_id = None
    with dagster_instance() as instance:
        for name in ("ingest_job", "build_job"):
            tags = {CLI_RUN_TAG: "finops run"}
            if name == "build_job":
                _, build_tags, _ = plan_for(settings, months)
                tags.update(build_tags)
            result = defs.resolve_job_def(name).execute_in_process(
                instance=instance, raise_on_error=False, run_config=run_config, tags=tags)
            # the run-failure sensor does not see in-process runs: alert here
            alert_in_process_failure(settings, result)
            failures += _failures_of(result)
            logs += instance.all_logs(result.run_id)
            run_id = result.run_id
            if not result.success:
                if not failures:
                    failures.append(f"the {name} run failed; see the Dagster logs")
                break
        failures = condense_failures(settings, failures)
        _write_step_timings(logs)
    return not failures, failures, run_id


def _failures_of(result) -> list[str]:
    failures = []
    for ev in result.get_asset_check_evaluations():
        if not ev.passed and ev.severity.value == "ERROR":
            failures.append(f"check {ev.check_name} on {ev.asset_key.to_user_string()}: {ev.description or ''}".strip())
    for ev in result.all_events:
        if ev.is_step_failure:
            failures.append(f"step {ev.step_key} failed: {ev.event_specific_data.error.message.strip()[:2000]}")
    return failures


def condense_failures(settings: Settings, failures: list[str]) -> list[str]:
    """Another process holding the warehouse fails every later step with a wrapper error each;
    say the cause once, by PID."""
    from dagster_project.warehouse import lock_holder, locked_message

    holders = [h for h in (lock_holder(f) for f in failures) if h]
    if not holders:
        return failures
    return [locked_message(settings.warehouse, holders[0])]


def _write_step_timings(events) -> None:
    """Per-step wall seconds (for benchmarks/): FINOPS_TIMINGS_FILE=path.json."""
    path = os.environ.get("FINOPS_TIMINGS_FILE")
    if not path:
        return
    import json

    starts, timings = {}, {}
    for entry in events:
        ev = entry.dagster_event
        if ev is None:
            continue
        if ev.event_type_value == "STEP_START":
            starts[ev.step_key] = entry.timestamp
        elif ev.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and ev.step_key in starts:
            timings[ev.step_key] = round(entry.timestamp - starts[ev.step_key], 3)
    Path(path).write_text(json.dumps(timings, indent=2))

