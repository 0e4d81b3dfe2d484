"""Hostile variants of every source format, through the real loader (no dbt): each is quarantined
whole with a reason, none leaves a row behind, and the intact files of the source still load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dagster_project.ingest import SOURCES
from dagster_project.ingest.registry import ingest_source
from dagster_project.sample import GENERATORS
from dagster_project.warehouse import open_warehouse


def _truncate(data: bytes) -> bytes:
    # cut inside a record: text formats lose their tail mid-line, parquet loses its footer
    return data[: int(len(data) * 0.6)]


def _garbage(data: bytes) -> bytes:
    return b"\x00\xff\xfe" + bytes(range(256)) * 4


def _not_utf8(data: bytes) -> bytes:
    if data[:4] == b"PAR1":
        return _garbage(data) + b"not utf-8 \x82\xa0"
    # a Shift_JIS byte sequence (0x82 0xa0) inside the first record
    cut = data.find(b"\n") + 10 if b"\n" in data[:-1] else len(data) // 2
    return data[:cut] + "\u3042".encode("shift_jis") + data[cut:]


VARIANTS = {"empty": lambda d: b"", "truncated": _truncate, "garbage": _garbage, "not_utf8": _not_utf8}


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, list[Path]]:
    out = tmp_path_factory.mktemp("samples")
    files = {}
    for name, generate in GENERATORS.items():
        files[name] = [Path(p) for p in generate(out, "2026-10", 4, 600)]
    return files


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_hostile_variants_are_quarantined_whole(samples, tmp_path, source):
    good = [p for p in samples[source] if SOURCES[source].matches(p)]
    assert good, f"no sample file for {source}"
    victim = good[0]
    landing = tmp_path / "landing"
    folder = landing / source / "hostile"
    folder.mkdir(parents=True)
    suffix = "".join(victim.suffixes[-2:]) if victim.name.endswith(".gz") else victim.suffix
    for variant, corrupt in VARIANTS.items():
        (folder / f"{variant}{suffix}").write_bytes(corrupt(victim.read_bytes()))
    intact = landing / source / "intact" / victim.name
    intact.parent.mkdir(parents=True)
    shutil.copy(victim, intact)
    with open_warehouse(tmp_path / "w.duckdb") as conn:
        report = ingest_source(conn, landing, SOURCES[source])
        rows = dict(conn.execute("select path, status from ops.ingest_files").fetchall())
        reasons = dict(conn.execute("select path, reason from ops.ingest_files where status = 'quarantined'").fetchall())
        table = SOURCES[source].raw_table
        from_bad = conn.execute(f"select count(*) from raw.{table} where _source_file like '%/hostile/%'").fetchone()[0]
        from_good = conn.execute(f"select count(*) from raw.{table} where _source_file like '%/intact/%'").fetchone()[0]
    for variant in VARIANTS:
        path = f"{source}/hostile/{variant}{suffix}"
        assert rows[path] == "quarantined", (source, variant, rows[path])
        assert reasons[path], (source, variant)
    assert from_bad == 0
    assert rows[f"{source}/intact/{victim.name}"] == "loaded"
    assert from_good > 0
    assert len(report.quarantined) == len(VARIANTS)


# --- semantic hostility: the file parses, a value does not make sense ---

def _csv_set(data: bytes, column: str, value: str) -> bytes:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    idx = [c.lower() for c in rows[0]].index(column.lower())
    rows[1][idx] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def _json_set(data: bytes, field: str, value: str) -> bytes:
    import re

    changed, n = re.subn(rf'"{field}": [0-9.eE+-]+', f'"{field}": {value}', data.decode(), count=1)
    assert n == 1, f"no numeric {field} in the sample"
    return changed.encode()


# source -> (glob of the victim among the sample files, [(corruption, expected reason fragment)])
SEMANTIC = {
    "gcp_billing": ("*.json", [(lambda d: _json_set(d, "cost", '"1,234"'), "cost: 1 value(s) not a valid decimal"),
                               (lambda d: _json_set(d, "cost", '{"nested": 1}'), "cost: 1 value(s) not a valid decimal")]),
    "azure_cost": ("*.csv", [(lambda d: _csv_set(d, "CostInBillingCurrency", "1,234"), "not a valid decimal"),
                             (lambda d: _csv_set(d, "CostInBillingCurrency", "NaN"), "not a valid decimal")]),
    "focus": ("*.csv", [(lambda d: _csv_set(d, "BilledCost", "1,234"), "BilledCost: 1 value(s) not a valid decimal"),
                        (lambda d: _csv_set(d, "BilledCost", "abc"), "BilledCost: 1 value(s) not a valid decimal")]),
    "openai_usage": ("*.json", [(lambda d: _json_set(d, "input_tokens", '"lots"'), "input_tokens: 1 value(s) not a valid bigint"),
                                (lambda d: _json_set(d, "input_tokens", "-5"), "negative token counts")]),
    "anthropic_usage": ("*.json", [(lambda d: _json_set(d, "output_tokens", '"lots"'), "output_tokens: 1 value(s) not a valid bigint"),
                                   (lambda d: _json_set(d, "output_tokens", '{"a": 1}'), "output_tokens: 1 value(s) not a valid bigint")]),
    "litellm_spend": ("*.csv", [(lambda d: _csv_set(d, "spend", "1,234"), "spend: 1 value(s) not a valid decimal"),
                                (lambda d: _csv_set(d, "prompt_tokens", "x"), "prompt_tokens: 1 value(s) not a valid bigint")]),
    "platform_jobs": ("*.csv", [(lambda d: _csv_set(d, "vcpu", "1,234"), "vcpu: 1 value(s) not valid"),
                                (lambda d: _csv_set(d, "ended_at", "2026-09-01T00:00:00Z"), "1 job(s) end before they start")]),
    "selfhosted_llm": ("*.jsonl", [(lambda d: _json_set(d, "prompt_tokens", '"abc"'), "prompt_tokens: 1 value(s) not a valid bigint"),
                                   (lambda d: _json_set(d, "completion_tokens", "-3"), "negative token counts")]),
}


@pytest.mark.parametrize("source", sorted(SEMANTIC))
def test_nonsense_values_quarantine_the_file_with_a_specific_reason(samples, tmp_path, source):
    pattern, corruptions = SEMANTIC[source]
    victim = next(p for p in samples[source] if p.match(pattern))
    folder = tmp_path / "landing" / source / "hostile"
    folder.mkdir(parents=True)
    for i, (corrupt, _) in enumerate(corruptions):
        (folder / f"v{i}{victim.suffix}").write_bytes(corrupt(victim.read_bytes()))
    with open_warehouse(tmp_path / "w.duckdb") as conn:
        ingest_source(conn, tmp_path / "landing", SOURCES[source])
        got = dict(conn.execute("select path, coalesce(reason, status) from ops.ingest_files").fetchall())
        loaded = conn.execute(f"select count(*) from raw.{SOURCES[source].raw_table}").fetchone()[0]
    assert loaded == 0
    for i, (_, expected) in enumerate(corruptions):
        assert expected in got[f"{source}/hostile/v{i}{victim.suffix}"]
