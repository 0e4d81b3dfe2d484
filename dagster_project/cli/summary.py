"""The summary `finops run` prints: rows, files, balances, excluded files, repairs, alerts."""

from __future__ import annotations

import click

from dagster_project import progress
from dagster_project.settings import Settings


def print_summary(settings: Settings) -> None:
    from dagster_project.warehouse import open_warehouse

    with open_warehouse(settings.warehouse, read_only=True) as conn:
        focus_rows = conn.execute("select count(*) from marts.focus_costs").fetchone()[0] if _has(conn, "marts", "focus_costs") else 0
        files = dict(conn.execute("select status, count(*) from ops.ingest_files group by status").fetchall())
        click.echo("")
        click.echo("Summary")
        click.echo(f"  warehouse:          {settings.warehouse}")
        click.echo(f"  landing folder:     {settings.landing_dir}")
        click.echo(f"  FOCUS rows:         {focus_rows:,} (marts.focus_costs)")
        click.echo("  files:              " + ", ".join(f"{v} {k}" for k, v in sorted(files.items())) if files else "  files:              none")
        if _has(conn, "marts", "fct_platform_balance_monthly"):
            for month, cur, cost, charged, bal in conn.execute(
                "select billing_month, currency, platform_cost, charged_back, balance from marts.fct_platform_balance_monthly order by 1"
            ).fetchall():
                click.echo(f"  balance {month:%Y-%m}:    platform {cost:,.2f} {cur}, charged back {charged:,.2f}, balance {bal:.2f}")
        _print_excluded(conn)
        _print_repairs(progress.notices())
        alerts = conn.execute("select count(*) from ops.alerts").fetchone()[0]
        click.echo(f"  alerts (all time):  {alerts} (ops.alerts)")


# The newest version of each path, when it is not loaded: what no chargeback includes.
EXCLUDED_SQL = """
select source, path, status, reason, cost_total, currency
from (
    select *, row_number() over (partition by source, path order by loaded_at desc) as version_rank
    from ops.ingest_files
)
where version_rank = 1 and status in ('quarantined', 'ignored')
order by status, source, path
"""


def _print_excluded(conn) -> None:
    excluded = conn.execute(EXCLUDED_SQL).fetchall()
    if not excluded:
        click.echo("  excluded files:     none")
        return
    click.echo(f"  excluded files:     {len(excluded)} (in no chargeback; see ops.ingest_files)")
    for _source, path, status, reason, cost, currency in excluded[:20]:
        amount = f"{cost:,.2f} {currency}" if cost is not None and currency else "cost unknown"
        first_line = (reason or "").splitlines()[0] if reason else ""
        click.echo(f"    - {status} {path} ({amount}): {first_line[:160]}")
    if len(excluded) > 20:
        click.echo(f"    ... and {len(excluded) - 20} more")


def _print_repairs(repairs: list[str]) -> None:
    """The stored files this run found missing or damaged, and what it did about them."""
    if not repairs:
        return
    click.echo(f"  repairs:            {len(repairs)} (stored files found missing or damaged)")
    for line in repairs[:20]:
        click.echo(f"    - {line[:300]}")
    if len(repairs) > 20:
        click.echo(f"    ... and {len(repairs) - 20} more")


def _has(conn, schema: str, table: str) -> bool:
    return bool(conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()[0])

