"""Paths and options from the environment (the contract in docs/design.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
_USER_TEMP_DIR = os.environ.get("FINOPS_DUCKDB_TEMP_DIR")


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    reporting_currency: str
    slack_webhook_url: str | None
    dbt_target: str

    @classmethod
    def from_env(cls) -> Settings:
        landing = Path(os.environ.get("FINOPS_LANDING_DIR", REPO_ROOT / "data" / "landing"))
        warehouse = Path(os.environ.get("FINOPS_WAREHOUSE", REPO_ROOT / "data" / "warehouse" / "finops.duckdb"))
        return cls(
            landing_dir=landing.resolve(),
            warehouse=warehouse.resolve(),
            reporting_currency=os.environ.get("FINOPS_REPORTING_CURRENCY", "USD"),
            slack_webhook_url=os.environ.get("FINOPS_SLACK_WEBHOOK_URL") or None,
            dbt_target=os.environ.get("FINOPS_DBT_TARGET", "duckdb"),
        )

    def export_env(self) -> None:
        """dbt reads the same paths through env_var(); make them absolute for it."""
        os.environ["FINOPS_LANDING_DIR"] = str(self.landing_dir)
        os.environ["FINOPS_WAREHOUSE"] = str(self.warehouse)
        os.environ["FINOPS_REPORTING_CURRENCY"] = self.reporting_currency
        # DuckDB spills next to the warehouse unless the user chose a place
        os.environ["FINOPS_DUCKDB_TEMP_DIR"] = _USER_TEMP_DIR or str(self.warehouse.parent / "duckdb_tmp")
