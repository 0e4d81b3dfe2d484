"""`finops`: a thin command line over the Dagster definitions and the warehouse.

One module per group of subcommands (`run`, `pull`, `outputs`, `prices`); the helpers they share
are in `common`, the in-process nightly job in `pipeline`, the run summary in `summary`.
"""

from __future__ import annotations

import click

from dagster_project.cli.common import run_lock
from dagster_project.cli.outputs import estimate, export, report
from dagster_project.cli.pipeline import condense_failures, dagster_instance, execute_pipeline
from dagster_project.cli.prices import prices
from dagster_project.cli.pull import pull
from dagster_project.cli.run import demo, publish_command, run, sample
from dagster_project.cli.summary import EXCLUDED_SQL, print_summary

__all__ = [
    "EXCLUDED_SQL", "condense_failures", "dagster_instance", "execute_pipeline", "main", "print_summary", "run_lock",
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """FinOps pipeline: cloud bills and LLM token logs to FOCUS 1.2, zero-balance chargeback, TEI."""


for _command in (sample, run, publish_command, pull, estimate, demo, report, export, prices):
    main.add_command(_command)
