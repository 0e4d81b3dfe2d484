"""Every dbt model, seed and test as Dagster assets and checks (dagster-dbt)."""


import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets

from dagster_project import model_files, partitions, progress, spark_target
from dagster_project.checks import gx_suites
from dagster_project.dbt_project import dbt_project, ensure_manifest
from dagster_project.resources import FinopsDbtCliResource, FinopsWarehouse
from dagster_project.settings import Settings

MANIFEST = ensure_manifest()
PARTIAL_PARSE = "partial_parse.msgpack"


class FinopsTranslator(DagsterDbtTranslator):
    """Asset keys are <schema>/<name> (marts/focus_costs), groups are the dbt folder's area."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # groups are the areas a user thinks in (focus, allocation, reconciliation, tokens, tei),
        # the folder under intermediate/ or marts/; staging and seeds keep one group each
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        if len(fqn) > 3 and fqn[1] in ("intermediate", "marts"):
            return fqn[2]
        return fqn[1] if len(fqn) > 2 else "dbt"


def build_fingerprint(conn, manifest_path, settings: Settings) -> str:
    """What every month's build depends on besides its files (dagster_project/partitions.py): the
    project's nodes and macros, the options and the ECB rates."""
    h = hashlib.sha256()
    # the ECB rates (raw.fx_ecb_rates, replaced each run): new rates convert again
    h.update(str(conn.execute("select max(value) from ops.pipeline_state where key = 'fx_ecb_rates_digest'").fetchone()[0]).encode())
    manifest = json.loads(manifest_path.read_text())
    for uid, node in sorted(manifest.get("nodes", {}).items()):
        h.update(f"{uid}:{node.get('checksum', {}).get('checksum')};".encode())
    for uid, macro in sorted(manifest.get("macros", {}).items()):
        if macro.get("package_name") == "finops":
            h.update(f"{uid}:{macro.get('macro_sql')};".encode())
    h.update(settings.reporting_currency.encode())
    h.update(settings.dbt_target.encode())
    return h.hexdigest()


def plan_build(conn, context: dg.AssetExecutionContext, fingerprint: str, stale: list[str]) -> tuple[str, list[str] | None]:
    """('skip' | 'full' | 'months', months): what this run builds (dagster_project/partitions.py).
    The `finops/months` tag of a run that `finops run` or the changed-months sensor started
    names the months (a changed project still builds all); a run of a partition range without
    it (a backfill) builds that range."""
    tagged = partitions.months_from_tag(context.run.tags.get(partitions.MONTHS_TAG, ""))
    if tagged is not None and tagged[0] == "skip" and not stale and partitions.project_unchanged(conn, fingerprint):
        return tagged
    if tagged is not None and tagged[0] == "full":
        return "full", None
    requested = tagged[1] if tagged is not None and tagged[0] == "months" else None
    if requested is None and context.has_partition_key_range:
        requested = sorted(context.partition_keys)
    return partitions.plan(conn, fingerprint, bool(stale), requested)


def stale_model_files(conn) -> list[str]:
    """Why the parquet_file models' views cannot stand as built (empty: they can): a file
    missing, unreadable or outside this warehouse's folder, or changed since the last build
    (its path, size and mtime, recorded after the build). Part of the skip decision, so that
    damaged marts are rebuilt rather than skipped as current."""
    found = model_files.problems(conn)
    recorded = conn.execute("select value from ops.pipeline_state where key = 'dbt_model_files'").fetchone()
    if not found and recorded and recorded[0] != model_files.state(conn):
        found.append("a model file was replaced or changed since the last build")
    return found


def _record_node_timings(conn, target_dir: Path, run_id: str) -> None:
    """dbt's per-node results into ops.dbt_node_timings (they go away with the target folder)."""
    path = target_dir / "run_results.json"
    if not path.exists():
        return
    results = json.loads(path.read_text())
    invocation_id = results.get("metadata", {}).get("invocation_id") or run_id
    rows = [
        (run_id, invocation_id, r["unique_id"], r["unique_id"].split(".", 1)[0], r.get("status"), r.get("execution_time"))
        for r in results.get("results", [])
    ]
    if rows:
        conn.executemany(
            "insert into ops.dbt_node_timings values (?, ?, ?, ?, ?, ?, current_timestamp)", rows
        )


def _failed_nodes(target_dir: Path, limit: int = 8) -> list[str]:
    """'test assert_source_totals_conserved', 'model focus_costs' ... from run_results.json:
    which dbt nodes failed, for the run summary (what blocked publishing)."""
    path = target_dir / "run_results.json"
    if not path.exists():
        return []
    failed = [r["unique_id"].split(".") for r in json.loads(path.read_text()).get("results", [])
              if r.get("status") in ("fail", "error")]
    names = [f"{parts[0]} {parts[2] if len(parts) > 2 else parts[-1]}" for parts in failed]
    return names[:limit] + ([f"{len(names) - limit} more"] if len(names) > limit else [])


def _parse_state(dbt_env: Mapping[str, str], variant: str = "") -> Path:
    """dbt's partial-parse state for the current profile: dbt re-parses everything (~4 s) when
    the profile's connection settings differ from the saved state's, so one state is kept per
    set of profile inputs (warehouse path, temp folder, memory limit, target): a nightly run
    on the same warehouse finds its own even when tests or other warehouses ran in between."""
    profile_text = (Path(dbt_project.project_dir) / "profiles.yml").read_text()
    names = sorted(set(re.findall(r"env_var\('([A-Z0-9_]+)'", profile_text)))
    key = hashlib.sha256(profile_text.encode())
    for name in names:
        # what the dbt subprocess sees: the process environment with dbt_env over it
        key.update(f"{name}={dbt_env.get(name, os.environ.get(name, ''))};".encode())
    key.update((dbt_project.target or "duckdb").encode())
    # dbt parses everything again when --vars differ from the saved state's (a build of some
    # months): one state per set of vars, so the nightly's usual months find theirs
    key.update(variant.encode())
    return Path(dbt_project.manifest_path).parent / "parse_state" / f"{key.hexdigest()[:16]}.msgpack"


def _reuse_parse_state(target_dir: Path, dbt_env: Mapping[str, str], variant: str = "") -> None:
    # each build gets its own target dir; without dbt's partial-parse state there it would
    # re-parse all ~300 nodes every run. dbt itself re-parses what changed.
    if _parse_state(dbt_env, variant).exists():
        shutil.copy2(_parse_state(dbt_env, variant), target_dir / PARTIAL_PARSE)


def _keep_parse_state(target_dir: Path, dbt_env: Mapping[str, str], variant: str = "", keep: int = 16) -> None:
    built = target_dir / PARTIAL_PARSE
    if not built.exists():
        return
    saved = _parse_state(dbt_env, variant)
    saved.parent.mkdir(parents=True, exist_ok=True)
    staged = saved.with_suffix(f".{os.getpid()}.tmp")
    shutil.copy2(built, staged)
    os.replace(staged, saved)
    # the most recently used states only (tests build in many throwaway warehouses)
    states = sorted(saved.parent.glob("*.msgpack"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in states[keep:]:
        old.unlink(missing_ok=True)


def mart_metadata(conn, key: dg.AssetKey) -> dict:
    """Figures shown on a mart's materialization in the Dagster UI (cheap: counts and sums)."""
    schema, name = key.path[0], key.path[-1]
    exists = conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
    ).fetchone()[0]
    if schema != "marts" or not exists:
        return {}
    meta = {"dagster/row_count": dg.MetadataValue.int(conn.execute(f'select count(*) from marts."{name}"').fetchone()[0])}
    if name == "focus_costs":
        billed = conn.execute(
            "select BillingCurrency, sum(BilledCost), count(distinct x_file_id) from marts.focus_costs group by 1 order by 1"
        ).fetchall()
        meta["billed_cost"] = dg.MetadataValue.text("; ".join(f"{cost:,.2f} {cur}" for cur, cost, _ in billed) or "none")
        meta["files"] = dg.MetadataValue.int(sum(n for _, _, n in billed))
    elif name.startswith("fct_platform_balance_"):
        off, total = conn.execute(
            f'select count(*) filter (where balance <> 0), coalesce(sum(abs(balance)), 0) from marts."{name}"').fetchone()
        meta["periods_out_of_balance"] = dg.MetadataValue.int(off)
        meta["balance_abs_total"] = dg.MetadataValue.float(float(total))
    elif name == "fct_chargeback_monthly":
        totals = conn.execute(f'select currency, sum(total_cost) from marts."{name}" group by 1 order by 1').fetchall()
        meta["charged_back"] = dg.MetadataValue.text("; ".join(f"{cost:,.2f} {cur}" for cur, cost in totals) or "none")
    return meta


def with_mart_metadata(context, conn, events):
    for event in events:
        if isinstance(event, dg.Output):
            try:
                extra = mart_metadata(conn, context.asset_key_for_output(event.output_name))
            except Exception as exc:  # noqa: BLE001 - figures for the UI never fail the build
                context.log.warning(f"no metadata for {event.output_name}: {exc}")
                extra = {}
            if extra:
                event = event.with_metadata({**event.metadata, **extra})
        yield event


@dbt_assets(
    manifest=MANIFEST,
    project=dbt_project,
    # a run of a range of months builds them in one dbt invocation
    partitions_def=partitions.monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=FinopsTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def finops_dbt_assets(context: dg.AssetExecutionContext, dbt: FinopsDbtCliResource, warehouse: FinopsWarehouse):
    settings = warehouse.settings()
    manifest_path = Path(dbt_project.manifest_path)
    with warehouse.connect() as conn:
        fingerprint = build_fingerprint(conn, manifest_path, settings)
        previous_files = model_files.referenced(conn)
        stale = stale_model_files(conn)
        plan, months = plan_build(conn, context, fingerprint, stale)
        if plan == "skip":
            # nothing new was loaded, no model changed and the marts' files read as built: the
            # marts are already current, and so are the checks on them (FINOPS_FORCE_BUILD=1
            # rebuilds anyway)
            progress.say("dbt build skipped: no new files and no model changes since the last build")
            context.log.info("dbt build skipped: nothing changed since the last successful build")
            return
        if stale:
            progress.notice(f"model file(s) missing or unreadable, rebuilding: {'; '.join(stale)}")
            context.log.warning(f"model file(s) missing or unreadable: {'; '.join(stale)}")
    dbt_env = settings.dbt_env()
    on_spark = (dbt_project.target or "duckdb") == "spark"
    if on_spark:
        # Spark reads the landed raw tables as parquet (README "Scaling out")
        with warehouse.connect() as conn:
            exported = spark_target.prepare_build(conn, settings.warehouse)
        progress.say(f"raw tables exported as parquet for Spark: {sum(exported.values()):,} rows in {len(exported)} tables")
        chunks = [(None, True)]
    else:
        with warehouse.connect() as conn:
            chunks = partitions.build_chunks(conn, months, partitions.chunk_rows())
    scope = "every month" if months is None else f"{len(months)} month(s): {', '.join(months)}"
    if len(chunks) > 1:
        scope += f", in {len(chunks)} dbt builds of at most {partitions.chunk_rows():,} rows (FINOPS_BUILD_CHUNK_ROWS)"
    progress.say(f"dbt build ({dbt_project.target or 'duckdb'}) of {scope}: seeds, models and tests")
    context.log.info(f"dbt build of {scope}")
    gx_suites.warm_up()  # the GX checks run right after the build
    events: dict = {}
    for number, (chunk_months, full_refresh) in enumerate(chunks, start=1):
        if len(chunks) > 1:
            progress.say(f"dbt build {number}/{len(chunks)}: {chunk_months[0]}..{chunk_months[-1]}")
        try:
            # the tests over every month (tag all_months) wait for the last chunk
            invocation = _run_dbt(context, dbt, dbt_env, chunk_months, full_refresh, events, warehouse,
                                  all_month_tests=number == len(chunks))
        except Exception:
            yield from _merged(events)  # what was built is still recorded
            raise
        if not invocation["ok"]:
            yield from _merged(events)  # what was built is still recorded
            raise dg.Failure(
                description=f"dbt build failed: {', '.join(invocation['failed']) or 'see the dbt log'}; see the failing models/tests "
                            "above and `dbt build` in dbt_project/.",
                metadata={"dbt_error": invocation["error"][:4000]},
            )
    with warehouse.connect() as conn:
        # on Spark the DuckDB marts are filled after this (publish_to_duckdb)
        merged = list(_merged(events))
        yield from (merged if on_spark else with_mart_metadata(context, conn, merged))
        if on_spark:
            # Spark computed, DuckDB serves: the checks, report and exports read these
            published = spark_target.publish_to_duckdb(conn, settings.warehouse)
            progress.say(f"Spark build published to DuckDB: {len(published)} tables")
        partitions.record_build(conn, fingerprint, months)
        conn.execute(
            "insert or replace into ops.pipeline_state values ('dbt_build_fingerprint', ?, current_timestamp)", [fingerprint]
        )
        conn.execute(
            "insert or replace into ops.pipeline_state values ('dbt_model_files', ?, current_timestamp)",
            [model_files.state(conn)],
        )
        model_files.prune(conn, keep=previous_files)


def _merged(events: dict):
    yield from events.values()


def _keep_event(events: dict, event) -> None:
    """One event per output and per check over the chunks of a build, the latest: the state
    the build ends in. (An error-level test failing in any chunk fails the build before the
    next chunk; a warning in an early chunk is in the progress output and the dbt log.)"""
    if isinstance(event, dg.Output):
        key = ("output", event.output_name)
    elif isinstance(event, dg.AssetCheckResult):
        key = ("check", event.asset_key, event.check_name)
    else:
        key = ("event", len(events))
    events.pop(key, None)  # re-inserted last: the order of the latest build
    events[key] = event


def _run_dbt(context, dbt, dbt_env, months, full_refresh: bool, events: dict, warehouse, all_month_tests: bool = True) -> dict:
    """One `dbt build` (of `months`, or all): its events into `events`, node timings recorded."""
    target_dir = Path(tempfile.mkdtemp(prefix="finops-dbt-"))
    build_vars = "" if months is None else json.dumps({"build_months": months})
    # a build of all months replaces the incremental models (a changed model may add columns)
    scope_args = (["--full-refresh"] if full_refresh else []) + (["--vars", build_vars] if build_vars else [])
    _reuse_parse_state(target_dir, dbt_env, build_vars)
    invocation = None
    try:
        # the paths reach dbt's profile as the subprocess environment (Settings.dbt_env).
        # dbt unit tests check the models' CASE logic on fixed rows, not the night's data: they
        # run in CI (tests/test_dbt_unit_tests.py); here a failing one would skip its model and
        # everything downstream of it, and on Spark each would cost a query per fixture
        exclude = "test_type:unit" + ("" if all_month_tests else " tag:all_months")
        invocation = dbt.cli(["build", "--exclude", exclude, *scope_args], context=context, target_path=target_dir,
                             raise_on_error=False, env=dbt_env)
        for event in invocation.stream():
            if isinstance(event, dg.Output):
                progress.say(f"dbt: built {event.output_name}")
            elif isinstance(event, dg.AssetCheckResult) and not event.passed:
                progress.say(f"dbt test failed: {event.check_name} on {event.asset_key.to_user_string()}")
            _keep_event(events, event)
        # held until dbt ends: the warehouse is the dbt process's until then
        with warehouse.connect() as conn:
            _record_node_timings(conn, target_dir, context.run_id)
        ok = invocation.is_successful()
        result = {"ok": ok, "failed": [] if ok else _failed_nodes(target_dir),
                  "error": "" if ok else str(invocation.get_error())}
        if ok:
            _keep_parse_state(target_dir, dbt_env, build_vars)
        return result
    finally:
        # never leave a dbt process holding the DuckDB lock after this step ends
        process = getattr(invocation, "process", None)
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(target_dir, ignore_errors=True)
