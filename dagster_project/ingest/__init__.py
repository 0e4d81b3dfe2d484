"""File ingestion: one SourceSpec per landing folder, loaded by the generic registry.

Every module in this package that defines `SPEC` is a source (README "Adding a source").
"""

import importlib
import pkgutil

from dagster_project.ingest.base import SourceSpec


def _discover() -> dict[str, SourceSpec]:
    sources: dict[str, SourceSpec] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        spec = getattr(module, "SPEC", None)
        if isinstance(spec, SourceSpec):
            sources[spec.name] = spec
    return sources


# Landing folder name -> spec.
SOURCES: dict[str, SourceSpec] = _discover()
