"""The one Dagster code location: assembles assets, checks, jobs, schedules and sensors."""

import dagster as dg

from dagster_project.assets.dbt import finops_dbt_assets
from dagster_project.assets.ingest import ingest_assets
from dagster_project.checks.balance import daily_zero_balance, monthly_zero_balance
from dagster_project.checks.conservation import per_file_conservation
from dagster_project.jobs import nightly_job, nightly_schedule, landing_files_sensor
from dagster_project.resources import build_resources

defs = dg.Definitions(
    assets=[*ingest_assets, finops_dbt_assets],
    asset_checks=[per_file_conservation, daily_zero_balance, monthly_zero_balance],
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[landing_files_sensor],
    resources=build_resources(),
)
