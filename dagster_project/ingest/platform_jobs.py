"""The batch platform's own job log (`platform_jobs/`), CSV or JSONL.

One job per record: `job_id`, `tenant`, `cluster`, `started_at`, `ended_at` (RFC 3339, UTC
when no offset), `vcpu` (requested vCPU) and `memory_gb` (requested GiB). The jobs carry no cost
of their own (focus_rows=False): they are the drivers `job_vcpu_seconds` /
`job_memory_gb_seconds` that split a shared cluster's cost when its bill has no split cost
allocation data (allocation rule with pool `cluster:<cluster>`, docs/container_costs.md).

A job that spans midnight UTC is staged as one row per day with that day's seconds, so each
day's driver holds only what ran that day.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.ingest.base import IngestError, SourceSpec, csv_options, duckdb_path, reader_sql

TS = "timestamp"
FIELDS = ("job_id", "tenant", "cluster", "started_at", "ended_at", "vcpu", "memory_gb")
REQUIRED = FIELDS

COLUMNS: tuple[tuple[str, str], ...] = (
    ("job_id", "varchar"),
    ("tenant", "varchar"),
    ("cluster", "varchar"),
    ("started_at", TS),
    ("ended_at", TS),
    ("vcpu", "decimal(18, 6)"),
    ("memory_gb", "decimal(18, 6)"),
    ("usage_date", "date"),
    ("seconds", "bigint"),
    ("vcpu_seconds", "decimal(38, 6)"),
    ("memory_gb_seconds", "decimal(38, 6)"),
)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _read_text_rows(conn: duckdb.DuckDBPyConnection, path: Path) -> None:
    """_jobs_text: the file's records with every field as text (null when absent)."""
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        conn.execute(f"create or replace temp table _jobs_src as select * from {reader_sql(path, csv_options(conn, path))}")
        present = {r[0] for r in conn.execute("select column_name from (describe _jobs_src)").fetchall()}
        select = ", ".join(f'"{f}"' if f in present else f"cast(null as varchar) as {f}" for f in FIELDS)
        conn.execute(f"create or replace temp table _jobs_text as select {select} from _jobs_src")
        conn.execute("drop table if exists _jobs_src")
        missing = [f for f in REQUIRED if f not in present]
    elif name.endswith((".jsonl", ".ndjson", ".jsonl.gz")):
        conn.execute(
            "create or replace temp table _jobs_obj as select json as j "
            "from read_json_objects($1, format = 'newline_delimited', compression = 'auto')",
            [duckdb_path(path)],
        )
        if conn.execute("select count(*) from _jobs_obj where json_type(j) <> 'OBJECT'").fetchone()[0]:
            raise IngestError("JSON value(s) that are not job objects")
        present = {r[0] for r in conn.execute("select distinct unnest(json_keys(j)) from _jobs_obj").fetchall()}
        select = ", ".join(f"json_extract_string(j, '$.{f}') as {f}" for f in FIELDS)
        conn.execute(f"create or replace temp table _jobs_text as select {select} from _jobs_obj")
        conn.execute("drop table if exists _jobs_obj")
        missing = [f for f in REQUIRED if f not in present]
    else:
        raise IngestError(f"unsupported file type: {path.name}")
    if missing:
        raise IngestError(f"missing required field(s): {', '.join(missing)}")


def stage(conn: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    try:
        _read_text_rows(conn, path)
        if not conn.execute("select count(*) from _jobs_text").fetchone()[0]:
            raise IngestError("no job records")
        empty = conn.execute(
            "select " + ", ".join(f"count(*) filter (where nullif(trim({f}), '') is null)" for f in REQUIRED) + " from _jobs_text"
        ).fetchone()
        bad = [f"{f} ({n} record(s))" for f, n in zip(REQUIRED, empty) if n]
        if bad:
            raise IngestError("missing required value(s): " + ", ".join(bad))
        casts = {
            "started_at": "try_cast(try_cast(trim(started_at) as timestamptz) as timestamp)",
            "ended_at": "try_cast(try_cast(trim(ended_at) as timestamptz) as timestamp)",
            "vcpu": "try_cast(trim(vcpu) as decimal(18, 6))",
            "memory_gb": "try_cast(trim(memory_gb) as decimal(18, 6))",
        }
        failed = conn.execute("select " + ", ".join(f"count(*) filter (where {e} is null)" for e in casts.values())
                              + " from _jobs_text").fetchone()
        bad = [f"{f}: {n} value(s) not valid" for f, n in zip(casts, failed) if n]
        if bad:
            raise IngestError("; ".join(bad))
        conn.execute(
            "create or replace temp table _jobs as select job_id, tenant, cluster, "
            + ", ".join(f"{e} as {f}" for f, e in casts.items()) + " from _jobs_text"
        )
        nonsense = conn.execute(
            "select count(*) filter (where ended_at < started_at), count(*) filter (where vcpu < 0 or memory_gb < 0) from _jobs"
        ).fetchone()
        if nonsense[0]:
            raise IngestError(f"{nonsense[0]} job(s) end before they start")
        if nonsense[1]:
            raise IngestError(f"{nonsense[1]} job(s) request negative vCPU or memory")
        # one row per job and UTC day it ran on, with the seconds of that day
        conn.execute(
            """
            create or replace temp table _incoming as
            with days as (
                select _jobs.*, unnest(range(cast(started_at as date), cast(ended_at as date) + 1, interval 1 day)) as day_start
                from _jobs
            ),
            clipped as (
                select *,
                    date_diff('second', greatest(started_at, cast(day_start as timestamp)),
                              least(ended_at, cast(day_start as timestamp) + interval 1 day)) as seconds
                from days
            )
            select job_id, tenant, cluster, started_at, ended_at, vcpu, memory_gb,
                cast(day_start as date) as usage_date,
                cast(seconds as bigint) as seconds,
                cast(vcpu * seconds as decimal(38, 6)) as vcpu_seconds,
                cast(memory_gb * seconds as decimal(38, 6)) as memory_gb_seconds
            from clipped
            where seconds > 0 or started_at = ended_at
            """
        )
    except duckdb.Error as exc:
        raise IngestError(f"cannot read job log: {_first_line(exc)}") from exc
    finally:
        for t in ("_jobs_text", "_jobs", "_jobs_obj", "_jobs_src"):
            conn.execute(f"drop table if exists {t}")
    return list(FIELDS)


SPEC = SourceSpec(
    name="platform_jobs",
    raw_table="platform_jobs",
    suffixes=(".csv", ".csv.gz", ".jsonl", ".ndjson", ".jsonl.gz"),
    columns=COLUMNS,
    stage=stage,
    period_sql="strftime(usage_date, '%Y-%m')",
    cost_sql="cast(null as decimal(38, 10))",
    currency_sql="cast(null as varchar)",
    description="The batch platform's job log (requested vCPU and memory per job), CSV or JSONL",
    # a job logged twice would count its requests twice
    unique_key=("job_id", "usage_date"),
    # no cost of their own: they drive the split of a shared cluster's cost
    focus_rows=False,
)
