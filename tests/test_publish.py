"""Write-audit-publish and the real Dagster instance (issue #25): two `finops run`s on one
DAGSTER_HOME, a BI reader holding the published copy through the second, then a run whose
checks fail, which must leave the published copy as it was, byte for byte."""

from __future__ import annotations

import ast
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.helpers import finops, query, run_pipeline, scalar

FOCUS = dg.AssetKey(["marts", "focus_costs"])
DAILY_BALANCE = dg.AssetKey(["marts", "fct_platform_balance_daily"])
MONTHLY_BALANCE = dg.AssetKey(["marts", "fct_platform_balance_monthly"])


def fresh(path: Path, sql: str) -> str:
    """The rows a new reader gets, as repr, from another process (as a BI tool would read):
    in this process DuckDB would hand back the database the held reader already opened."""
    script = ("import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
              "c.execute(\"set TimeZone = 'UTC'\"); print(repr(c.execute(sys.argv[2]).fetchall()))")
    proc = subprocess.run([sys.executable, "-c", script, str(path), sql], capture_output=True, text=True, timeout=120, check=True)
    return proc.stdout.strip()


def digest(folder: Path) -> dict[str, str]:
    """Every file under the published folder and its sha256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def wap(tmp_path_factory) -> dict:
    """Run 1: September, every source. Run 2 (same warehouse and DAGSTER_HOME): October's AWS
    deliveries added, while a BI reader holds the copy run 1 published."""
    root = tmp_path_factory.mktemp("wap")
    landing, warehouse, home = root / "landing", root / "warehouse" / "finops.duckdb", root / "dagster_home"
    env = {"DAGSTER_HOME": str(home)}
    finops("sample", "--out", str(landing), "--month", "2026-09", "--seed", "7", "--rows", "1500")
    first = run_pipeline(landing, warehouse, env=env)
    published = warehouse.parent / "published" / "finops.duckdb"
    assert published.exists(), first.stdout

    reader = duckdb.connect(str(published), read_only=True)
    before = {"rows": reader.execute("select count(*) from marts.focus_costs").fetchone()[0],
              "run_id": reader.execute("select run_id from ops.published_copy").fetchone()[0]}

    october = root / "october"
    finops("sample", "--out", str(october), "--month", "2026-10", "--seed", "7", "--rows", "1500", "--source", "aws_cur")
    for f in sorted(october.rglob("*.parquet")):
        dest = landing / f.relative_to(october)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, dest)
    second = run_pipeline(landing, warehouse, env=env)
    return {"root": root, "landing": landing, "warehouse": warehouse, "home": home, "published": published,
            "reader": reader, "before": before, "first": first, "second": second, "env": env}


def test_the_published_copy_reads_only_its_own_files(wap):
    published = wap["published"]
    views = ast.literal_eval(fresh(published, "select schema_name, view_name, sql from duckdb_views() where not internal"))
    working = str(wap["warehouse"].parent)
    paths = [sql for _, _, sql in views if working in sql]
    assert paths, "the file-backed views name their files by absolute path"
    for sql in paths:
        for literal in sql.split("'")[1::2]:
            if literal.startswith(working + "/"):
                assert literal.startswith(str(published.parent) + "/"), literal
    # the same figures as the working warehouse
    for sql in ("select count(*), sum(BilledCost) from marts.focus_costs",
                "select sum(total_cost) from marts.fct_chargeback_monthly",
                "select count(*) from raw.aws_cur_line_items"):
        assert fresh(published, sql) == repr(query(wap["warehouse"], sql)), sql
    assert "published for BI:   " + str(published) in wap["second"].stdout


def test_a_reader_of_the_published_copy_keeps_working_through_a_run(wap):
    reader, before = wap["reader"], wap["before"]
    # the run succeeded (run_pipeline checks the exit code) while the reader held the old copy
    assert reader.execute("select count(*) from marts.focus_costs").fetchone()[0] == before["rows"]
    assert reader.execute("select sum(total_cost) from marts.fct_chargeback_monthly").fetchone()[0] is not None
    assert reader.execute("select run_id from ops.published_copy").fetchone()[0] == before["run_id"]
    # a new reader sees the new build
    after = fresh(wap["published"], "select count(*) from marts.focus_costs")
    assert after == repr(query(wap["warehouse"], "select count(*) from marts.focus_costs"))
    assert ast.literal_eval(after)[0][0] > before["rows"]
    assert fresh(wap["published"], "select run_id from ops.published_copy") != repr([(before["run_id"],)])
    months = "select distinct billing_month from marts.fct_chargeback_monthly order by 1"
    assert fresh(wap["published"], months) == repr(query(wap["warehouse"], months))
    assert len(query(wap["warehouse"], months)) > len(reader.execute(months).fetchall())


def test_both_runs_are_on_the_dagster_instance_with_metadata_and_check_results(wap, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(wap["home"]))
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_run_records(dg.RunsFilter(job_name="build_job"))
        assert len(runs) == 2
        assert {r.dagster_run.status for r in runs} == {dg.DagsterRunStatus.SUCCESS}
        run_ids = [r.dagster_run.run_id for r in reversed(runs)]  # oldest first
        assert run_ids[0] == wap["before"]["run_id"]
        assert fresh(wap["published"], "select run_id from ops.published_copy") == repr([(run_ids[1],)])

        # a build run materializes each month of its partition range
        records = instance.fetch_materializations(FOCUS, limit=1000).records
        first_of_run = {}
        for r in reversed(records):
            first_of_run.setdefault(r.run_id, r)
        assert list(first_of_run) == run_ids
        assert all(r.partition_key for r in records)
        rows = [r.asset_materialization.metadata["dagster/row_count"].value for r in first_of_run.values()]
        assert rows == [wap["before"]["rows"], scalar(wap["warehouse"], "select count(*) from marts.focus_costs")]
        assert "USD" in records[0].asset_materialization.metadata["billed_cost"].value

        balance = instance.fetch_materializations(DAILY_BALANCE, limit=1000).records
        assert {r.run_id for r in balance} == set(run_ids)
        assert {r.asset_materialization.metadata["periods_out_of_balance"].value for r in balance} == {0}

        cur = instance.fetch_materializations(dg.AssetKey(["raw", "aws_cur_line_items"]), limit=10).records
        assert cur[0].asset_materialization.metadata["files_loaded_total"].value > cur[1].asset_materialization.metadata[
            "files_loaded_total"].value

        for key, name in ((DAILY_BALANCE, "daily_zero_balance"), (MONTHLY_BALANCE, "monthly_zero_balance")):
            history = instance.event_log_storage.get_asset_check_execution_history(dg.AssetCheckKey(key, name), limit=10)
            assert sorted(h.run_id for h in history) == sorted(run_ids), name
            for h in history:
                evaluation = h.event.dagster_event.event_specific_data
                assert evaluation.passed and h.status.value == "SUCCEEDED", name


def test_a_run_the_daemon_started_is_published_by_the_sensor(wap, monkeypatch):
    from dagster_project.sensors import publish_after_run_sensor

    # a copy is readable until the publish after next: the held reader's files go with this one
    wap["reader"].close()
    monkeypatch.setenv("DAGSTER_HOME", str(wap["home"]))
    monkeypatch.setenv("FINOPS_WAREHOUSE", str(wap["warehouse"]))
    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_records(dg.RunsFilter(job_name="build_job"), limit=1)[0].dagster_run
        [success] = [r.event_log_entry.dagster_event for r in instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.RUN_SUCCESS).records]

        def evaluate(dagster_run):
            return publish_after_run_sensor(dg.build_run_status_sensor_context(
                sensor_name="publish_after_run_sensor", dagster_event=success, dagster_instance=instance,
                dagster_run=dagster_run))

        inode = wap["published"].stat().st_ino
        assert isinstance(evaluate(run), dg.SkipReason)  # `finops run` published it itself
        assert wap["published"].stat().st_ino == inode
        # the same run as the schedule would have launched it: no CLI tag
        evaluate(run.with_tags({k: v for k, v in run.tags.items() if k != "finops/command"}))
        assert wap["published"].stat().st_ino != inode
    assert fresh(wap["published"], "select run_id from ops.published_copy") == repr([(run.run_id,)])


def test_a_failed_check_leaves_the_published_copy_byte_for_byte(wap):
    published_folder = wap["published"].parent
    before = digest(published_folder)
    # the registry now says one loaded file billed 1.00 more than reached focus_costs
    with duckdb.connect(str(wap["warehouse"])) as conn:
        [file_id] = conn.execute(
            "select file_id from ops.ingest_files where status = 'loaded' and source = 'aws_cur' order by path limit 1"
        ).fetchone()
        conn.execute("update ops.ingest_files set cost_total = cost_total + 1 where file_id = ?", [file_id])
    proc = run_pipeline(wap["landing"], wap["warehouse"], env={**wap["env"], "FINOPS_FORCE_BUILD": "1"}, check=False)
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "published for BI:   not updated, blocked by" in proc.stdout
    blocked = proc.stdout.split("published for BI:")[1].splitlines()[0]
    assert "step finops_dbt_assets (dbt build failed: test assert_source_totals_conserved" in blocked, blocked
    assert digest(published_folder) == before
    # BI still reads the last good build
    assert ast.literal_eval(fresh(wap["published"], "select count(*) from marts.focus_costs"))[0][0] > wap["before"]["rows"]
    [(severity, message)] = query(wap["warehouse"], "select severity, message from ops.alerts where check_name = 'publish_blocked'")
    assert severity == "error" and "assert_source_totals_conserved" in message and str(wap["published"]) in message

    # by hand: refused while the last audit failed, and --force is the way round it
    refused = finops("publish", "--warehouse", str(wap["warehouse"]), check=False)
    assert refused.returncode == 1 and "blocked by" in refused.stderr and "Traceback" not in refused.stderr
    assert digest(published_folder) == before
    # a failed audit forgets the build fingerprint: the next run rebuilds and checks again
    assert scalar(wap["warehouse"], "select count(*) from ops.pipeline_state where key = 'dbt_build_fingerprint'") == 0
