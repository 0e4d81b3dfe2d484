"""`finops sample`: deterministic, realistic exports for every source folder.

Every module in this package that defines `SOURCE_NAME` and `generate(out, month, seed, rows)`
contributes that folder's files.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path


def _discover() -> dict[str, Callable[..., list[Path]]]:
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        name = getattr(module, "SOURCE_NAME", None)
        if name and callable(getattr(module, "generate", None)):
            found[name] = module.generate
    return found


# source folder -> generator(out, month, seed, rows) returning the files written
GENERATORS: dict[str, Callable[..., list[Path]]] = _discover()


def generate(out: Path, month: str, seed: int = 42, rows: int = 20_000, sources: list[str] | None = None) -> dict[str, list[Path]]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, fn in GENERATORS.items():
        if sources and name not in sources:
            continue
        written[name] = fn(out, month, seed, rows)
    return written
