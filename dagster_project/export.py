"""`finops export`: the public marts as parquet, one folder per table, for BI tools that
prefer files; with a tenant, only that tenant's rows and nothing that names another tenant."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project import progress
from dagster_project.report import WarehouseError, open_read_only

MANIFEST = "_manifest.json"
# Tables with a tenant column and the column; every other mart with a `tenant` column is
# filtered on it too. Marts without one (balance, TEI) are platform-wide and left out of a
# tenant's export.
TENANT_COLUMNS = {"focus_costs": "x_tenant"}
# Never in a tenant's export, whatever columns they have.
NOT_FOR_TENANTS = {"fct_platform_balance_daily", "fct_platform_balance_monthly"}


class ExportError(Exception):
    pass


class Withdrawn(ExportError):
    """The tenant guard found another tenant's name in the export."""


@dataclass
class Exported:
    table: str
    path: Path
    rows: int


def public_marts(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and view in the `marts` schema: the public interface (docs/design.md)."""
    return [r[0] for r in conn.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by table_name"
    ).fetchall()]


def tenant_column(conn: duckdb.DuckDBPyConnection, table: str) -> str | None:
    if table in NOT_FOR_TENANTS:
        return None
    cols = {r[0] for r in conn.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?", [table]
    ).fetchall()}
    col = TENANT_COLUMNS.get(table, "tenant")
    return col if col in cols else None


def known_tenants(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """Tenant names from the tenant map and from every mart's tenant column."""
    names: set[str] = set()
    if conn.execute("select count(*) from information_schema.tables where table_schema = 'reference' "
                    "and table_name = 'tenant_map'").fetchone()[0]:
        names |= {r[0] for r in conn.execute("select distinct tenant from reference.tenant_map where tenant is not null").fetchall()}
    for table in public_marts(conn):
        col = tenant_column(conn, table)
        if col:
            names |= {r[0] for r in conn.execute(f'select distinct "{col}" from marts."{table}" where "{col}" is not null').fetchall()}
    return names


def name_pattern(name: str) -> re.Pattern:
    """A tenant name as a whole word, any case: 'search' matches '"search"', 'team search' and
    'search-infra' but not 'research' or 'OpenSearch'. Names with non-ASCII letters (需要予測) match anywhere: Japanese
    text has no spaces to bound a word."""
    if name.isascii():
        return re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", re.IGNORECASE)
    return re.compile(re.escape(name))


def readable_forms(value: str) -> list[str]:
    """The text as stored and as a reader will see it: JSON decoded (a name written as
    `\\u0073earch` is 'search' once parsed), every string of it, Unicode NFKC-normalized
    (full-width letters are the same name)."""
    forms = [value]
    stripped = value.strip()
    if stripped[:1] in ('{', '[', '"') or "\\u" in value:
        candidates = [stripped]
        if stripped[:1] not in ('{', '[', '"'):
            candidates.append('"' + stripped.replace('"', '\\"') + '"')
        for candidate in candidates:
            try:
                parsed = json.loads(candidate)
            except ValueError:
                continue
            stack = [parsed]
            while stack:
                item = stack.pop()
                if isinstance(item, str):
                    forms.append(item)
                elif isinstance(item, dict):
                    stack += [*item.keys(), *item.values()]
                elif isinstance(item, list):
                    stack += item
    return list(dict.fromkeys(unicodedata.normalize("NFKC", f) for f in forms))


def find_foreign_names(conn: duckdb.DuckDBPyConnection, files: list[Path], tenant: str, others: set[str]) -> list[str]:
    """Every (file, column, name) where another tenant's name appears in a string column."""
    patterns = {o: name_pattern(o) for o in others if o and o != tenant}
    hits = []
    for f in files:
        cols = conn.execute(f"select column_name, column_type from (describe select * from {_reader(f)})", [str(f)]).fetchall()
        for col, typ in cols:
            # strings anywhere, nested types included (their text form holds their strings)
            if typ == "VARCHAR":
                expr = f'"{col}"'
            elif any(k in typ for k in ("VARCHAR", "STRUCT", "MAP", "[]", "JSON")):
                expr = f'cast("{col}" as varchar)'
            else:
                continue
            values = conn.execute(f"select distinct {expr} from {_reader(f)} where {expr} is not null", [str(f)]).fetchall()
            for (value,) in values:
                for text in readable_forms(value):
                    # the tenant's own name may contain another's ('ml-research' holds 'search'):
                    # look for shorter names with our own name blanked out, but for names that
                    # contain ours ('ml' exporting, 'ml-research' another tenant) in the text as it is
                    blanked = text.replace(tenant, " ")
                    for other, pat in patterns.items():
                        if pat.search(text if tenant in other else blanked):
                            hits.append(f"{f.parent.name}.{col} names {other!r}")
    return sorted(set(hits))


def _check_out(out: Path) -> list[str]:
    """`out` may be missing, empty, or a previous export (replaced as a whole); never a folder of
    other files, whose stale tables could hand one tenant another's data. Returns the previous
    export's table folders."""
    if not out.exists() or not any(out.iterdir()):
        return []
    manifest = out / MANIFEST
    if not manifest.is_file():
        raise ExportError(f"{out} is not empty and holds no {MANIFEST}: choose an empty folder or a previous export folder")
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8"))
        tables = [t["table"] for t in previous["tables"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ExportError(f"{manifest} is unreadable ({exc}); remove {out} by hand") from None
    leftovers = [p.name for p in out.iterdir() if p.name != MANIFEST and p.name not in tables]
    if leftovers:
        raise ExportError(f"{out} holds files that are not part of the previous export ({', '.join(sorted(leftovers)[:5])}); "
                          "choose an empty folder")
    return tables


def _staging_folder(out: Path) -> Path:
    """A sibling of `out` (same file system, so the final rename is atomic)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging


def _publish(staging: Path, out: Path) -> None:
    """Swap the finished export in: a reader sees the previous export or the new one, never a mix."""
    if out.exists():
        retired = out.parent / f".{out.name}.previous-{os.getpid()}"
        shutil.rmtree(retired, ignore_errors=True)
        os.replace(out, retired)
        os.replace(staging, out)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(staging, out)


def _reader(path: Path) -> str:
    return "read_csv(?, all_varchar = true, header = true)" if path.suffix == ".csv" else "read_parquet(?)"


# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_PREFIX_RE = r"^[=+\-@\t\r]"


def neutralized_select(conn: duckdb.DuckDBPyConnection, select_sql: str, params: list) -> str:
    """Text columns with a formula prefix get a leading apostrophe, as OWASP advises for CSV."""
    cols = conn.execute(f"describe {select_sql}", params).fetchall()
    parts = []
    for name, dtype, *_ in cols:
        q = '"' + name.replace('"', '""') + '"'
        if dtype == "VARCHAR":
            parts.append(f"case when regexp_matches({q}, '{FORMULA_PREFIX_RE}') then chr(39) || {q} else {q} end as {q}")
        else:
            parts.append(q)
    return f"select {', '.join(parts)} from ({select_sql})"


def _copy(conn: duckdb.DuckDBPyConnection, select_sql: str, params: list, dest: Path) -> int:
    dest.parent.mkdir(parents=True, exist_ok=True)
    # The destination is a path we built ourselves; quotes doubled so any folder name is safe.
    target = str(dest).replace("'", "''")
    if dest.suffix == ".csv":
        conn.execute(f"copy ({neutralized_select(conn, select_sql, params)}) to '{target}' (format csv, header true)", params)
    else:
        conn.execute(f"copy ({select_sql}) to '{target}' (format parquet, compression zstd)", params)
    return conn.execute(f"select count(*) from {_reader(dest)}", [str(dest)]).fetchone()[0]


def export(warehouse: Path, out: Path, tenant: str | None = None, fmt: str = "parquet") -> list[Exported]:
    """Write marts.<table> to out/<table>/data.parquet or data.csv (only `tenant`'s rows when given).

    CSV cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) get a
    leading apostrophe."""
    if fmt not in ("parquet", "csv"):
        raise ExportError(f"format must be parquet or csv, got {fmt!r}")
    out = Path(out)
    try:
        conn = open_read_only(Path(warehouse))
    except WarehouseError as exc:
        raise ExportError(str(exc)) from None
    try:
        tables = public_marts(conn)
        if not tables:
            raise ExportError(f"warehouse {warehouse} has no marts yet: run `finops run` first")
        if tenant is not None:
            tenants = known_tenants(conn)
            if tenant not in tenants:
                raise ExportError(f"unknown tenant {tenant!r}; known tenants: {', '.join(sorted(tenants))}")
        _check_out(out)
        staging = _staging_folder(out)
        try:
            try:
                done = _write_tables(conn, tables, staging, tenant, fmt)
            except Withdrawn:
                # a previous export in `out` may be another tenant's: never leave it to be sent instead
                shutil.rmtree(out, ignore_errors=True)
                raise
            _publish(staging, out)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return [Exported(e.table, out / e.path.relative_to(staging), e.rows) for e in done]
    finally:
        conn.close()


def _write_tables(conn: duckdb.DuckDBPyConnection, tables: list[str], out: Path, tenant: str | None, fmt: str) -> list[Exported]:
    """Every table (or the tenant's rows of it) and the manifest into `out` (the staging folder)."""
    done: list[Exported] = []
    for table in tables:
        if tenant is None:
            sql, params = f'select * from marts."{table}"', []
        else:
            col = tenant_column(conn, table)
            if col is None:
                progress.say(f"export: {table}: skipped (not per tenant)")
                continue
            # the tenant value only ever travels as a parameter
            sql, params = f'select * from marts."{table}" where "{col}" = ?', [tenant]
        dest = out / table / f"data.{fmt}"
        rows = _copy(conn, sql, params, dest)
        progress.say(f"export: {table}: {rows:,} rows")
        done.append(Exported(table, dest, rows))
    if tenant is not None:
        hits = find_foreign_names(conn, [e.path for e in done], tenant, known_tenants(conn))
        if hits:
            raise Withdrawn(f"export for {tenant!r} withdrawn: another tenant is named in it ({'; '.join(hits[:10])})")
    manifest = {
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tenant": tenant,
        "format": fmt,
        "tables": [{"table": e.table, "path": f"{e.table}/data.{fmt}", "rows": e.rows} for e in done],
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return done
