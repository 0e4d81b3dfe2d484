"""Dagster resources: the warehouse and landing folder (from the environment) and dbt."""

from __future__ import annotations

import contextlib
import importlib.metadata
from collections.abc import Iterator
from functools import cached_property

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from packaging import version

from dagster_project.dbt_project import dbt_executable, dbt_project
from dagster_project.settings import Settings
from dagster_project.warehouse import open_warehouse


class FinopsWarehouse(dg.ConfigurableResource):
    """Paths come from FINOPS_LANDING_DIR / FINOPS_WAREHOUSE at run time unless set here."""

    landing_dir: str | None = None
    warehouse: str | None = None

    def settings(self) -> Settings:
        base = Settings.from_env()
        from pathlib import Path

        return Settings(
            landing_dir=Path(self.landing_dir).resolve() if self.landing_dir else base.landing_dir,
            warehouse=Path(self.warehouse).resolve() if self.warehouse else base.warehouse,
            reporting_currency=base.reporting_currency,
            slack_webhook_url=base.slack_webhook_url,
            dbt_target=base.dbt_target,
        )

    @contextlib.contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with open_warehouse(self.settings().warehouse, read_only=read_only) as conn:
            yield conn


class FinopsDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource without the in-process dbt adapter it opens for each build
    (for row-count and column metadata this project does not request): ~4 s of imports and
    profile loading in the Dagster process, while the build itself runs in the dbt subprocess."""

    def _initialize_dbt_core_adapter(self, args):
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        # dagster-dbt asks `dbt --version` before each build: a second dbt start-up (~2 s) to
        # learn what the installed dbt-core package says (the executable is this venv's)
        return version.parse(importlib.metadata.version("dbt-core"))


def build_resources() -> dict:
    return {
        "warehouse": FinopsWarehouse(),
        "dbt": FinopsDbtCliResource(
            project_dir=dbt_project, profiles_dir=str(dbt_project.project_dir), dbt_executable=dbt_executable()
        ),
    }
