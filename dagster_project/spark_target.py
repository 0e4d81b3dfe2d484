"""The Spark target (FINOPS_DBT_TARGET=spark, README "Scaling out"): Spark computes, DuckDB serves.

Before the dbt build, the landed raw tables are exported as parquet (raw_parquet.py) for the
target's on-run-start hook. After it, the relations the Python side reads (the seeds in
`reference` and the dbt marts) are copied from Spark's parquet files into the DuckDB warehouse
under the same names, so the checks, report, exports and alerts run unchanged on either target.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.raw_parquet import export_raw_parquet, raw_parquet_dir, spark_dir

# Spark schemas (databases) whose tables are served from DuckDB after a Spark build
SERVED_SCHEMAS = ("reference", "marts")


def spark_table_dir(warehouse: Path, schema: str, table: str) -> Path:
    return spark_dir(warehouse) / "warehouse" / f"{schema}.db" / table


def spark_tables(warehouse: Path, schema: str) -> list[str]:
    root = spark_dir(warehouse) / "warehouse" / f"{schema}.db"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*.parquet")))


def read_spark_table_sql(warehouse: Path, schema: str, table: str) -> str:
    """DuckDB SQL reading a Spark table's parquet files (Spark's timestamps are UTC wall time)."""
    path = str(spark_table_dir(warehouse, schema, table) / "*.parquet").replace("'", "''")
    return f"select * from read_parquet('{path}')"


def prepare_build(conn: duckdb.DuckDBPyConnection, warehouse: Path) -> dict[str, int]:
    return export_raw_parquet(conn, raw_parquet_dir(warehouse))


def publish_to_duckdb(conn: duckdb.DuckDBPyConnection, warehouse: Path) -> list[str]:
    """Replace DuckDB's reference/marts tables by the Spark build's, in one transaction."""
    published = []
    conn.execute("begin")
    try:
        for schema in SERVED_SCHEMAS:
            conn.execute(f'create schema if not exists "{schema}"')
            for table in spark_tables(warehouse, schema):
                conn.execute(f'create or replace table "{schema}"."{table}" as {read_spark_table_sql(warehouse, schema, table)}')
                published.append(f"{schema}.{table}")
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise
    return published
