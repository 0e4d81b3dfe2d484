"""Dagster resources: the warehouse and landing folder (from `Settings`) and dbt."""

from __future__ import annotations

import contextlib
import importlib.metadata
import sys
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliInvocation, DbtCliResource
from packaging import version

from dagster_project.dbt_project import dbt_executable, dbt_project
from dagster_project.settings import Settings
from dagster_project.warehouse import open_warehouse


class FinopsWarehouse(dg.ConfigurableResource):
    """The warehouse and landing folder. `finops run` sets every field from its `Settings`
    (run config); a field left unset (`dagster dev`, the daemon) comes from the environment."""

    landing_dir: str | None = None
    warehouse: str | None = None
    reporting_currency: str | None = None
    dbt_target: str | None = None
    duckdb_temp_dir: str | None = None

    def settings(self) -> Settings:
        base = Settings.from_env()
        return Settings(
            landing_dir=Path(self.landing_dir).resolve() if self.landing_dir else base.landing_dir,
            warehouse=Path(self.warehouse).resolve() if self.warehouse else base.warehouse,
            reporting_currency=self.reporting_currency or base.reporting_currency,
            slack_webhook_url=base.slack_webhook_url,
            dbt_target=self.dbt_target or base.dbt_target,
            duckdb_temp_dir=Path(self.duckdb_temp_dir).resolve() if self.duckdb_temp_dir else base.duckdb_temp_dir,
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

    def cli(self, args, *, env: Mapping[str, str] | None = None, **kwargs) -> DbtCliInvocation:
        """dagster-dbt's `cli` with `env`: variables for the dbt subprocess only. dagster-dbt
        0.29 builds the subprocess environment from os.environ and takes no env of its own
        (its maintainers suggest setting os.environ around the call: dagster PR #29656); this
        project never writes the process environment, so the variables are added to the one
        `DbtCliInvocation.run` receives, for this call."""
        if not env:
            return super().cli(args, **kwargs)
        extra = dict(env)

        class _WithEnv(DbtCliInvocation):
            @classmethod
            def run(cls, *run_args, **run_kwargs):
                run_kwargs["env"] = {**run_kwargs["env"], **extra}
                return DbtCliInvocation.run(*run_args, **run_kwargs)

        module = sys.modules[DbtCliResource.__module__]
        original = module.DbtCliInvocation
        module.DbtCliInvocation = _WithEnv
        try:
            return super().cli(args, **kwargs)
        finally:
            module.DbtCliInvocation = original

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
