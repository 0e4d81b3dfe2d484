"""Progress lines for people watching `finops run` (stderr; silent under the Dagster UI)."""

from __future__ import annotations

import os
import sys
import time

_ENV = "FINOPS_PROGRESS"


def enable() -> None:
    os.environ[_ENV] = "1"


def say(message: str) -> None:
    if os.environ.get(_ENV) == "1":
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# what a run repaired (stored files found missing or damaged): the run's summary lists them,
# so that a repair is never only a line on stderr
_NOTICES: list[str] = []


def notice(message: str) -> None:
    """A progress line that the summary of this process's run repeats (stdout)."""
    _NOTICES.append(message)
    say(message)


def notices() -> list[str]:
    return list(_NOTICES)

