"""FinOps pipeline code location. `dagster dev -m dagster_project` finds `defs` here.

`defs` is loaded lazily (PEP 562) so that `finops sample` and `finops --help` do not pay for
importing Dagster and parsing the dbt project.
"""


def __getattr__(name: str):
    if name == "defs":
        from dagster_project.definitions import defs

        return defs
    raise AttributeError(f"module 'dagster_project' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "defs"])
