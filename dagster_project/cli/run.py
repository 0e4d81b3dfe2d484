"""`finops sample`, `finops run`, `finops publish` and `finops demo`: sample data, the nightly
job with write-audit-publish, publishing by hand."""

from __future__ import annotations

import time
from pathlib import Path

import click

from dagster_project import progress
from dagster_project.cli.common import apply_paths, exit_now, previous_month, run_lock, validate_month
from dagster_project.cli.pipeline import execute_pipeline
from dagster_project.cli.summary import print_summary
from dagster_project.settings import REPO_ROOT


@click.command()
@click.option("--out", "out", type=click.Path(file_okay=False), required=True, help="Landing folder to write into.")
@click.option("--month", default=None, help="Billing month YYYY-MM (default: last month).")
@click.option("--seed", default=42, show_default=True, type=int, help="Random seed: same seed, same files.")
@click.option("--rows", default=20_000, show_default=True, type=int, help="Rows of the main AWS CUR export.")
@click.option("--source", "sources", multiple=True, help="Only these source folders (repeatable).")
def sample(out: str, month: str | None, seed: int, rows: int, sources: tuple[str, ...]) -> None:
    """Write deterministic sample exports in each provider's real format and layout."""
    from dagster_project.sample import generate

    month = month or previous_month()
    validate_month(month)
    progress.enable()
    progress.say(f"sample: writing {month} (seed {seed}, {rows:,} CUR rows) to {out}")
    written = generate(Path(out), month, seed, rows, list(sources) or None)
    for source, files in written.items():
        click.echo(f"{source}: {len(files)} file(s)")
        for f in files:
            click.echo(f"  {f}")



@click.command()
@click.option("--landing", type=click.Path(file_okay=False), default=None, help="Landing folder (env FINOPS_LANDING_DIR).")
@click.option("--warehouse", type=click.Path(dir_okay=False), default=None, help="DuckDB file (env FINOPS_WAREHOUSE).")
@click.option("--month", "months", default=None, metavar="YYYY-MM[..YYYY-MM]",
              help="Rebuild these months (a month, a range, or a comma list), changed or not. "
                   "Default: the months whose files changed.")
@click.option("--full", is_flag=True, help="Rebuild every month (the same as FINOPS_FORCE_BUILD=1).")
@click.option("--wait", "wait_seconds", default=0.0, type=float, show_default=True, help="Seconds to wait for a running finops run.")
def run(landing: str | None, warehouse: str | None, months: str | None, full: bool, wait_seconds: float) -> None:
    """Ingest, then build and check the months whose files changed (README "Partitions")."""
    import os

    from dagster_project.partitions import parse_months

    try:
        requested = parse_months(months) if months else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    if full and requested:
        raise click.BadParameter("--full rebuilds every month: give it or --month, not both", param_hint="--full")
    if full:
        os.environ["FINOPS_FORCE_BUILD"] = "1"
    settings = apply_paths(landing, warehouse)
    if not settings.landing_dir.is_dir():
        raise click.ClickException(f"landing folder {settings.landing_dir} does not exist (set --landing or FINOPS_LANDING_DIR)")
    with run_lock(settings.warehouse, wait_seconds):
        from dagster_project.warehouse import WarehouseUnavailable, check_writable

        try:
            check_writable(settings.warehouse)
        except WarehouseUnavailable as exc:
            raise click.ClickException(str(exc)) from None
        started = time.monotonic()
        ok, failures, run_id = execute_pipeline(settings, months=requested)
        from dagster_project.publish import audit_and_publish

        published, failures = audit_and_publish(settings, failures, run_id)
        ok = ok and not failures
        try:
            print_summary(settings)
        except Exception as exc:  # noqa: BLE001 - the run's outcome is decided; a summary that cannot be read must not hide it
            from dagster_project.warehouse import explain_open_error

            click.echo(f"  summary unavailable: {explain_open_error(settings.warehouse, exc)}", err=True)
        for line in published:
            click.echo(line)
        click.echo(f"  took:               {time.monotonic() - started:.1f} s")
    if not ok:
        click.echo("\nBlocking failures:", err=True)
        for f in failures:
            click.echo(f"  - {f}", err=True)
    exit_now(0 if ok else 1)


@click.command(name="publish")
@click.option("--warehouse", type=click.Path(dir_okay=False), default=None, help="DuckDB file (env FINOPS_WAREHOUSE).")
@click.option("--force", is_flag=True, help="Publish even though the last run's checks failed (or no run was audited).")
@click.option("--wait", "wait_seconds", default=0.0, type=float, show_default=True, help="Seconds to wait for a running finops run.")
def publish_command(warehouse: str | None, force: bool, wait_seconds: float) -> None:
    """Publish the working warehouse for BI by hand: a read-only copy in <warehouse folder>/published/
    (FINOPS_PUBLISHED_DIR) whose views read its own links to the parquet files, swapped in atomically.
    Refused when the last `finops run` found a blocking failure, unless --force."""
    import duckdb

    from dagster_project import publish as wap
    from dagster_project.warehouse import explain_open_error

    settings = apply_paths(None, warehouse)
    if not settings.warehouse.exists():
        raise click.ClickException(f"warehouse {settings.warehouse} does not exist: run `finops run` first")
    with run_lock(settings.warehouse, wait_seconds):
        try:
            audit = wap.last_audit(settings.warehouse)
            if not force and audit is None:
                raise click.ClickException("no audited run of this warehouse yet: run `finops run` (or pass --force)")
            if not force and not audit["passed"]:
                names = sorted({wap.short_failure(f) for f in audit["blocking"]})
                raise click.ClickException(f"the last run ({str(audit['run_id'])[:8]}) was blocked by {', '.join(names)}: "
                                           "fix it and rerun `finops run`, or pass --force to publish this build anyway")
            pub = wap.publish(settings.warehouse, (audit or {}).get("run_id"))
        except wap.PublishError as exc:
            raise click.ClickException(str(exc)) from None
        except (duckdb.Error, OSError) as exc:
            raise click.ClickException(explain_open_error(settings.warehouse, exc)) from None
    click.echo(f"published: {pub.path} ({len(pub.files)} linked file(s), {pub.copied} copied, {pub.removed} old removed)")



@click.command()
@click.option("--out", "out", type=click.Path(file_okay=False), default=str(REPO_ROOT / "data" / "landing"), show_default=True)
@click.option("--warehouse", type=click.Path(dir_okay=False), default=None)
@click.option("--month", default=None)
@click.option("--seed", default=42, type=int, show_default=True)
@click.option("--rows", default=20_000, type=int, show_default=True)
@click.pass_context
def demo(ctx: click.Context, out: str, warehouse: str | None, month: str | None, seed: int, rows: int) -> None:
    """Sample data, then the whole pipeline, then the summary."""
    ctx.invoke(sample, out=out, month=month, seed=seed, rows=rows, sources=())
    ctx.invoke(run, landing=out, warehouse=warehouse, month=month, wait_seconds=0.0)

