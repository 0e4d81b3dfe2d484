"""File names are data, not patterns; every file found gets a registry row.

Through the real loader (no dbt): a landed `x[1].csv` next to `x1.csv` must load its own rows
(DuckDB's readers treat `[`, `*` and `?` as glob syntax), and a file a source does not read
is recorded as `ignored` with the reason and an alert, once.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dagster_project.ingest import SOURCES
from dagster_project.ingest.registry import ingest_source
from dagster_project.sample import GENERATORS
from dagster_project.warehouse import open_warehouse


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, list[Path]]:
    out = tmp_path_factory.mktemp("samples")
    return {name: [Path(p) for p in generate(out, "2026-10", 4, 600)] for name, generate in GENERATORS.items()}


def _suffix(p: Path) -> str:
    return "".join(p.suffixes[-2:]) if p.name.endswith(".gz") else p.suffix


def _totals(conn) -> dict[str, tuple[int, object]]:
    return {Path(p).name: (n, cost) for p, n, cost in conn.execute(
        "select path, rows, cost_total from ops.ingest_files where status = 'loaded'").fetchall()}


def _alone(tmp_path: Path, source: str, sample: Path, tag: str) -> tuple[int, object]:
    """Rows and cost of one file loaded on its own under a plain name: the reference."""
    landing = tmp_path / f"alone-{tag}"
    target = landing / source / f"plain{_suffix(sample)}"
    target.parent.mkdir(parents=True)
    shutil.copy(sample, target)
    with open_warehouse(tmp_path / f"alone-{tag}.duckdb") as conn:
        ingest_source(conn, landing, SOURCES[source])
        (totals,) = _totals(conn).values()
        return totals


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_glob_characters_in_a_file_name_read_only_that_file(samples, tmp_path, source):
    spec = SOURCES[source]
    good = [p for p in samples[source] if spec.matches(p)]
    first = good[0]
    sfx = _suffix(first)
    reference = _alone(tmp_path, source, first, "a")
    # a second file only helps when its totals tell the two apart
    # (tagged by position: the cost-report samples are all named page-0000.json, in other folders)
    others = [p for i, p in enumerate(good[1:]) if _suffix(p) == sfx and _alone(tmp_path, source, p, f"other{i}") != reference]
    landing = tmp_path / "landing"
    # a plain folder: were it `names[2026]`, the pattern would match nothing and DuckDB would
    # fall back to the literal path, hiding the defect
    folder = landing / source / "names"
    folder.mkdir(parents=True)
    # `x[1]` as a pattern names `x1`: with a second file there it read that one, without one nothing
    shutil.copy(first, folder / f"x[1]{sfx}")
    expected = {f"x[1]{sfx}": reference}
    if others:
        shutil.copy(others[0], folder / f"x1{sfx}")
        expected[f"x1{sfx}"] = _alone(tmp_path, source, others[0], "b")
    with open_warehouse(tmp_path / "w.duckdb") as conn:
        report = ingest_source(conn, landing, spec)
        got = _totals(conn)
    assert report.quarantined == []
    assert expected[f"x[1]{sfx}"][0] > 0
    assert got == expected


def test_a_file_the_source_does_not_read_is_recorded_ignored_and_alerted_once(samples, tmp_path):
    landing = tmp_path / "landing"
    folder = landing / "aws_cur" / "cur2" / "data" / "BILLING_PERIOD=2026-10"
    folder.mkdir(parents=True)
    cur = next(p for p in samples["aws_cur"] if SOURCES["aws_cur"].matches(p))
    shutil.copy(cur, folder / cur.name)
    (folder / "costs.xlsx").write_bytes(b"PK\x03\x04 not a format the CUR source reads")
    (landing / "aws_cur" / "cur2" / "metadata").mkdir(parents=True)
    (landing / "aws_cur" / "cur2" / "metadata" / "cur2-Manifest.json").write_text('{"reportName": "cur2"}')
    alerts: list[tuple[str, str]] = []
    with open_warehouse(tmp_path / "w.duckdb") as conn:
        for _ in range(2):  # the second run records and alerts nothing new
            ingest_source(conn, landing, SOURCES["aws_cur"], on_ignore=lambda p, r: alerts.append((p, r)))
        rows = conn.execute("select path, status, reason from ops.ingest_files order by path").fetchall()
    by_path = {p: (s, r) for p, s, r in rows}
    assert len(rows) == 3
    assert by_path[f"aws_cur/cur2/data/BILLING_PERIOD=2026-10/{cur.name}"][0] == "loaded"
    assert by_path["aws_cur/cur2/data/BILLING_PERIOD=2026-10/costs.xlsx"] == (
        "ignored", "unsupported file type: aws_cur reads .parquet, .csv, .csv.gz files; this one was not loaded")
    assert by_path["aws_cur/cur2/metadata/cur2-Manifest.json"] == ("ignored", "export manifest (metadata, no cost rows)")
    assert alerts == [("aws_cur/cur2/data/BILLING_PERIOD=2026-10/costs.xlsx",
                       "unsupported file type: aws_cur reads .parquet, .csv, .csv.gz files; this one was not loaded")]
