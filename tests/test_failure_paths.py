"""Issue #19 item 6: every failure path prints one clear line (what, where, what to do), records an
alert when the warehouse is writable, and never ends in a traceback."""

from __future__ import annotations

import subprocess
import sys

import duckdb

from dagster_project.alerting import Alert
from dagster_project.sensors import alert_run_failure
from dagster_project.settings import Settings
from tests.cur_fixtures import usage, write_cur_rows
from tests.helpers import D, query, run_pipeline


def _landing(root):
    landing = root / "landing"
    write_cur_rows(landing / "aws_cur" / "cur" / "data" / "BILLING_PERIOD=2026-10" / "part-0.csv",
                   [usage("60.00", "0.40", "150", "Hrs", "payments")])
    return landing


def test_a_reader_holding_the_warehouse_is_named_by_pid(tmp_path):
    landing, wh = _landing(tmp_path), tmp_path / "w.duckdb"
    duckdb.connect(str(wh)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(wh)!r}, read_only=True); print('open', flush=True); time.sleep(120)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        proc = run_pipeline(landing, wh, check=False)
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    [line] = [ln for ln in proc.stderr.splitlines() if ln.startswith("Error:")]
    assert f"warehouse {wh} is open in another process, PID {holder.pid} (" in line
    assert "docs/bi.md" in line


def test_a_file_that_is_not_a_duckdb_warehouse_says_how_to_rebuild(tmp_path):
    landing, wh = _landing(tmp_path), tmp_path / "w.duckdb"
    wh.write_bytes(b"not a database" * 500)
    proc = run_pipeline(landing, wh, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    [line] = [ln for ln in proc.stderr.splitlines() if ln.startswith("Error:")]
    assert f"warehouse {wh} is damaged or not a DuckDB file" in line
    assert f"mv {wh} {wh}.damaged" in line
    # the advice works: moved aside, the next run rebuilds from the landing folder
    wh.rename(tmp_path / "w.duckdb.damaged")
    run_pipeline(landing, wh)
    assert query(wh, "select sum(BilledCost) from marts.focus_costs") == [(D("60.00"),)]


def test_an_altered_file_registry_is_refused_with_an_alert(tmp_path):
    landing, wh = _landing(tmp_path), tmp_path / "w.duckdb"
    run_pipeline(landing, wh)
    conn = duckdb.connect(str(wh))
    conn.execute("alter table ops.ingest_files drop column content_hash")
    conn.close()
    proc = run_pipeline(landing, wh, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    [line] = [ln for ln in proc.stderr.splitlines() if ln.startswith("Error:")]
    assert f"the file registry ops.ingest_files of {wh} lacks column(s) content_hash" in line
    assert query(wh, "select check_name, severity from ops.alerts where check_name = 'warehouse_unusable'") == [
        ("warehouse_unusable", "error")]


def test_a_failure_alert_that_cannot_be_stored_is_still_posted_and_does_not_raise(tmp_path, monkeypatch, capsys):
    """The run-failure path itself must not crash (disk full, a folder that is a file)."""
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    monkeypatch.setenv("FINOPS_WAREHOUSE", str(blocker / "w.duckdb"))
    monkeypatch.setenv("FINOPS_PROGRESS", "1")
    posted = []
    monkeypatch.setattr("dagster_project.sensors.post_to_slack", lambda alert: posted.append(alert) or ("sent", None))
    alert = Alert(check_name="run_failed", severity="error", subject="nightly_job", message="Run failed", details={})
    assert alert_run_failure(Settings.from_env(), alert, wait_seconds=0) == "sent"
    assert posted == [alert]
    assert "run-failure alert not recorded in ops.alerts: cannot write warehouse" in capsys.readouterr().err
