"""Fixtures: one demo landing folder + warehouse per session, built through the real CLI."""

from __future__ import annotations

import os

import pytest

from tests.helpers import finops, run_pipeline

DEMO_MONTH = "2026-10"
DEMO_SEED = 7
DEMO_ROWS = 3000

os.environ.setdefault("DO_NOT_TRACK", "1")
# nothing under test writes into the repo's .dagster_home (the Makefile exports it)
os.environ.pop("DAGSTER_HOME", None)


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> dict:
    """Sample every source for DEMO_MONTH and run the whole pipeline once."""
    root = tmp_path_factory.mktemp("demo")
    landing, warehouse = root / "landing", root / "warehouse" / "finops.duckdb"
    finops("sample", "--out", str(landing), "--month", DEMO_MONTH, "--seed", str(DEMO_SEED), "--rows", str(DEMO_ROWS))
    proc = run_pipeline(landing, warehouse)
    return {"landing": landing, "warehouse": warehouse, "run": proc, "root": root}
