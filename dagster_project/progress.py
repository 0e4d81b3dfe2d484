"""Progress lines for people watching `finops run` (stderr; silent under the Dagster UI)."""

from __future__ import annotations

import os
import sys
import time

# FINOPS_PROGRESS=1 turns the lines on from outside (e.g. under `dagster dev`); `finops`
# turns them on for its own process, without touching the environment
_ENV = "FINOPS_PROGRESS"
_enabled = False


def enable() -> None:
    global _enabled
    _enabled = True


def say(message: str) -> None:
    if _enabled or os.environ.get(_ENV) == "1":
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

