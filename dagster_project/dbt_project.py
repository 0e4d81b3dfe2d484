"""The dbt project as Dagster sees it. The manifest is (re)built by `dbt parse` whenever a
model, macro, seed or test is newer than it, so `finops run` and `dagster dev` always load
the project as it is on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from dagster_project.settings import DBT_PROJECT_DIR, REPO_ROOT

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target=os.environ.get("FINOPS_DBT_TARGET", "duckdb"),
)

_WATCHED = ("models", "macros", "tests", "analyses")


def _newest_source_mtime() -> float:
    newest = (DBT_PROJECT_DIR / "dbt_project.yml").stat().st_mtime
    roots = [DBT_PROJECT_DIR / d for d in _WATCHED] + [REPO_ROOT / "seeds"]
    for root in roots:
        for p in root.rglob("*"):
            if p.is_file():
                newest = max(newest, p.stat().st_mtime)
    return newest


def dbt_executable() -> str:
    return str(Path(sys.executable).parent / "dbt")


def ensure_manifest() -> Path:
    manifest = Path(dbt_project.manifest_path)
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime():
        return manifest
    env = dict(os.environ, DO_NOT_TRACK="1")
    result = subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--profiles-dir", str(DBT_PROJECT_DIR), "--target", dbt_project.target or "duckdb"],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{result.stdout}\n{result.stderr}")
    return manifest
