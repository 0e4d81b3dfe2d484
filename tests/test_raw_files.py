"""raw.aws_cur_line_items is a view over the registry's own copies of the loaded CUR files."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest import raw_files, registry
from dagster_project.ingest.aws_cur import SPEC
from dagster_project.warehouse import open_warehouse
from tests.helpers import finops

COST = "sum(coalesce(line_item_net_unblended_cost, line_item_unblended_cost))"


def _truth(files: list[Path]) -> tuple[int, Decimal]:
    """Rows and billed cost read straight from the parquet files, no project code involved."""
    listed = ", ".join(f"'{f}'" for f in files)
    return duckdb.sql(
        f"select count(*), sum(cast(coalesce(line_item_net_unblended_cost, line_item_unblended_cost) as decimal(38, 10))) "
        f"from read_parquet([{listed}])").fetchall()[0]


def _raw(conn) -> tuple[int, Decimal]:
    return conn.execute(f"select count(*), {COST} from raw.aws_cur_line_items").fetchone()


@pytest.fixture()
def landing(tmp_path) -> Path:
    out = tmp_path / "landing"
    finops("sample", "--out", str(out), "--month", "2026-10", "--seed", "5", "--rows", "400", "--source", "aws_cur")
    return out


def _files(landing: Path) -> list[Path]:
    return sorted((landing / "aws_cur").rglob("*.parquet"))


def test_raw_rows_come_from_the_stored_copies_and_follow_restatements(landing, tmp_path):
    files = _files(landing)
    assert len(files) == 2
    rows, cost = _truth(files)
    assert rows > 400
    with open_warehouse(tmp_path / "w.duckdb") as conn:
        registry.ingest_source(conn, landing, SPEC)
        assert _raw(conn) == (rows, cost)
        kind = conn.execute("select table_type from information_schema.tables "
                            "where table_schema = 'raw' and table_name = 'aws_cur_line_items'").fetchone()[0]
        assert kind == "VIEW"
        ids = {r[0] for r in conn.execute("select file_id from ops.ingest_files where status = 'loaded'").fetchall()}
        store = tmp_path / "w.raw_files" / "aws_cur"
        assert {p.name for p in store.iterdir()} == {f"{i}.parquet" for i in ids}

        # the landing file changes: raw does not, until the registry loads the new version
        restated = files[0]
        kept = restated.with_suffix(".orig")
        shutil.copy(restated, kept)
        duckdb.sql(f"copy (select * from read_parquet('{kept}') limit 100) to '{restated}' (format parquet)")
        assert _raw(conn) == (rows, cost)
        registry.ingest_source(conn, landing, SPEC)
        assert _raw(conn) == _truth([restated, files[1]])
        assert _raw(conn)[0] == 100 + _truth([files[1]])[0]
        new_ids = {r[0] for r in conn.execute("select file_id from ops.ingest_files where status = 'loaded'").fetchall()}
        assert len(new_ids) == 2 and len(new_ids - ids) == 1
        assert {p.name for p in store.iterdir()} == {f"{i}.parquet" for i in new_ids}  # the old copy is gone

        # a copy nobody points at (a run killed after the copy) is removed by the next run
        (store / "deadbeef.parquet").write_bytes(b"partial")
        registry.ingest_source(conn, landing, SPEC)
        assert not (store / "deadbeef.parquet").exists()
        assert _raw(conn) == _truth([restated, files[1]])


def test_a_warehouse_with_a_raw_table_keeps_its_rows(landing, tmp_path):
    """A warehouse built before the raw store: its table's rows move into the store."""
    files = _files(landing)
    with open_warehouse(tmp_path / "w.duckdb") as conn:
        registry.ingest_source(conn, landing, SPEC)
        before = conn.execute("select * from raw.aws_cur_line_items order by all").fetchall()
        # the old layout: rows in a table, no ops.raw_files, no store
        conn.execute("create table raw.old_rows as select * from raw.aws_cur_line_items")
        conn.execute("drop view raw.aws_cur_line_items")
        conn.execute("alter table raw.old_rows rename to aws_cur_line_items")
        conn.execute("drop table ops.raw_files")
        shutil.rmtree(tmp_path / "w.raw_files")

        raw_files.prepare(conn, SPEC)
        assert conn.execute("select * from raw.aws_cur_line_items order by all").fetchall() == before
        assert _raw(conn) == _truth(files)
        assert len(list((tmp_path / "w.raw_files" / "aws_cur").iterdir())) == 2
        # and the next ingest sees nothing new
        report = registry.ingest_source(conn, landing, SPEC)
        assert (len(report.loaded), len(report.skipped)) == (0, 2)
        assert _raw(conn) == _truth(files)


def test_many_files_of_one_layout_are_one_branch_of_the_view(tmp_path):
    """A CUR month delivered as many files: one reader over the list, each row keeping its
    file's id and landing path; the view's text does not grow a branch per file."""
    from tests.cur_fixtures import usage, write_cur_rows

    month = tmp_path / "landing" / "aws_cur" / "cur2" / "data" / "BILLING_PERIOD=2026-10"
    expected = {}
    for i in range(40):
        rows = [usage(f"{i + 1}.25", "0.5", f"{2 * i + 2.5}", "Hrs", "t1", identity_line_item_id=f"f{i}r{j}") for j in range(i % 3 + 1)]
        write_cur_rows(month / f"part-{i:05d}.csv", rows)
        expected[f"aws_cur/cur2/data/BILLING_PERIOD=2026-10/part-{i:05d}.csv"] = (len(rows), Decimal(f"{i + 1}.25") * len(rows))
    with open_warehouse(tmp_path / "w.duckdb") as conn:
        report = registry.ingest_source(conn, tmp_path / "landing", SPEC)
        assert report.quarantined == [] and len(report.loaded) == 40
        view_sql = conn.execute("select sql from duckdb_views() where view_name = 'aws_cur_line_items'").fetchone()[0]
        per_file = {p: (n, c) for p, n, c in conn.execute(
            f"select r._source_file, count(*), {COST} from raw.aws_cur_line_items as r "
            "join ops.ingest_files as f on f.file_id = r._file_id and f.path = r._source_file group by 1").fetchall()}
    assert per_file == expected
    assert view_sql.lower().count("union all") == 0
    assert view_sql.count("read_csv(") == 1


def test_copies_in_the_folders_shared_legacy_store_are_taken_over_not_pruned(landing, tmp_path):
    """A warehouse from before the per-warehouse stores kept its copies in <folder>/raw_files/,
    shared with the folder's other warehouses: its next ingest copies them into its own store
    (nothing to load again) and leaves the shared folder as it was."""
    files = _files(landing)
    with open_warehouse(tmp_path / "w.duckdb") as conn:
        registry.ingest_source(conn, landing, SPEC)
        shutil.move(tmp_path / "w.raw_files", tmp_path / "raw_files")
        (tmp_path / "raw_files" / "aws_cur" / "another-warehouses-copy.parquet").write_bytes(b"PAR1")
        shared = {p.name for p in (tmp_path / "raw_files" / "aws_cur").iterdir()}
        shutil.rmtree(landing)  # the copies can only come from the shared folder

        report = registry.ingest_source(conn, landing, SPEC)
        assert (report.restored, report.quarantined) == ([], [])
        assert _raw(conn) == _truth(sorted((tmp_path / "w.raw_files" / "aws_cur").iterdir()))
        assert _raw(conn)[0] > 400
        assert {p.name for p in (tmp_path / "raw_files" / "aws_cur").iterdir()} == shared
        assert len(list((tmp_path / "w.raw_files" / "aws_cur").iterdir())) == len(files)
