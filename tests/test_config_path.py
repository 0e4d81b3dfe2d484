"""One configuration path (issue 20): `finops run`'s paths reach the Dagster resources as run
config and dbt as its subprocess environment; the process environment is never written."""

from __future__ import annotations

import os

import pyarrow.parquet as pq

from dagster_project.cli import execute_pipeline
from dagster_project.sample import generate
from dagster_project.settings import Settings
from tests.helpers import query


def test_a_run_passes_its_paths_on_and_leaves_the_environment_as_it_found_it(tmp_path, monkeypatch):
    landing, warehouse = tmp_path / "landing", tmp_path / "given" / "finops.duckdb"
    written = generate(landing, "2026-10", 7, 400, ["aws_cur"])["aws_cur"]
    # counted from the files themselves, not by the pipeline
    file_rows = sum(pq.ParquetFile(p).metadata.num_rows for p in written if str(p).endswith(".parquet"))
    # a decoy in the environment: if anything read the paths back from it, the decoy would be built
    decoy = tmp_path / "decoy" / "finops.duckdb"
    monkeypatch.setenv("FINOPS_WAREHOUSE", str(decoy))
    monkeypatch.setenv("FINOPS_LANDING_DIR", str(tmp_path / "no-such-landing"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("FINOPS_SLACK_WEBHOOK_URL", raising=False)
    settings = Settings.from_env().with_paths(landing, warehouse)
    before = dict(os.environ)

    ok, failures, run_id = execute_pipeline(settings, quiet=True)

    assert dict(os.environ) == before
    assert ok, failures
    assert run_id
    assert not decoy.parent.exists()
    # the CUR files' rows, loaded by Python and built by dbt, are in the given warehouse
    [(raw_rows, focus_rows)] = query(warehouse, """
        select (select sum(rows) from ops.ingest_files where status = 'loaded'),
               (select count(*) from marts.focus_costs where x_source = 'aws_cur')""")
    assert file_rows > 400
    assert raw_rows == file_rows
    assert focus_rows == file_rows
