"""`finops pull`: fetch new or changed exports from the object stores and the admin APIs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dagster_project import progress
from dagster_project.cli.common import apply_paths, run_lock


@click.command()
@click.option("--landing", type=click.Path(file_okay=False), default=None, help="Landing folder (env FINOPS_LANDING_DIR).")
@click.option("--warehouse", type=click.Path(dir_okay=False), default=None, help="DuckDB file (env FINOPS_WAREHOUSE).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Pull configuration (env FINOPS_PULL_CONFIG, default pull.yml).")
@click.option("--source", "only", multiple=True, help="Only these sources (name or kind; repeatable).")
@click.option("--dry-run", is_flag=True, help="List what would be fetched; copy and record nothing.")
@click.option("--wait", "wait_seconds", default=0.0, type=float, show_default=True, help="Seconds to wait for a running finops run.")
def pull(landing: str | None, warehouse: str | None, config_file: str | None, only: tuple[str, ...], dry_run: bool,
         wait_seconds: float) -> None:
    """Fetch new or changed exports from S3 / Cloud Storage / Azure Blob and the OpenAI / Anthropic admin APIs."""
    from dagster_project.pull import load_config, pull_sources
    from dagster_project.pull.config import PullConfigError
    from dagster_project.warehouse import open_warehouse

    settings = apply_paths(landing, warehouse)
    try:
        config = load_config(Path(config_file) if config_file else None)
    except PullConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if config.path is None:
        click.echo("no pull configuration (pull.yml or FINOPS_PULL_CONFIG): nothing to pull")
        return
    sources = [s for s in config.sources if not only or s.name in only or s.kind in only]
    unknown = [o for o in only if not any(o in (s.name, s.kind) for s in config.sources)]
    if unknown:
        raise click.ClickException(f"unknown source(s) {', '.join(unknown)}; configured: {', '.join(s.name for s in config.sources)}")
    progress.enable()
    if dry_run:
        if settings.warehouse.exists():
            with run_lock(settings.warehouse, wait_seconds), open_warehouse(settings.warehouse, read_only=True) as conn:
                results = pull_sources(conn, settings.landing_dir, sources, dry_run=True, log=click.echo)
        else:
            results = pull_sources(None, settings.landing_dir, sources, dry_run=True, log=click.echo)
    else:
        with run_lock(settings.warehouse, wait_seconds), open_warehouse(settings.warehouse) as conn:
            results = pull_sources(conn, settings.landing_dir, sources, log=click.echo)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        sys.exit(1)
