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
