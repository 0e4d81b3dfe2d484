"""parquet_file models: a view over a parquet file beside the warehouse, a new file per build,
and the previous build's file kept for a published copy until the build after."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb

from dagster_project import model_files
from tests.helpers import BIN, REPO, query


def _build_focus_costs(warehouse: Path, target: Path) -> None:
    proc = subprocess.run(
        [str(BIN / "dbt"), "run", "--profiles-dir", ".", "--target-path", str(target), "--select", "int_charges_shaped"],
        cwd=REPO / "dbt_project", capture_output=True, text=True, timeout=600,
        env={**os.environ, "FINOPS_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"},
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:]


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def test_focus_costs_reads_the_charges_file_and_old_files_go_two_builds_later(demo, tmp_path):
    original = demo["warehouse"]
    expected = query(original, "select count(*), sum(BilledCost), sum(EffectiveCost) from marts.focus_costs")[0]
    assert expected[0] > 0
    # the demo's own build: the mart a view over int_charges_shaped, a view reading one file of
    # its warehouse folder
    assert query(original, "select table_schema, table_type from information_schema.tables "
                           "where table_name in ('focus_costs', 'int_charges_shaped') order by 1") == [
        ("intermediate", "VIEW"), ("marts", "VIEW")]
    assert [p.name.startswith("intermediate.int_charges_shaped.")
            for p in (original.parent / "finops.model_files").iterdir()].count(True) == 1

    warehouse = tmp_path / "w" / "finops.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(original, warehouse)
    folder = warehouse.parent / "finops.model_files"

    generations = []
    for n in range(3):
        with duckdb.connect(str(warehouse)) as conn:
            before = model_files.referenced(conn)
        _build_focus_costs(warehouse, tmp_path / f"t{n}")
        if n == 1:
            # a file no build points at (a build killed while writing)
            (folder / "intermediate.int_charges_shaped.killed-build.parquet").write_bytes(b"PAR1")
        with duckdb.connect(str(warehouse)) as conn:
            now = model_files.referenced(conn)
            assert len(now) == 1 and now != before
            generations.append(next(iter(now)))
            model_files.prune(conn, keep=before)
        # same rows as the build it was copied from, to the last digit
        assert query(warehouse, "select count(*), sum(BilledCost), sum(EffectiveCost) from marts.focus_costs")[0] == expected

    # the current file and the one before it stay; the first generation and the stray file go
    assert _files(folder) == {generations[1], generations[2]}
    # each build a folder of month folders (README "Partitions")
    assert all(name.startswith("intermediate.int_charges_shaped.") for name in generations)
    assert all((folder / name).is_dir() for name in generations[1:])
    assert all(list((folder / name).glob("partition_month=*/*.parquet")) for name in generations[1:])
