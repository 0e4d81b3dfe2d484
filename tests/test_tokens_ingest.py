"""LLM usage loaders in-process (no pipeline run): token lines, cached tokens, quarantine reasons, sample."""

from __future__ import annotations

import csv
import hashlib
import importlib
import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagster_project.ingest import SOURCES
from dagster_project.ingest.base import IngestError
from dagster_project.sample import GENERATORS
from tests.test_tokens_fixtures import (
    ANTHROPIC_PAGE,
    LITELLM_COLUMNS,
    LITELLM_CSV_ROWS,
    OPENAI_BUCKETS,
    SELFHOSTED_LINES,
    expected_file_totals,
    openai_page,
    openai_result,
    write_json,
    write_landing,
)

TOKEN_SOURCES = ("openai_usage", "anthropic_usage", "litellm_spend", "selfhosted_llm")
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def conn():
    c = duckdb.connect()
    c.execute("set TimeZone = 'UTC'")
    yield c
    c.close()


def stage(conn, source: str, path: Path) -> list[tuple]:
    SOURCES[source].stage(conn, path)
    cols = [c for c, _ in SOURCES[source].columns]
    assert [r[0] for r in conn.execute("describe _incoming").fetchall()] == cols
    # staged rows have no order of their own: by record, then in the source's token-line order
    order = [name for name, _ in importlib.import_module(f"dagster_project.ingest.{source}").TOKEN_LINES]
    rows = conn.execute("select * from _incoming").fetchall()
    i, t = cols.index("record_index"), cols.index("token_type")
    return sorted(rows, key=lambda r: (r[i], order.index(r[t]))), cols


def lines_of(rows, cols) -> list[dict]:
    return [dict(zip(cols, r)) for r in rows]


def test_openai_input_tokens_include_cached_ones_so_input_lines_exclude_them(conn, tmp_path):
    path = write_json(tmp_path / "openai_usage" / "org-x" / "p.json", openai_page(OPENAI_BUCKETS))
    rows, cols = stage(conn, "openai_usage", path)
    lines = [(d["record_index"], d["token_type"], d["tokens"], d["requests"]) for d in lines_of(rows, cols)]
    # gpt-4o on the 15th: 1,000,000 input of which 400,000 cached, 100,000 output, 10 requests
    assert lines[:3] == [(1, "input", 600_000, 10), (1, "cached_input", 400_000, 0), (1, "output", 100_000, 0)]
    # no zero lines (audio, a result without cached tokens)
    assert all(t > 0 for _, _, t, _ in lines)
    d = lines_of(rows, cols)[0]
    assert d["organization_id"] == "org-x" and str(d["bucket_start_time"]) == "2026-10-15 00:00:00"
    assert sum(t for _, _, t, _ in lines) == expected_file_totals(path)[0]
    assert sum(r for *_, r in lines) == expected_file_totals(path)[1]


def test_openai_result_with_more_cached_than_input_tokens_is_quarantined(conn, tmp_path):
    # parts (200 cached) exceed the total (100 input): every line of the result carries the
    # excess, which the source's row check turns into a quarantine with its reason
    page = openai_page({"2026-10-15": [openai_result("gpt-4o", "p", "k", 100, 200, 5, 1)]})
    path = write_json(tmp_path / "openai_usage" / "bad.json", page)
    spec = SOURCES["openai_usage"]
    spec.stage(conn, path)
    (condition, reason), = spec.row_checks
    assert conn.execute(f"select count(*), min(parts_mismatch_tokens) from _incoming where {condition}").fetchone() == (2, 100)  # cached_input and output (input is 0)
    assert reason.startswith("token parts do not match the page's totals")


def test_a_record_without_tokens_keeps_one_line_for_its_requests(conn, tmp_path):
    page = openai_page({"2026-10-15": [openai_result("gpt-4o", "p", "k", 0, 0, 0, 3)]})
    rows, cols = stage(conn, "openai_usage", write_json(tmp_path / "openai_usage" / "z.json", page))
    assert [(d["token_type"], d["tokens"], d["requests"]) for d in lines_of(rows, cols)] == [("input", 0, 3)]


def test_anthropic_lists_each_input_kind_apart(conn, tmp_path):
    path = write_json(tmp_path / "anthropic_usage" / "org" / "u.json", ANTHROPIC_PAGE)
    rows, cols = stage(conn, "anthropic_usage", path)
    first = [(d["token_type"], d["tokens"], d["requests"]) for d in lines_of(rows, cols) if d["record_index"] == 1]
    assert first == [("input", 100_000, None), ("cached_input", 200_000, None), ("cache_write_5m", 40_000, None),
                     ("cache_write_1h", 10_000, None), ("output", 20_000, None)]
    assert lines_of(rows, cols)[-1]["workspace_id"] is None  # the Default workspace stays null in raw
    assert sum(d["tokens"] for d in lines_of(rows, cols)) == expected_file_totals(path)[0]


def test_anthropic_cost_report_page_is_refused_with_its_reason(conn, tmp_path):
    page = {"data": [{"starting_at": "2026-10-15T00:00:00Z", "ending_at": "2026-10-16T00:00:00Z", "results": [
        {"currency": "USD", "amount": "123.45", "workspace_id": None, "model": "claude-sonnet-4-5-20250929",
         "cost_type": "tokens", "token_type": "uncached_input_tokens"}]}], "has_more": False, "next_page": None}
    with pytest.raises(IngestError, match="Anthropic cost report page"):
        SOURCES["anthropic_usage"].stage(conn, write_json(tmp_path / "anthropic_usage" / "c.json", page))


def test_litellm_csv_and_jsonl_give_the_same_lines(conn, tmp_path):
    csv_path = tmp_path / "litellm_spend" / "p" / "s.csv"
    csv_path.parent.mkdir(parents=True)
    with open(csv_path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=LITELLM_COLUMNS)
        w.writeheader()
        for r in LITELLM_CSV_ROWS:
            w.writerow({**r, "metadata": json.dumps(r["metadata"])})
    jsonl_path = tmp_path / "litellm_spend" / "p" / "s.jsonl"
    jsonl_path.write_text("".join(json.dumps({**r, "spend": float(r["spend"])}) + "\n" for r in LITELLM_CSV_ROWS))
    a, cols = stage(conn, "litellm_spend", csv_path)
    b, _ = stage(conn, "litellm_spend", jsonl_path)
    assert a == b
    first = lines_of(a, cols)[:3]
    # 1000 prompt tokens of which 200 cached, 500 completion; request and spend on the first line
    assert [(d["token_type"], d["tokens"], d["requests"]) for d in first] == [("input", 800, 1), ("cached_input", 200, 0), ("output", 500, 0)]
    assert str(first[0]["request_spend"]) == "0.0015000000" and first[1]["request_spend"] is None
    assert first[0]["team_id"] == "team-payments" and lines_of(a, cols)[-1]["team_id"] is None


def test_selfhosted_reads_flat_and_nested_usage(conn, tmp_path):
    path = tmp_path / "selfhosted_llm" / "fleet" / "r.jsonl"
    path.parent.mkdir(parents=True)
    flat = {"timestamp": "2026-10-15T08:00:00Z", "model": "m", "api_key_id": "k", "prompt_tokens": 10, "completion_tokens": 5}
    path.write_text("\n".join(json.dumps(x) for x in SELFHOSTED_LINES + [flat]) + "\n")
    rows, cols = stage(conn, "selfhosted_llm", path)
    nested = sum(x["usage"]["prompt_tokens"] + x["usage"]["completion_tokens"] for x in SELFHOSTED_LINES)
    assert sum(d["tokens"] for d in lines_of(rows, cols)) == nested + 15
    assert sum(d["requests"] for d in lines_of(rows, cols)) == len(SELFHOSTED_LINES) + 1
    by_req = {}
    for d in lines_of(rows, cols):
        by_req.setdefault(d["request_id"], []).append((d["token_type"], d["tokens"]))
    assert by_req["s1"] == [("input", 700), ("cached_input", 300), ("output", 100)]
    assert next(d["tenant"] for d in lines_of(rows, cols) if d["request_id"] == "s2") == "ml-research"


@pytest.mark.parametrize(
    ("source", "relpath", "content", "reason"),
    [
        ("litellm_spend", "litellm_spend/p/s.jsonl", json.dumps({"request_id": "r", "startTime": "2026-10-15T00:00:00Z",
                                                                  "model": "m", "prompt_tokens": 1, "completion_tokens": 1}),
         r"missing required column\(s\): spend"),
        ("litellm_spend", "litellm_spend/p/s.jsonl", json.dumps({"request_id": "r", "startTime": None, "model": "m",
                                                                  "prompt_tokens": 1, "completion_tokens": 1, "spend": 0}),
         r"missing required value\(s\): start_time"),
        ("selfhosted_llm", "selfhosted_llm/f/r.jsonl", json.dumps({"timestamp": "2026-10-15T00:00:00Z", "model": "m",
                                                                   "prompt_tokens": 1, "completion_tokens": 1}),
         r"missing required field\(s\): api_key_id or tenant"),
        ("openai_usage", "openai_usage/o/p.json", json.dumps({"object": "list", "results": []}), "not a page of the OpenAI usage API"),
        ("openai_usage", "openai_usage/o/p.json", "{not json", "cannot read JSON file"),
        ("openai_usage", "openai_usage/o/p.json",
         json.dumps(openai_page({"2026-10-15": [openai_result("gpt-4o", "p", "k", "many", 0, 1, 1)]})),
         r"unparseable values: input_tokens"),
    ],
)
def test_bad_files_raise_the_quarantine_reason(conn, tmp_path, source, relpath, content, reason):
    path = tmp_path / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content + "\n")
    with pytest.raises(IngestError, match=reason):
        SOURCES[source].stage(conn, path)


def test_fixture_landing_files_all_stage_or_quarantine(conn, tmp_path):
    write_landing(tmp_path)
    for source in TOKEN_SOURCES:
        for path in sorted((tmp_path / source).rglob("*")):
            if path.is_file():
                rel = path.relative_to(tmp_path).as_posix()
                try:
                    SOURCES[source].stage(conn, path)
                except IngestError:
                    assert "no_" in rel or "costs" in rel or "not_json" in rel, rel


def test_only_selfhosted_logs_skip_focus_rows():
    assert {name: SOURCES[name].focus_rows for name in TOKEN_SOURCES} == {
        "openai_usage": True, "anthropic_usage": True, "litellm_spend": True, "selfhosted_llm": False}


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def test_samples_are_deterministic_and_modest(tmp_path):
    for name in ("a", "b"):
        for source in TOKEN_SOURCES:
            GENERATORS[source](tmp_path / name, "2026-10", 11, 2000)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    GENERATORS["openai_usage"](tmp_path / "c", "2026-10", 12, 2000)
    assert _digest(tmp_path / "a" / "openai_usage") != _digest(tmp_path / "c" / "openai_usage")
    size = sum(p.stat().st_size for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert size < 2_000_000


def test_litellm_sample_routes_only_to_providers_without_their_own_export(tmp_path):
    """The same request must not be billed twice (LiteLLM and the provider's own usage export)."""
    providers = list(csv.DictReader((REPO / "seeds" / "tokens" / "llm_providers.csv").read_text().splitlines()))
    exported = {p["litellm_provider"] for p in providers if p["has_own_usage_export"] == "true"}
    known = {p["litellm_provider"] for p in providers}
    files = GENERATORS["litellm_spend"](tmp_path, "2026-10", 3, 2000)
    routed = set()
    for f in files:
        if f.suffix == ".csv":
            routed |= {r["custom_llm_provider"] for r in csv.DictReader(f.read_text().splitlines())}
        else:
            routed |= {json.loads(x)["custom_llm_provider"] for x in f.read_text().splitlines() if x}
    assert routed and routed <= known and not routed & exported



@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 10**9), st.integers(0, 10**9), st.integers(0, 10**4)),
                min_size=1, max_size=8))
def test_openai_lines_conserve_tokens_and_requests(conn, tmp_path_factory, results):
    """Any page: lines sum to input + output tokens and the requests, cached tokens counted once."""
    page = openai_page({"2026-10-15": [
        openai_result("gpt-4o", f"p{i}", "k", inp + cached, cached, out, req) for i, (inp, cached, out, req) in enumerate(results)
    ]})
    path = write_json(tmp_path_factory.mktemp("p") / "openai_usage" / "o" / "p.json", page)
    rows, cols = stage(conn, "openai_usage", path)
    lines = lines_of(rows, cols)
    assert sum(d["tokens"] for d in lines) == sum(inp + cached + out for inp, cached, out, _ in results)
    assert sum(d["requests"] for d in lines) == sum(req for *_, req in results)
    assert sum(d["tokens"] for d in lines if d["token_type"] == "cached_input") == sum(c for _, c, _, _ in results)
    assert {d["record_index"] for d in lines} == set(range(1, len(results) + 1))
