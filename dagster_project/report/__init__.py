"""`finops report`: one self-contained HTML file from the public marts."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project import progress


class WarehouseError(Exception):
    """The warehouse cannot be read: missing, locked by a writer, or not a DuckDB file."""


def open_read_only(warehouse: Path) -> duckdb.DuckDBPyConnection:
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise WarehouseError(
            f"warehouse {warehouse} does not exist: run `finops run` (or `finops demo`) first, "
            "or pass --warehouse / set FINOPS_WAREHOUSE"
        )
    try:
        conn = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseError(f"warehouse {warehouse} is being written by another process (a running `finops run`?); "
                                 "try again when it has finished") from None
        raise WarehouseError(f"cannot open warehouse {warehouse}: {exc}") from None
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot open warehouse {warehouse}: {exc}") from None
    conn.execute("set TimeZone = 'UTC'")
    return conn


def build_report(warehouse: Path, out: Path) -> Path:
    from dagster_project.report.render import render

    conn = open_read_only(warehouse)
    try:
        page = render(conn, Path(warehouse), on_section=lambda title: progress.say(f"report: {title}"))
    finally:
        conn.close()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
