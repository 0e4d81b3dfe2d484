"""Shared helpers: run the real CLI in a subprocess against a temporary landing folder and warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def finops(*args: str, env: dict | None = None, check: bool = True, timeout: int = 900) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.pop("FINOPS_SLACK_WEBHOOK_URL", None)
    # `make test` exports the repo's DAGSTER_HOME: runs under test stay in an ephemeral instance
    # unless a test passes its own (a temporary folder)
    full_env.pop("DAGSTER_HOME", None)
    full_env.update(env or {})
    proc = subprocess.run([str(BIN / "finops"), *args], capture_output=True, text=True, env=full_env, timeout=timeout, cwd=REPO, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"finops {' '.join(args)} exited {proc.returncode}\nSTDOUT:\n{proc.stdout[-6000:]}\nSTDERR:\n{proc.stderr[-6000:]}")
    return proc


def run_pipeline(landing: Path, warehouse: Path, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return finops("run", "--landing", str(landing), "--warehouse", str(warehouse), env=env, check=check)


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        conn.execute("set TimeZone = 'UTC'")
        return conn.execute(sql, params or []).fetchall()
    finally:
        conn.close()


def scalar(warehouse: Path, sql: str, params: list | None = None):
    return query(warehouse, sql, params)[0][0]


def D(x) -> Decimal:
    return Decimal(str(x))
