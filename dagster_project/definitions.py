"""The one Dagster code location: assembles assets, checks, jobs, schedules and sensors."""

import dagster as dg

from dagster_project.assets.dbt import finops_dbt_assets
from dagster_project.assets.fx import fx_ecb_rates
from dagster_project.assets.ingest import ingest_assets
from dagster_project.assets.pull import pull_assets
from dagster_project.assets.tei import tei_monte_carlo
from dagster_project.checks.balance import daily_zero_balance, monthly_zero_balance
from dagster_project.checks.conservation import per_file_conservation
from dagster_project.checks.containers import container_split_conservation
from dagster_project.checks.fx import fx_rates_carried_forward
from dagster_project.checks.gx_suites import gx_checks
from dagster_project.checks.late_data import late_data
from dagster_project.checks.llm_bill import llm_cost_gap
from dagster_project.checks.reference_coverage import unmapped_reference_values
from dagster_project.checks.schema_drift import (
    schema_drift_checks,
    unknown_line_item_types,
)
from dagster_project.checks.spikes import daily_cost_spikes
from dagster_project.checks.tokens import ungrouped_token_usage
from dagster_project.jobs import build_job, changed_months_sensor, ingest_job, landing_files_sensor, nightly_schedule
from dagster_project.resources import build_resources
from dagster_project.sensors import publish_after_run_sensor, run_failure_alert_sensor

defs = dg.Definitions(
    assets=[*pull_assets, fx_ecb_rates, *ingest_assets, finops_dbt_assets, tei_monte_carlo],
    asset_checks=[per_file_conservation, daily_zero_balance, monthly_zero_balance,
                  *gx_checks, late_data, *schema_drift_checks, unknown_line_item_types, daily_cost_spikes,
                  fx_rates_carried_forward, ungrouped_token_usage, unmapped_reference_values, llm_cost_gap,
                  container_split_conservation],
    jobs=[ingest_job, build_job],
    schedules=[nightly_schedule],
    sensors=[landing_files_sensor, changed_months_sensor, run_failure_alert_sensor, publish_after_run_sensor],
    resources=build_resources(),
)
