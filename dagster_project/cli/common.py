"""What every `finops` subcommand shares: the command's settings, the run lock, argument checks."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import sys
import time
from pathlib import Path

import click

from dagster_project.settings import Settings


def previous_month() -> str:
    first = dt.date.today().replace(day=1)
    last_month = first - dt.timedelta(days=1)
    return f"{last_month:%Y-%m}"


def apply_paths(landing: str | None, warehouse: str | None) -> Settings:
    """The one `Settings` of this command: the environment, with the command line's paths over
    it. It is handed on from here (resources, dbt's subprocess), never written back."""
    return Settings.from_env().with_paths(landing, warehouse)


@contextlib.contextmanager
def run_lock(warehouse: Path, wait_seconds: float):
    """One `finops run` per warehouse: a second one waits, then exits with a clear message."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    with open(lock_path, "w") as fh:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise click.ClickException(
                        f"another finops run holds the lock on {warehouse} (lock file {lock_path}); "
                        f"waited {wait_seconds:.0f}s. Try again when it has finished, or pass --wait SECONDS."
                    ) from None
                time.sleep(0.5)
        fh.write(str(os.getpid()))
        fh.flush()
        yield



def validate_month(month: str) -> None:
    try:
        dt.datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise click.BadParameter(f"month must be YYYY-MM, got {month!r}") from None



def exit_now(code: int) -> None:
    """Leave without the interpreter's teardown of the Dagster, dbt and GX modules (~2 s of a
    run): by now every connection is closed, the lock released and the output written."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)



def warehouse_path(warehouse: str | None) -> Path:
    return Path(warehouse).resolve() if warehouse else Settings.from_env().warehouse

