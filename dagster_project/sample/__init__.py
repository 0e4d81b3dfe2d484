"""`finops sample`: deterministic, realistic exports for every source folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dagster_project.sample.aws_cur import generate_aws_cur

# source folder -> generator(out, month, seed, rows) returning the files written
GENERATORS: dict[str, Callable[..., list[Path]]] = {
    "aws_cur": generate_aws_cur,
}


def generate(out: Path, month: str, seed: int = 42, rows: int = 20_000, sources: list[str] | None = None) -> dict[str, list[Path]]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, fn in GENERATORS.items():
        if sources and name not in sources:
            continue
        written[name] = fn(out, month, seed, rows)
    return written
