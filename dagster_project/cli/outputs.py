"""`finops estimate`, `finops report` and `finops export`: what the warehouse tells its readers."""

from __future__ import annotations

from pathlib import Path

import click

from dagster_project import progress
from dagster_project.cli.common import apply_paths, warehouse_path
from dagster_project.settings import REPO_ROOT


@click.command()
@click.option("--warehouse", type=click.Path(dir_okay=False), default=None, help="DuckDB file (env FINOPS_WAREHOUSE).")
@click.option("--item", "items", multiple=True, required=True,
              help="Planned usage 'SERVICE_OR_MODEL[@UNIT]=QUANTITY', e.g. 'Amazon Elastic Compute Cloud@Hours=720' (repeatable).")
@click.option("--window-days", default=30, show_default=True, type=int, help="Days of recent actuals to price from.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def estimate(warehouse: str | None, items: tuple[str, ...], window_days: int, as_json: bool) -> None:
    """Estimate a tenant's cost for planned usage: variable part at recent unit prices plus the expected common share."""
    import json as _json

    from dagster_project.estimate import EstimateError, Item
    from dagster_project.estimate import estimate as run_estimate

    settings = apply_paths(None, warehouse)
    try:
        result = run_estimate(settings.warehouse, [Item.parse(i) for i in items], window_days, settings.reporting_currency)
    except EstimateError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(_json.dumps(result, indent=2, ensure_ascii=False))
        return
    cur = result["currency"]
    for line in result["lines"]:
        click.echo(f"{line['item']}: {line['quantity']} x {line['unit_price']} = {line['variable_cost']} {cur}"
                   f"  (observed {line['observed_quantity']} for {line['observed_cost']} {cur})")
    click.echo(f"variable cost: {result['variable_cost']} {cur}")
    click.echo(f"common share:  {result['common_cost']} {cur}  (ratio {result['assumptions']['common_to_variable_ratio']})")
    click.echo(f"total:         {result['total_cost']} {cur}")
    click.echo("assumptions:")
    for k, v in result["assumptions"].items():
        click.echo(f"  {k}: {v}")


@click.command()
@click.option("--warehouse", type=click.Path(dir_okay=False), default=None, help="DuckDB file (env FINOPS_WAREHOUSE).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=str(REPO_ROOT / "build" / "report.html"),
              show_default=True, help="HTML file to write.")
def report(warehouse: str | None, out: str) -> None:
    """One self-contained HTML report (inline SVG charts, no network) from the public marts."""
    from dagster_project.report import WarehouseError, build_report

    progress.enable()
    path = warehouse_path(warehouse)
    progress.say(f"report: reading {path}")
    try:
        written = build_report(path, Path(out))
    except WarehouseError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"report: {written.resolve()}")


@click.command()
@click.option("--warehouse", type=click.Path(dir_okay=False), default=None, help="DuckDB file (env FINOPS_WAREHOUSE).")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True,
              help="Folder to write: one sub-folder per mart with data.parquet.")
@click.option("--tenant", default=None, help="Only this tenant's rows (and no other tenant's names).")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet", show_default=True,
              help="csv neutralizes spreadsheet formula prefixes (=, +, -, @) with a leading apostrophe.")
def export(warehouse: str | None, out: str, tenant: str | None, fmt: str) -> None:
    """Write the public marts as parquet (one folder per table) for BI tools; --tenant for one tenant's own data."""
    from dagster_project.export import ExportError
    from dagster_project.export import export as run_export

    progress.enable()
    path = warehouse_path(warehouse)
    progress.say(f"export: reading {path}" + (f" for tenant {tenant}" if tenant is not None else ""))
    try:
        done = run_export(path, Path(out), tenant, fmt)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"export: {len(done)} table(s), {sum(e.rows for e in done):,} rows in {Path(out).resolve()}")
    for e in done:
        click.echo(f"  {e.table}: {e.rows:,} rows")
