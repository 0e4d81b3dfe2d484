"""The landed raw data as parquet, for engines other than DuckDB (README "Scaling out").

The ingest assets load landing files into DuckDB `raw.*` (and register them in
`ops.ingest_files`); before a dbt build on another engine (FINOPS_DBT_TARGET=spark), every
table the dbt sources read is copied to `<FINOPS_RAW_PARQUET_DIR>/<schema>/<table>/data.parquet`
(default `<warehouse folder>/raw_parquet`). The Spark target's on-run-start hook
(macro register_raw_parquet_sources) declares them as `raw.<table>` / `ops.<table>` tables
over those folders, so `source()` names the same relation on both engines.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb

# the schemas dbt reads through source(); ops holds more tables than the models read
SOURCE_SCHEMAS = ("raw",)
SOURCE_TABLES = (("ops", "ingest_files"),)


def raw_parquet_dir(warehouse: Path) -> Path:
    configured = os.environ.get("FINOPS_RAW_PARQUET_DIR")
    return Path(configured).resolve() if configured else Path(warehouse).resolve().parent / "raw_parquet"


def spark_dir(warehouse: Path) -> Path:
    configured = os.environ.get("FINOPS_SPARK_DIR")
    return Path(configured).resolve() if configured else Path(warehouse).resolve().parent / "spark"


def source_tables(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    placeholders = ", ".join("?" for _ in SOURCE_SCHEMAS)
    rows = conn.execute(
        f"select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({placeholders}) and table_type in ('BASE TABLE', 'VIEW') order by 1, 2",
        list(SOURCE_SCHEMAS),
    ).fetchall()
    return [(s, t) for s, t in rows] + list(SOURCE_TABLES)


def export_raw_parquet(conn: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, int]:
    """Write each source table to <out_dir>/<schema>/<table>/data.parquet; return rows per table.

    The folder is rewritten whole (written beside, then swapped), so a reader never sees a
    half-written table and a dropped table does not linger."""
    out_dir = Path(out_dir)
    staging = out_dir.with_name(out_dir.name + ".writing")
    shutil.rmtree(staging, ignore_errors=True)
    counts: dict[str, int] = {}
    for schema, table in source_tables(conn):
        target = staging / schema / table
        target.mkdir(parents=True, exist_ok=True)
        path = str(target / "data.parquet").replace("'", "''")
        conn.execute(f'copy (select * from "{schema}"."{table}") to \'{path}\' (format parquet, compression zstd)')
        counts[f"{schema}.{table}"] = conn.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
    old = out_dir.with_name(out_dir.name + f".old-{os.getpid()}-{time.time_ns()}")
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
    return counts
