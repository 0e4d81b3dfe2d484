"""Schema drift: columns added or missing in a source file, and unknown enum values.

Columns: each file loaded since this check last ran is compared with the file loaded before
it from the same export (checks/exports.py; ops.ingest_files.columns_json), so a change is
reported once, on the run that loads it. One check per source, on its raw asset.

Enum values: x_line_item_type values (AWS line item type, GCP cost type, Azure charge type)
that the FOCUS mapping does not know. The mapping turns an unknown type into ChargeCategory
'Adjustment', so the money is kept and allocated, but its category may be wrong.
Both warn: nothing is lost, and a person should look.
"""

import datetime as dt
import itertools
import json
from dataclasses import dataclass

import dagster as dg

from dagster_project import focus_contract, progress
from dagster_project.checks.exports import export_name
from dagster_project.checks.results import record
from dagster_project.ingest import SOURCES
from dagster_project.ingest.base import SourceSpec
from dagster_project.resources import FinopsWarehouse

FOCUS_COSTS = dg.AssetKey(["marts", "focus_costs"])

# Types each source's FOCUS mapping handles (compared case-insensitively), from
# seeds/focus/focus_line_item_types.csv. A source not listed there is not judged; its
# x_line_item_type may be null.
KNOWN_LINE_ITEM_TYPES: dict[str, frozenset[str]] = focus_contract.known_line_item_types()


@dataclass(frozen=True)
class FileColumns:
    path: str
    export_key: str
    columns: tuple[str, ...]
    loaded_at: dt.datetime


@dataclass(frozen=True)
class ColumnDrift:
    path: str
    previous_path: str
    export_key: str
    added: tuple[str, ...]
    missing: tuple[str, ...]


def column_drift(files: list[FileColumns], since: dt.datetime | None) -> list[ColumnDrift]:
    """Files (any order) of one source; report those loaded after `since` whose columns differ from
    the previous file of the same export."""
    out = []
    by_export: dict[str, list[FileColumns]] = {}
    for f in sorted(files, key=lambda f: (f.loaded_at, f.path)):
        by_export.setdefault(f.export_key, []).append(f)
    for export, seq in sorted(by_export.items()):
        for prev, cur in itertools.pairwise(seq):
            if since is not None and cur.loaded_at <= since:
                continue
            prev_norm = {c.strip().lower(): c for c in prev.columns}
            cur_norm = {c.strip().lower(): c for c in cur.columns}
            added = tuple(cur_norm[c] for c in cur_norm if c not in prev_norm)
            missing = tuple(prev_norm[c] for c in prev_norm if c not in cur_norm)
            if added or missing:
                out.append(ColumnDrift(cur.path, prev.path, export, added, missing))
    return out


def drift_message(source: str, drifts: list[ColumnDrift], compared: int) -> str:
    if not drifts:
        return f"{source}: no column changes in the {compared} file(s) loaded since the last check"
    lines = [f"{source}: {len(drifts)} file(s) changed columns compared with the previous delivery of the same export:"]
    for d in drifts[:10]:
        parts = []
        if d.added:
            parts.append(f"{len(d.added)} added ({', '.join(d.added)})")
        if d.missing:
            parts.append(f"{len(d.missing)} missing ({', '.join(d.missing)})")
        lines.append(f"- export {d.export_key}: {d.path} has {' and '.join(parts)} vs {d.previous_path}")
    if len(drifts) > 10:
        lines.append(f"- ... and {len(drifts) - 10} more")
    lines.append(
        "Added columns are ignored until the source mapping uses them; a missing optional column loads as null "
        "(a missing required column quarantines the file). Check the export's settings with the provider, "
        "then the mapping in dagster_project/ingest/ and the staging model."
    )
    lines.append(f"Look: select path, loaded_at, columns_json from ops.ingest_files where path like '{drifts[0].export_key}/%' "
                 "order by loaded_at")
    return "\n".join(lines)


def build_schema_drift_check(spec: SourceSpec) -> dg.AssetChecksDefinition:
    key = dg.AssetKey(["raw", spec.raw_table])

    @dg.asset_check(asset=key, name="schema_drift",
                    description=f"Files under {spec.name}/ keep the columns of the previous delivery of the same export.")
    def _schema_drift(context: dg.AssetCheckExecutionContext, warehouse: FinopsWarehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as conn:
            since = conn.execute(
                "select max(checked_at) from ops.check_results where check_name = 'schema_drift' and asset_key = ?",
                [key.to_user_string()],
            ).fetchone()[0]
            files = [
                FileColumns(path, export_name(path), tuple(json.loads(cols)), loaded_at)
                for path, cols, loaded_at in conn.execute(
                    """
                    select path, columns_json, loaded_at from ops.ingest_files
                    where source = ? and columns_json is not null and status in ('loaded', 'superseded')
                    """,
                    [spec.name],
                ).fetchall()
            ]
            drifts = column_drift(files, since)
            compared = sum(1 for f in files if since is None or f.loaded_at > since)
            message = drift_message(spec.name, drifts, compared)
            progress.say(f"check schema_drift {spec.name}: {'ok' if not drifts else 'FAILED'} - {message.splitlines()[0]}")
            return record(
                conn, context, "schema_drift", key.to_user_string(), "warn", not drifts, message,
                {"source": spec.name, "files_compared": compared, "files_changed": len(drifts),
                 "added": sorted({c for d in drifts for c in d.added}),
                 "missing": sorted({c for d in drifts for c in d.missing})},
                subject=f"{spec.name}: {drifts[0].path}" if drifts else None,
            )

    return _schema_drift


schema_drift_checks = [build_schema_drift_check(spec) for spec in SOURCES.values()]


UNKNOWN_TYPES_SQL = """
select
    x_source,
    x_line_item_type,
    ChargeCategory,
    BillingCurrency,
    count(*) as n_rows,
    sum(BilledCost) as billed_cost,
    sum(EffectiveCost) as effective_cost,
    min(cast(ChargePeriodStart as date)) as first_day,
    max(cast(ChargePeriodStart as date)) as last_day,
    string_agg(distinct x_source_file, ', ' order by x_source_file) as files
from marts.focus_costs
where x_line_item_type is not null
group by all
order by x_source, x_line_item_type, BillingCurrency
"""


def unknown_types(rows: list[tuple], known: dict[str, frozenset[str]] = KNOWN_LINE_ITEM_TYPES) -> list[tuple]:
    lowered = {src: {v.lower() for v in vals} for src, vals in known.items()}
    return [r for r in rows if r[0] in lowered and r[1].lower() not in lowered[r[0]]]


def unknown_types_message(bad: list[tuple]) -> str:
    if not bad:
        return "every line item type is one the FOCUS mapping knows"
    lines = [f"{len({(r[0], r[1]) for r in bad})} unknown line item type(s), mapped to a fallback ChargeCategory:"]
    for src, kind, cat, cur, n, billed, effective, first, last in [r[:9] for r in bad[:15]]:
        days = f"{first}" if first == last else f"{first}..{last}"
        lines.append(f"- {src}: '{kind}' on {n} row(s), billed {billed:,.2f} {cur} (effective {effective:,.2f}), "
                     f"days {days}, mapped to ChargeCategory {cat}")
    lines.append("The money is kept and allocated, but its FOCUS category may be wrong. Map the new type in the source's "
                 "intermediate model (e.g. int_aws_charges_mapped.sql) and add it to "
                 "seeds/focus/focus_line_item_types.csv.")
    lines.append(f"Look: select x_source_file, ChargeDescription, BilledCost from marts.focus_costs "
                 f"where x_line_item_type = '{bad[0][1]}'")
    return "\n".join(lines)


@dg.asset_check(asset=FOCUS_COSTS, name="unknown_line_item_types",
                description="Every x_line_item_type (AWS line item type, GCP cost type, Azure charge type) is one the mapping knows.")
def unknown_line_item_types(context: dg.AssetCheckExecutionContext, warehouse: FinopsWarehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as conn:
        bad = unknown_types(conn.execute(UNKNOWN_TYPES_SQL).fetchall())
        message = unknown_types_message(bad)
        progress.say(f"check unknown_line_item_types: {'ok' if not bad else 'FAILED'} - {message.splitlines()[0]}")
        return record(
            conn, context, "unknown_line_item_types", FOCUS_COSTS.to_user_string(), "warn", not bad, message,
            {"unknown": [f"{r[0]}:{r[1]}" for r in bad], "rows": sum(r[4] for r in bad)},
            subject=f"{bad[0][0]}: {bad[0][1]}" if bad else None,
        )
