"""DuckDB connections. One writer at a time: open inside asset bodies, never at import."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb

from dagster_project.alerting import Alert, raise_alert

OPS_DDL = [
    "create schema if not exists raw",
    "create schema if not exists ops",
    """
    create table if not exists ops.ingest_files (
        file_id varchar primary key,
        source varchar not null,
        path varchar not null,
        export_key varchar,
        delivery_key varchar,
        billing_periods varchar,
        content_hash varchar,
        size_bytes bigint,
        file_mtime timestamp,
        rows bigint,
        cost_total decimal(38, 10),
        currency varchar,
        columns_json varchar,
        status varchar not null,
        reason varchar,
        superseded_by varchar,
        loaded_at timestamp not null,
        -- the months of the rows' charge days ('YYYY-MM,...'; the monthly partitions)
        charge_months varchar
    )
    """,
    # warehouses from before the monthly partitions
    "alter table ops.ingest_files add column if not exists charge_months varchar",
    """
    create table if not exists ops.alerts (
        alert_id varchar primary key,
        raised_at timestamp not null,
        run_id varchar,
        check_name varchar not null,
        severity varchar not null,
        subject varchar,
        message varchar not null,
        details_json varchar,
        delivery_status varchar,
        delivery_error varchar
    )
    """,
    "create table if not exists ops.pipeline_state (key varchar primary key, value varchar, updated_at timestamp)",
    """
    create table if not exists ops.check_results (
        run_id varchar,
        checked_at timestamp not null,
        check_name varchar not null,
        asset_key varchar,
        severity varchar not null,
        passed boolean not null,
        message varchar,
        details_json varchar
    )
    """,
]

# The pull (dagster_project/pull): what was fetched from each bucket / API, and each source's last pull.
PULL_DDL = [
    """
    create table if not exists ops.pulled_objects (
        source varchar not null,
        object_key varchar not null,
        landing_path varchar,
        etag varchar,
        size_bytes bigint,
        last_modified timestamp,
        pulled_at timestamp not null,
        primary key (source, object_key)
    )
    """,
    """
    create table if not exists ops.pull_state (
        source varchar primary key,
        kind varchar,
        last_attempt_at timestamp,
        last_success_at timestamp,
        last_status varchar,
        last_message varchar,
        objects_listed bigint,
        objects_copied bigint,
        cursor_json varchar
    )
    """,
]
OPS_DDL += PULL_DDL

# dbt's run_results.json of each build, one row per node: which model or test got slow.
OPS_DDL.append(
    """
    create table if not exists ops.dbt_node_timings (
        run_id varchar,
        invocation_id varchar not null,
        unique_id varchar not null,
        resource_type varchar not null,
        status varchar,
        execution_s double,
        recorded_at timestamp not null
    )
    """
)


class WarehouseUnavailable(Exception):
    """The warehouse cannot be opened for writing; the message is one line: what, where, what to do."""


LOCK_HOLDER_RE = re.compile(r"Conflicting lock is held in (?P<process>.+?) \(PID (?P<pid>\d+)\)")
INGEST_FILES_COLUMNS = ("file_id", "source", "path", "content_hash", "status", "reason", "cost_total", "currency", "loaded_at")


def lock_holder(message: str) -> str | None:
    """'PID 123 (/usr/bin/python3)' when a DuckDB error says another process holds the file's lock."""
    m = LOCK_HOLDER_RE.search(message or "")
    return f"PID {m['pid']} ({m['process']})" if m else None


def locked_message(path: Path, holder: str) -> str:
    return (f"warehouse {path} is open in another process, {holder}: DuckDB allows one writer or many readers, "
            "never both. Close it (a BI tool or notebook?) and rerun; BI tools should read the published copy "
            "(docs/bi.md, 'Point BI tools at the published copy').")


def explain_open_error(path: Path, exc: BaseException) -> str:
    """One line for a warehouse that cannot be opened: locked, not a DuckDB file, unwritable."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    holder = lock_holder(str(exc))
    if holder:
        return locked_message(path, holder)
    if "not a valid DuckDB database" in text or "Corrupt" in text or "checksum" in text.lower():
        return (f"warehouse {path} is damaged or not a DuckDB file ({text}). Move it aside "
                f"(mv {path} {path}.damaged) and rerun: `finops run` rebuilds it from the landing folder.")
    if isinstance(exc, OSError) or "No space left" in text or "Permission denied" in text:
        return f"cannot write warehouse {path}: {text}. Free space or fix the folder's permissions, then rerun."
    return f"cannot open warehouse {path}: {text}"


def check_writable(path: Path) -> None:
    """Before a run: the warehouse opens for writing and its registry has the columns the ingest
    needs. Raises WarehouseUnavailable with one line; records an alert when the file is writable."""
    try:
        conn = connect(path)
    except (duckdb.Error, OSError) as exc:
        raise WarehouseUnavailable(explain_open_error(Path(path), exc)) from None
    try:
        try:
            for ddl in OPS_DDL:
                conn.execute(ddl)
            cols = {r[0] for r in conn.execute(
                "select column_name from information_schema.columns where table_schema = 'ops' and table_name = 'ingest_files'"
            ).fetchall()}
            conn.execute("select count(*), max(loaded_at) from ops.ingest_files").fetchone()
        except (duckdb.Error, OSError) as exc:
            raise WarehouseUnavailable(
                f"the file registry ops.ingest_files of {path} cannot be read ({explain_open_error(Path(path), exc)}). "
                f"Move the warehouse aside (mv {path} {path}.damaged) and rerun to rebuild it from the landing folder."
            ) from None
        missing = [c for c in INGEST_FILES_COLUMNS if c not in cols]
        if missing:
            message = (f"the file registry ops.ingest_files of {path} lacks column(s) {', '.join(missing)}: it was altered "
                       "by hand or by another tool. Restore it, or move the warehouse aside and rerun to rebuild it "
                       "from the landing folder.")
            raise_alert(conn, Alert(check_name="warehouse_unusable", severity="error", subject=str(path), message=message,
                                    details={"missing_columns": missing}))
            raise WarehouseUnavailable(message)
    finally:
        conn.close()


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path), read_only=read_only, config=duckdb_settings(path))
    # Every timestamp in the warehouse is UTC.
    conn.execute("set TimeZone = 'UTC'")
    return conn


def database_file(conn: duckdb.DuckDBPyConnection) -> Path | None:
    """This connection's warehouse file (None in memory)."""
    db_path = conn.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()[0]
    return Path(db_path).resolve() if db_path else None


def database_folder(conn: duckdb.DuckDBPyConnection) -> Path | None:
    """The folder of this connection's warehouse file (None in memory)."""
    db_file = database_file(conn)
    return db_file.parent if db_file else None


def stored_files_dir(conn: duckdb.DuckDBPyConnection, kind: str) -> Path | None:
    """`<folder>/<warehouse name>.<kind>` (kind: raw_files, model_files): the files this
    warehouse stores beside it (None in memory). Named after the warehouse file, so two
    warehouses in one folder never share, and never prune, each other's files.
    dbt_project/macros/materializations/parquet_file.sql derives the same name."""
    db_file = database_file(conn)
    if db_file is None:
        return None
    return db_file.parent / f"{db_file.name.removesuffix('.duckdb')}.{kind}"


def legacy_files_dir(conn: duckdb.DuckDBPyConnection, kind: str) -> Path | None:
    """`<folder>/<kind>`: where warehouses kept their files before they were named after the
    warehouse, shared by every warehouse of the folder. Read (to recover a missing copy),
    never pruned."""
    base = database_folder(conn)
    return base / kind if base else None


def duckdb_settings(path: Path) -> dict[str, str]:
    """Engine settings shared by the Python steps (dbt's profile sets the same ones).

    Row order of bulk loads carries no meaning (every reader orders explicitly), and not
    preserving it lets inserts run on all threads. Memory is capped so that a 10M-row month
    spills to disk next to the warehouse instead of growing without bound.
    """
    settings = {
        "preserve_insertion_order": "false",
        "memory_limit": os.environ.get("FINOPS_DUCKDB_MEMORY_LIMIT", "4GB"),
        "temp_directory": os.environ.get("FINOPS_DUCKDB_TEMP_DIR", str(Path(path).parent / "duckdb_tmp")),
    }
    if os.environ.get("FINOPS_DUCKDB_THREADS"):
        settings["threads"] = os.environ["FINOPS_DUCKDB_THREADS"]
    return settings


@contextlib.contextmanager
def open_warehouse(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    conn = connect(path, read_only=read_only)
    try:
        if not read_only:
            for ddl in OPS_DDL:
                conn.execute(ddl)
        yield conn
    finally:
        conn.close()
