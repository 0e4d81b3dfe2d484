"""`finops`: a thin command line over the Dagster definitions and the warehouse."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import sys
import time
from pathlib import Path

import click

from dagster_project import progress
from dagster_project.settings import REPO_ROOT, Settings


def _previous_month() -> str:
    first = dt.date.today().replace(day=1)
    last_month = first - dt.timedelta(days=1)
    return f"{last_month:%Y-%m}"


def _apply_paths(landing: str | None, warehouse: str | None) -> Settings:
    """The one `Settings` of this command: the environment, with the command line's paths over
    it. It is handed on from here (resources, dbt's subprocess), never written back."""
    return Settings.from_env().with_paths(landing, warehouse)


@contextlib.contextmanager
def run_lock(warehouse: Path, wait_seconds: float):
    """One `finops run` per warehouse: a second one waits, then exits with a clear message."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    with open(lock_path, "w") as fh:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise click.ClickException(
                        f"another finops run holds the lock on {warehouse} (lock file {lock_path}); "
                        f"waited {wait_seconds:.0f}s. Try again when it has finished, or pass --wait SECONDS."
                    ) from None
                time.sleep(0.5)
        fh.write(str(os.getpid()))
        fh.flush()
        yield


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """FinOps pipeline: cloud bills and LLM token logs to FOCUS 1.2, zero-balance chargeback, TEI."""


@main.command()
@click.option("--out", "out", type=click.Path(file_okay=False), required=True, help="Landing folder to write into.")
@click.option("--month", default=None, help="Billing month YYYY-MM (default: last month).")
@click.option("--seed", default=42, show_default=True, type=int, help="Random seed: same seed, same files.")
@click.option("--rows", default=20_000, show_default=True, type=int, help="Rows of the main AWS CUR export.")
@click.option("--source", "sources", multiple=True, help="Only these source folders (repeatable).")
def sample(out: str, month: str | None, seed: int, rows: int, sources: tuple[str, ...]) -> None:
    """Write deterministic sample exports in each provider's real format and layout."""
    from dagster_project.sample import generate

    month = month or _previous_month()
    _validate_month(month)
    progress.enable()
    progress.say(f"sample: writing {month} (seed {seed}, {rows:,} CUR rows) to {out}")
    written = generate(Path(out), month, seed, rows, list(sources) or None)
    for source, files in written.items():
        click.echo(f"{source}: {len(files)} file(s)")
        for f in files:
            click.echo(f"  {f}")


def _validate_month(month: str) -> None:
    try:
        dt.datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise click.BadParameter(f"month must be YYYY-MM, got {month!r}") from None


def dagster_instance():
    """The Dagster instance in DAGSTER_HOME when it is set (the Makefile sets one): the run, its
    materializations and check results then show in `dagster dev`. Without it, an ephemeral one."""
    from dagster import DagsterInstance

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return DagsterInstance.ephemeral()
    home_dir = Path(home).expanduser().resolve()
    home_dir.mkdir(parents=True, exist_ok=True)
    # the instance of that folder, as DagsterInstance.get() would build it from DAGSTER_HOME
    return DagsterInstance.from_config(str(home_dir))


def execute_pipeline(settings: Settings, quiet: bool = False) -> tuple[bool, list[str], str | None]:
    """Run the nightly job in process. Returns (success, failures, run id)."""
    if not quiet:
        progress.enable()
    from dagster_project.definitions import defs
    from dagster_project.sensors import CLI_RUN_TAG

    job = defs.resolve_job_def("nightly_job")
    with dagster_instance() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={
                "loggers": {"console": {"config": {"log_level": "ERROR"}}},
                "resources": {"warehouse": {"config": settings.resource_config()}},
            },
            tags={CLI_RUN_TAG: "finops run"},
        )
        # the run-failure sensor does not see in-process runs: alert here
        from dagster_project.sensors import alert_in_process_failure

        alert_in_process_failure(settings, result)
        failures = []
        for ev in result.get_asset_check_evaluations():
            if not ev.passed and ev.severity.value == "ERROR":
                failures.append(f"check {ev.check_name} on {ev.asset_key.to_user_string()}: {ev.description or ''}".strip())
        for ev in result.all_events:
            if ev.is_step_failure:
                failures.append(f"step {ev.step_key} failed: {ev.event_specific_data.error.message.strip()[:2000]}")
        if not result.success and not failures:
            failures.append("the run failed; see the Dagster logs")
        failures = condense_failures(settings, failures)
        _write_step_timings(instance.all_logs(result.run_id))
    return result.success and not failures, failures, result.run_id


def condense_failures(settings: Settings, failures: list[str]) -> list[str]:
    """Another process holding the warehouse fails every later step with a wrapper error each;
    say the cause once, by PID."""
    from dagster_project.warehouse import lock_holder, locked_message

    holders = [h for h in (lock_holder(f) for f in failures) if h]
    if not holders:
        return failures
    return [locked_message(settings.warehouse, holders[0])]


def _write_step_timings(events) -> None:
    """Per-step wall seconds (for benchmarks/): FINOPS_TIMINGS_FILE=path.json."""
    path = os.environ.get("FINOPS_TIMINGS_FILE")
    if not path:
        return
    import json

    starts, timings = {}, {}
    for entry in events:
        ev = entry.dagster_event
        if ev is None:
            continue
        if ev.event_type_value == "STEP_START":
            starts[ev.step_key] = entry.timestamp
        elif ev.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and ev.step_key in starts:
            timings[ev.step_key] = round(entry.timestamp - starts[ev.step_key], 3)
    Path(path).write_text(json.dumps(timings, indent=2))


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


@main.command()
@click.option("--landing", type=click.Path(file_okay=False), default=None, help="Landing folder (env FINOPS_LANDING_DIR).")
@click.option("--warehouse", type=click.Path(dir_okay=False), default=None, help="DuckDB file (env FINOPS_WAREHOUSE).")
@click.option("--month", default=None, help="Only summarize this billing month (YYYY-MM); all months are processed.")
@click.option("--wait", "wait_seconds", default=0.0, type=float, show_default=True, help="Seconds to wait for a running finops run.")
def run(landing: str | None, warehouse: str | None, month: str | None, wait_seconds: float) -> None:
    """Ingest, transform, allocate and check: every asset and check of the nightly job."""
    if month:
        _validate_month(month)
    settings = _apply_paths(landing, warehouse)
    if not settings.landing_dir.is_dir():
        raise click.ClickException(f"landing folder {settings.landing_dir} does not exist (set --landing or FINOPS_LANDING_DIR)")
    with run_lock(settings.warehouse, wait_seconds):
        from dagster_project.warehouse import WarehouseUnavailable, check_writable

        try:
            check_writable(settings.warehouse)
        except WarehouseUnavailable as exc:
            raise click.ClickException(str(exc)) from None
        started = time.monotonic()
        ok, failures, run_id = execute_pipeline(settings)
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
    _exit_now(0 if ok else 1)


@main.command(name="publish")
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

    settings = _apply_paths(None, warehouse)
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


def _exit_now(code: int) -> None:
    """Leave without the interpreter's teardown of the Dagster, dbt and GX modules (~2 s of a
    run): by now every connection is closed, the lock released and the output written."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@main.command()
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

    settings = _apply_paths(landing, warehouse)
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


@main.command()
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

    settings = _apply_paths(None, warehouse)
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


@main.command()
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


def _warehouse_path(warehouse: str | None) -> Path:
    return Path(warehouse).resolve() if warehouse else Settings.from_env().warehouse


@main.command()
@click.option("--warehouse", type=click.Path(dir_okay=False), default=None, help="DuckDB file (env FINOPS_WAREHOUSE).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=str(REPO_ROOT / "build" / "report.html"),
              show_default=True, help="HTML file to write.")
def report(warehouse: str | None, out: str) -> None:
    """One self-contained HTML report (inline SVG charts, no network) from the public marts."""
    from dagster_project.report import WarehouseError, build_report

    progress.enable()
    path = _warehouse_path(warehouse)
    progress.say(f"report: reading {path}")
    try:
        written = build_report(path, Path(out))
    except WarehouseError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"report: {written.resolve()}")


@main.command()
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
    path = _warehouse_path(warehouse)
    progress.say(f"export: reading {path}" + (f" for tenant {tenant}" if tenant is not None else ""))
    try:
        done = run_export(path, Path(out), tenant, fmt)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"export: {len(done)} table(s), {sum(e.rows for e in done):,} rows in {Path(out).resolve()}")
    for e in done:
        click.echo(f"  {e.table}: {e.rows:,} rows")


@main.group()
def prices() -> None:
    """The LLM price book (seeds/tokens/llm_prices.csv)."""


@prices.command(name="import-litellm")
@click.option("--out", "out", type=click.Path(dir_okay=False), default="-", show_default=True,
              help="CSV to write (llm_prices.csv columns); '-' prints it.")
@click.option("--from-json", "from_json", type=click.Path(dir_okay=False, exists=True), default=None,
              help="A copy of LiteLLM's model_prices_and_context_window.json instead of the installed package's.")
@click.option("--effective-from", "effective_from", default=None, help="effective_from of the rows, YYYY-MM-DD (default: today).")
def import_litellm_command(out: str, from_json: str | None, effective_from: str | None) -> None:
    """Price rows from LiteLLM's maintained price file for models the book does not list (review, then append)."""
    from dagster_project import litellm_prices

    if from_json:
        path, version = Path(from_json), "file given with --from-json"
    else:
        path = litellm_prices.locate_litellm_file()
        if path is None:
            click.echo("prices import-litellm: the litellm package is not installed (pip install litellm), "
                       "or pass --from-json PATH to a copy of its model_prices_and_context_window.json", err=True)
            raise SystemExit(2)
        version = f"litellm {litellm_prices.litellm_version()}"
    try:
        day = dt.date.fromisoformat(effective_from) if effective_from else dt.date.today()
    except ValueError:
        raise click.ClickException(f"--effective-from {effective_from!r} is not a date YYYY-MM-DD") from None
    try:
        result = litellm_prices.import_litellm(path, day, version)
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"{path}: not a LiteLLM price file ({exc})") from None
    text = litellm_prices.to_csv(result.rows)
    if out == "-":
        click.echo(text, nl=False)
    else:
        Path(out).write_text(text, encoding="utf-8")
    models = len({(r["provider"], r["model"]) for r in result.rows})
    click.echo(f"prices import-litellm: {len(result.rows)} row(s) for {models} model(s) not in the book; "
               f"{len(result.already_in_book)} already in the book; {len(result.skipped)} skipped", err=True)
    for model, reason in sorted(result.skipped.items())[:20]:
        click.echo(f"  skipped {model}: {reason}", err=True)


if __name__ == "__main__":
    main()
