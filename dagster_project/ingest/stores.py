"""Raw stores: where a source's loaded rows live and what reads them as raw.<raw_table>.

One interface (`RawStore`), three kinds, picked by what the source's spec declares
(`store_for`):
- `TableStore`: the staged rows are inserted into the DuckDB table raw.<raw_table>.
- `FileCopyStore` (a spec with `file_projection`): the landed file is copied as it is into the
  raw store and raw.<raw_table> is a view reading the copies through their checked projection.
- `StagedParquetStore` (a spec with `store_staged`): the rows `stage` builds are written once
  as a parquet file of the raw store, read by the same kind of view.
The registry (registry.py) stages a file, loads it in the transaction that records it, and
unloads a replaced file's rows, the same way for every kind. The file-backed kinds also heal
lost copies before a batch and prune copies no loaded file points at (raw_files.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dagster_project.ingest import bulk, raw_files
from dagster_project.ingest.base import IngestError, SourceSpec, reader_sql
from dagster_project.ingest.records import LOST_COPY, IngestReport, drop_staging, file_hash, quarantine, utc_now


@dataclass
class Staged:
    """A file staged as the temp relation `_incoming`: its columns and, for a file-backed
    store, the stored file and the select list that reads it."""

    file_columns: list[str] = field(default_factory=list)
    stored: Path | None = None
    select_list: str | None = None


class RawStore(ABC):
    """The rows of one source's loaded files. `load`, `keep` and `unload` run inside the
    registry's transaction for a file; `refresh` and `prune` once per batch."""

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec

    @abstractmethod
    def prepare(self, conn, landing: Path, report: IngestReport, on_quarantine, say, repaired) -> None:
        """Before a batch: the raw table or view exists and reads only intact files."""

    @abstractmethod
    def stage(self, conn, path: Path, file_id: str) -> Staged:
        """The file's rows as `_incoming`, or IngestError (leaving nothing in the store)."""

    @abstractmethod
    def load(self, conn, staged: Staged, file_id: str, rel_str: str) -> tuple[str, list]:
        """Write the staged rows; returns the relation (and its parameters) the profile reads."""

    @abstractmethod
    def keep(self, conn, staged: Staged, file_id: str) -> None:
        """The file is recorded as loaded: the store keeps it."""

    @abstractmethod
    def discard(self, staged: Staged) -> None:
        """The file did not load (its transaction rolled back)."""

    @abstractmethod
    def unload(self, conn, file_id: str) -> None:
        """Take a file's rows out of raw.<raw_table>."""

    @abstractmethod
    def refresh(self, conn) -> None:
        """Make raw.<raw_table> read exactly the loaded files."""

    @abstractmethod
    def prune(self, conn) -> None:
        """Delete what no loaded file needs."""

    def load_many(self, conn, landing: Path, files: list[Path], report: IngestReport, progress) -> set[Path]:
        """Load new files together where the store can; returns the files recorded."""
        return set()


class TableStore(RawStore):
    def prepare(self, conn, landing, report, on_quarantine, say, repaired) -> None:
        spec = self.spec
        cols = ",\n    ".join(f"{name} {dtype}" for name, dtype in spec.columns)
        conn.execute(f"create table if not exists raw.{spec.raw_table} (\n    {cols},\n"
                     "    _file_id varchar not null,\n    _source_file varchar not null\n)")
        # a raw table created before its source gained columns (FOCUS 1.3) gets them, null for old rows
        have = {r[0] for r in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' and table_name = $1",
            [spec.raw_table]).fetchall()}
        for name, dtype in spec.columns:
            if name not in have:
                conn.execute(f"alter table raw.{spec.raw_table} add column {name} {dtype}")

    def stage(self, conn, path, file_id) -> Staged:
        return Staged(self.spec.stage(conn, path))

    def load(self, conn, staged, file_id, rel_str) -> tuple[str, list]:
        table = f"raw.{self.spec.raw_table}"
        try:
            conn.execute(f"insert into {table} by name select *, $1 as _file_id, $2 as _source_file from _incoming",
                         [file_id, rel_str])
        except duckdb.Error as exc:
            raise IngestError(f"cannot load rows: {str(exc).splitlines()[0]}") from exc
        return f"(select * from {table} where _file_id = $1)", [file_id]

    def keep(self, conn, staged, file_id) -> None:
        """The inserted rows are the store: nothing more to keep."""

    def discard(self, staged) -> None:
        """The rolled-back transaction took the inserted rows with it."""

    def unload(self, conn, file_id) -> None:
        conn.execute(f"delete from raw.{self.spec.raw_table} where _file_id = ?", [file_id])

    def refresh(self, conn) -> None:
        """raw.<raw_table> is the table itself: nothing reads it through a view."""

    def prune(self, conn) -> None:
        """Unloaded rows were deleted with their file: nothing is left over."""


class FileBackedStore(RawStore):
    """raw.<raw_table> is a view over files of the raw store, listed in ops.raw_files."""

    def prepare(self, conn, landing, report, on_quarantine, say, repaired) -> None:
        raw_files.prepare(conn, self.spec)
        self._restore(conn, landing, report, on_quarantine, say or (lambda _message: None), repaired)
        self.prune(conn)
        self.refresh(conn)

    def load(self, conn, staged, file_id, rel_str) -> tuple[str, list]:
        # the stored file is the raw rows: the profile reads the staged view over it
        return "_incoming", []

    def keep(self, conn, staged, file_id) -> None:
        raw_files.remember(conn, self.spec, file_id, staged.stored, staged.select_list)

    def discard(self, staged) -> None:
        if staged.stored is not None:
            staged.stored.unlink(missing_ok=True)

    def unload(self, conn, file_id) -> None:
        raw_files.forget(conn, file_id)

    def refresh(self, conn) -> None:
        raw_files.refresh_view(conn, self.spec)

    def prune(self, conn) -> None:
        raw_files.prune(conn, self.spec)

    @abstractmethod
    def restage(self, conn, path: Path, copy: raw_files.LostCopy) -> tuple[Path, str]:
        """Store a lost copy again from its landing file: (the stored file, its select list)."""

    def _restore(self, conn, landing: Path, report: IngestReport, on_quarantine, say, repaired) -> None:
        """Loaded files whose stored copy is gone or damaged: copied again from the landing folder
        when it still holds the loaded content (the registry's hash), else quarantined, so that the
        view never points at a missing file and the loss is never silent."""
        spec = self.spec
        repaired = repaired or say
        lost, recovered = raw_files.lost_copies(conn, spec)
        if recovered:
            say(f"raw store: {recovered} copies taken over from the shared folder {raw_files.legacy_store_dir(conn)} "
                f"(this warehouse keeps its own in {raw_files.store_dir(conn)})")
        for copy in lost:
            path = landing / copy.path
            same = path.is_file() and copy.content_hash is not None and file_hash(path) == copy.content_hash
            if same:
                try:
                    # stored and projected as a new load would (a copy a warehouse from before wrote
                    # from its raw table's rows had another name and projection)
                    target, select_list = self.restage(conn, path, copy)
                    if target != copy.stored:
                        copy.stored.unlink(missing_ok=True)
                    raw_files.remember(conn, spec, copy.file_id, target, select_list)
                    repaired(f"the raw store's copy of {copy.path} is {copy.problem}: loaded again from the landing folder")
                    report.restored.append(copy.path)
                    continue
                except IngestError as exc:
                    reason = f"{LOST_COPY}: its stored copy is {copy.problem} and the landing file no longer reads ({exc})"
                finally:
                    drop_staging(conn)
            else:
                now_holds = " (it holds other content at that path now)" if path.exists() else ""
                reason = (f"{LOST_COPY}: its stored copy is {copy.problem} and the landing folder no longer has it"
                          f"{now_holds}; put the file back in the landing folder to load it again")
            copy.stored.unlink(missing_ok=True)
            profile = conn.execute(
                "select cost_total, currency, billing_periods from ops.ingest_files where file_id = ?", [copy.file_id]
            ).fetchone()
            conn.execute("begin transaction")
            try:
                raw_files.forget(conn, copy.file_id)
                quarantine(conn, spec, copy.path, copy.content_hash, path, reason, utc_now(), report, None, *profile)
                conn.execute("commit")
            except Exception:
                conn.execute("rollback")
                raise
            repaired(f"{copy.path} quarantined: {reason}")
            if on_quarantine:
                on_quarantine(copy.path, reason)


class FileCopyStore(FileBackedStore):
    """The landed file as it is; checked and later read from this copy, never from the landing folder."""

    def stage(self, conn, path, file_id) -> Staged:
        stored = raw_files.stored_path(conn, self.spec, file_id, path)
        raw_files.store_copy(path, stored)
        try:
            select_list, file_columns = self.spec.file_projection(conn, stored)
            conn.execute(f"create or replace temp view _incoming as select {select_list} from _file")
        except IngestError:
            stored.unlink(missing_ok=True)
            raise
        return Staged(file_columns, stored, select_list)

    def restage(self, conn, path, copy) -> tuple[Path, str]:
        target = raw_files.stored_path(conn, self.spec, copy.file_id, path)
        raw_files.store_copy(path, target)
        select_list, _ = self.spec.file_projection(conn, target)
        return target, select_list

    def load_many(self, conn, landing, files, report, progress) -> set[Path]:
        return bulk.load_in_bulk(conn, landing, self.spec, files, report, progress)


class StagedParquetStore(FileBackedStore):
    """The staged rows, written once, are the raw rows (read back from the parquet file)."""

    def stage(self, conn, path, file_id) -> Staged:
        file_columns = self.spec.stage(conn, path)
        stored = raw_files.store_dir(conn) / self.spec.name / f"{file_id}.parquet"
        select_list = raw_files.store_rows(conn, self.spec, "_incoming", stored)
        drop_staging(conn)
        conn.execute(f"create temp view _incoming as select {select_list} from {reader_sql(stored)}")
        return Staged(file_columns, stored, select_list)

    def restage(self, conn, path, copy) -> tuple[Path, str]:
        self.spec.stage(conn, path)
        return copy.stored, raw_files.store_rows(conn, self.spec, "_incoming", copy.stored)


def store_for(spec: SourceSpec) -> RawStore:
    """The store a source's spec asks for: its file projection or staged rows as files, else a table."""
    if spec.file_projection is not None:
        return FileCopyStore(spec)
    if spec.store_staged:
        return StagedParquetStore(spec)
    return TableStore(spec)
