"""Late data: an export with no rows for a day that should have them, or a day far below its trailing level.

Per export (the folder below the source folder, checks/exports.py, so any source works) and billing period:
- expected days run from the period's first day to the last day any source has data for in
  that period (a provider that is a day behind the others shows up here), capped at the
  period end;
- only exports with daily data are judged: rows on at least half the expected days (and at
  least 3), and a typical day of at least 5 rows. A monthly fee file has no "missing days",
  and an export with one or two rows a day can miss a day by chance;
- a day is thin when both its row count and its billed cost are below
  FINOPS_LATE_DATA_MIN_RATIO (default 0.25) of the median of the export's previous 7 days
  (at least 3 of them with data): a partial day is low in both, a quiet day rarely is.
Pulls (pull.yml): each configured source's last successful pull is reported; an enabled source
whose last success is older than FINOPS_PULL_MAX_AGE_HOURS (default 36), or that has only
failed, fails the check too (a source skipped for lack of credentials is reported, not flagged).
Severity warn: the numbers are still right for what has arrived, and the next delivery
usually fills the gap.
"""

import datetime as dt
import os
import statistics
from dataclasses import dataclass

import dagster as dg

from dagster_project import progress
from dagster_project.checks.exports import EXPORT_NAME_SQL
from dagster_project.checks.results import record
from dagster_project.pull.config import load_config
from dagster_project.pull.run import pull_freshness
from dagster_project.resources import FinopsWarehouse

FOCUS_COSTS = dg.AssetKey(["marts", "focus_costs"])
TRAILING_DAYS = 7
MIN_HISTORY_DAYS = 3
MIN_TYPICAL_ROWS = 5

DAILY_ROWS_SQL = """
select
    files.source,
    {export_name} as export_key,
    cast(costs.BillingPeriodStart as date) as period_start,
    cast(costs.BillingPeriodEnd as date) as period_end,
    cast(costs.ChargePeriodStart as date) as charge_date,
    count(*) as n_rows,
    sum(costs.BilledCost) as billed_cost,
    string_agg(distinct costs.BillingCurrency, ',') as currency
from marts.focus_costs as costs
inner join ops.ingest_files as files
    on costs.x_file_id = files.file_id
where costs.ChargePeriodStart >= costs.BillingPeriodStart
  and costs.ChargePeriodStart < costs.BillingPeriodEnd
group by all
""".format(export_name=EXPORT_NAME_SQL.format(path="files.path"))


@dataclass(frozen=True)
class DayRows:
    source: str
    export_key: str
    period_start: dt.date
    period_end: dt.date  # exclusive
    charge_date: dt.date
    n_rows: int
    billed_cost: object
    currency: str | None


@dataclass(frozen=True)
class LateFinding:
    source: str
    export_key: str
    period: str
    kind: str  # "missing" or "thin"
    day: dt.date
    text: str


def min_ratio() -> float:
    return float(os.environ.get("FINOPS_LATE_DATA_MIN_RATIO", "0.25"))


def find_late_days(rows: list[DayRows], ratio: float = 0.25) -> list[LateFinding]:
    """Pure logic over per-export daily row counts (unit-tested)."""
    by_export: dict[tuple, dict[dt.date, DayRows]] = {}
    data_end: dict[dt.date, dt.date] = {}
    for r in rows:
        by_export.setdefault((r.source, r.export_key, r.period_start, r.period_end), {})[r.charge_date] = r
        data_end[r.period_start] = max(data_end.get(r.period_start, r.charge_date), r.charge_date)
    findings: list[LateFinding] = []
    for (source, export, p_start, p_end), days in sorted(by_export.items()):
        last = min(p_end - dt.timedelta(days=1), data_end[p_start])
        expected = [p_start + dt.timedelta(days=i) for i in range((last - p_start).days + 1)]
        typical = statistics.median(d.n_rows for d in days.values())
        if len(days) < max(MIN_HISTORY_DAYS, len(expected) / 2) or typical < MIN_TYPICAL_ROWS:
            continue  # not a daily export (e.g. a monthly fee file), or too sparse to judge
        period = f"{p_start:%Y-%m}"
        costs = [d.billed_cost for d in days.values() if d.billed_cost is not None]
        typical_cost = statistics.median(costs) if costs else None
        currency = next((d.currency for d in days.values() if d.currency), "")
        missing = [d for d in expected if d not in days]
        if missing:
            spans = _spans(missing)
            findings.append(LateFinding(
                source, export, period, "missing", missing[0],
                f"{source} export {export}, billing period {period}: no rows for {spans} "
                f"({len(missing)} of {len(expected)} expected days, {p_start} to {last}; a typical day has {typical:g} rows "
                f"and {_money(typical_cost)} {currency} billed)",
            ))
        for day in sorted(days):
            history = [days[day - dt.timedelta(days=k)] for k in range(1, TRAILING_DAYS + 1)
                       if day - dt.timedelta(days=k) in days]
            if len(history) < MIN_HISTORY_DAYS:
                continue
            base = statistics.median(h.n_rows for h in history)
            base_cost = statistics.median(float(h.billed_cost or 0) for h in history)
            cur = days[day]
            cost_low = base_cost <= 0 or float(cur.billed_cost or 0) < ratio * base_cost
            if cur.n_rows < ratio * base and cost_low:
                findings.append(LateFinding(
                    source, export, period, "thin", day,
                    f"{source} export {export}, billing period {period}: {day} has {cur.n_rows} rows "
                    f"and {_money(cur.billed_cost)} {cur.currency or currency} billed: {cur.n_rows / base:.0%} of the "
                    f"trailing {TRAILING_DAYS}-day median of {base:g} rows and {_money(base_cost)} {currency} a day",
                ))
    return findings


def _money(value) -> str:
    return f"{value:,.2f}" if value is not None else "n/a"


def _spans(days: list[dt.date]) -> str:
    """[1,2,3,5] -> '2026-10-01..2026-10-03, 2026-10-05'"""
    out, start, prev = [], days[0], days[0]
    for d in days[1:] + [None]:
        if d is not None and d == prev + dt.timedelta(days=1):
            prev = d
            continue
        out.append(f"{start}" if start == prev else f"{start}..{prev}")
        if d is not None:
            start = prev = d
    return ", ".join(out)


def late_data_message(findings: list[LateFinding], rows_checked: int) -> str:
    if not findings:
        return f"every daily export has rows for every expected day and no day far below its trailing level ({rows_checked} export-days checked)"
    exports = sorted({f.export_key for f in findings})
    lines = [f"Late or incomplete data in {len(exports)} export(s):"] + [f"- {f.text}" for f in findings[:20]]
    if len(findings) > 20:
        lines.append(f"- ... and {len(findings) - 20} more")
    lines.append(
        "Likely the provider has not delivered these days yet or a delivery was cut short; the next delivery "
        "of the period usually restates them and the next run picks it up. Until then chargeback for these days is low."
    )
    lines.append(
        f"Look: select cast(ChargePeriodStart as date) as day, count(*), sum(BilledCost) from marts.focus_costs "
        f"where x_source_file like '{exports[0]}/%' group by 1 order by 1; "
        f"and select path, status, loaded_at from ops.ingest_files where path like '{exports[0]}/%' order by loaded_at"
    )
    return "\n".join(lines)


@dg.asset_check(asset=FOCUS_COSTS, name="late_data",
                description="Every daily export has rows for each day of its billing period up to the latest loaded day, "
                            "and no day is far below its trailing 7-day level.")
def late_data(context: dg.AssetCheckExecutionContext, warehouse: FinopsWarehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as conn:
        rows = [DayRows(*r) for r in conn.execute(DAILY_ROWS_SQL).fetchall()]
        findings = find_late_days(rows, min_ratio())
        message = late_data_message(findings, len(rows))
        last_pulls, stale_pulls = pull_status(conn)
        if stale_pulls:
            message = "\n".join(
                ["Stale pulls (the landing folder may be missing deliveries):"] + [f"- {s}" for s in stale_pulls]
                + ["Look: select * from ops.pull_state; the pull_failed alerts say why."]
                + ([] if not findings else ["", message])
            )
        elif last_pulls:
            message += "; last successful pulls: " + ", ".join(f"{k} {v}" for k, v in sorted(last_pulls.items()))
        passed = not findings and not stale_pulls
        progress.say(f"check late_data: {'ok' if passed else 'FAILED'} - {message.splitlines()[0]}")
        first = findings[0] if findings else None
        subject = f"{first.source}: {first.export_key} {first.day}" if first else ("stale pull" if stale_pulls else None)
        return record(
            conn, context, "late_data", FOCUS_COSTS.to_user_string(), "warn", passed, message,
            {"findings": len(findings), "missing_days": sum(f.kind == "missing" for f in findings),
             "thin_days": sum(f.kind == "thin" for f in findings),
             "exports": sorted({f.export_key for f in findings}),
             "last_successful_pull": last_pulls, "stale_pulls": len(stale_pulls)},
            subject=subject,
        )


def pull_max_age_hours() -> float:
    return float(os.environ.get("FINOPS_PULL_MAX_AGE_HOURS", "36"))


def pull_status(conn) -> tuple[dict, list[str]]:
    """Per configured pull source its last successful pull, and the stale ones (pull.yml)."""
    try:
        sources = list(load_config().sources)
    except Exception as exc:  # noqa: BLE001 - a broken pull.yml is the pull's failure, not this check's
        progress.say(f"check late_data: pull configuration not readable: {exc}")
        return {}, []
    return pull_freshness(conn, sources, pull_max_age_hours())
