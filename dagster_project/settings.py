"""Paths and options (the contract in docs/design.md), read from the environment once.

`finops` builds one `Settings` from its options and the environment and hands it on: to the
Dagster resources as run config (`resource_config`), to dbt as the subprocess environment
(`dbt_env`). Nothing writes the process environment; `dagster dev` and the daemon, which have
no command line, read the same variables through `Settings.from_env`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    reporting_currency: str
    slack_webhook_url: str | None
    dbt_target: str
    # DuckDB spills here; next to the warehouse unless the user chose a place
    duckdb_temp_dir: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        landing = Path(env.get("FINOPS_LANDING_DIR", REPO_ROOT / "data" / "landing"))
        warehouse = Path(env.get("FINOPS_WAREHOUSE", REPO_ROOT / "data" / "warehouse" / "finops.duckdb"))
        temp = env.get("FINOPS_DUCKDB_TEMP_DIR")
        return cls(
            landing_dir=landing.resolve(),
            warehouse=warehouse.resolve(),
            reporting_currency=env.get("FINOPS_REPORTING_CURRENCY", "USD"),
            slack_webhook_url=env.get("FINOPS_SLACK_WEBHOOK_URL") or None,
            dbt_target=env.get("FINOPS_DBT_TARGET", "duckdb"),
            duckdb_temp_dir=Path(temp).resolve() if temp else None,
        )

    def with_paths(self, landing: str | Path | None = None, warehouse: str | Path | None = None) -> Settings:
        """These settings with the paths a command line gave (absolute)."""
        changes: dict = {}
        if landing:
            changes["landing_dir"] = Path(landing).resolve()
        if warehouse:
            changes["warehouse"] = Path(warehouse).resolve()
        return dataclasses.replace(self, **changes)

    @property
    def temp_dir(self) -> Path:
        return self.duckdb_temp_dir or self.warehouse.parent / "duckdb_tmp"

    def resource_config(self) -> dict[str, str]:
        """Run config of the `warehouse` resource. No secret goes here: run config is stored
        with the run in the Dagster instance (the webhook URL stays in the environment)."""
        return {
            "landing_dir": str(self.landing_dir),
            "warehouse": str(self.warehouse),
            "reporting_currency": self.reporting_currency,
            "dbt_target": self.dbt_target,
            "duckdb_temp_dir": str(self.temp_dir),
        }

    def dbt_env(self) -> dict[str, str]:
        """What dbt's profile, project and macros read through env_var(), absolute paths."""
        from dagster_project.raw_parquet import raw_parquet_dir, spark_dir

        return {
            "FINOPS_LANDING_DIR": str(self.landing_dir),
            "FINOPS_WAREHOUSE": str(self.warehouse),
            "FINOPS_REPORTING_CURRENCY": self.reporting_currency,
            "FINOPS_DBT_TARGET": self.dbt_target,
            "FINOPS_DUCKDB_TEMP_DIR": str(self.temp_dir),
            "FINOPS_RAW_PARQUET_DIR": str(raw_parquet_dir(self.warehouse)),
            "FINOPS_SPARK_DIR": str(spark_dir(self.warehouse)),
        }
