"""Issue #12: pulling exports from S3 / Cloud Storage / Azure Blob and the admin APIs, against
real protocol servers on 127.0.0.1 (moto_server, gcp-storage-emulator, Azurite, and a local
HTTP server speaking the admin APIs' paging). Every server is started and stopped here."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from pathlib import Path

import pytest
import yaml

from dagster_project.ingest import SOURCES
from dagster_project.ingest.registry import ingest_source
from dagster_project.pull.config import load_config
from dagster_project.pull.run import pull_freshness, pull_sources
from dagster_project.sample import generate
from dagster_project.warehouse import open_warehouse
from tests.helpers import finops
from tests.pull_servers import (
    AZURITE,
    FakeAdminApi,
    azurite_cmd,
    azurite_connection_string,
    free_port,
    gcs_cmd,
    moto_cmd,
    server_process,
)

MONTH = "2026-10"
TODAY = dt.date(2026, 10, 6)
OPENAI_KEY = "sk-admin-TESTKEY-openai-7f3a9c2e51b84d06"
ANTHROPIC_KEY = "sk-ant-admin01-TESTKEY-anthropic-0c1d2e3f4a5b"


# --- servers (module scope: started once, killed at the end) -----------------------------------

@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    port = free_port()
    with server_process(moto_cmd(port), port, tmp_path_factory.mktemp("moto") / "moto.log"):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def gcs_emulator(tmp_path_factory):
    port = free_port()
    with server_process(gcs_cmd(port), port, tmp_path_factory.mktemp("gcs") / "gcs.log"):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    if not AZURITE.exists():
        pytest.skip(f"Azurite is not installed at {AZURITE}: run `make tools`")
    port = free_port()
    work = tmp_path_factory.mktemp("azurite")
    with server_process(azurite_cmd(port), port, work / "azurite.log"):
        yield azurite_connection_string(port)


@pytest.fixture
def aws_env(moto, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto


@pytest.fixture
def gcs_env(gcs_emulator, monkeypatch):
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_emulator)
    return gcs_emulator


@pytest.fixture
def azure_env(azurite, monkeypatch):
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite)
    return azurite


@pytest.fixture
def work(tmp_path) -> dict:
    return {"landing": tmp_path / "landing", "warehouse": tmp_path / "wh" / "finops.duckdb",
            "config": tmp_path / "pull.yml", "tmp": tmp_path}


def write_config(path: Path, sources: list[dict]) -> Path:
    path.write_text(yaml.safe_dump({"sources": sources}))
    return path


def run_pull(work: dict, sources: list[dict], **kw):
    config = load_config(write_config(work["config"], sources))
    with open_warehouse(work["warehouse"]) as conn:
        return pull_sources(conn, work["landing"], list(config.sources), **kw)


def ingest(work: dict, folder: str):
    with open_warehouse(work["warehouse"]) as conn:
        return ingest_source(conn, work["landing"], SOURCES[folder])


def q(work: dict, sql: str, params=None):
    with open_warehouse(work["warehouse"]) as conn:
        return conn.execute(sql, params or []).fetchall()


def sample_files(tmp: Path, folder: str, seed: int, rows: int = 200) -> dict[str, bytes]:
    """{path below the folder: bytes} of the sample generator's files for one source."""
    out = tmp / f"sample-{folder}-{seed}-{rows}"
    if not out.exists():
        generate(out, MONTH, seed, rows, [folder])
    root = out / folder
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- object stores: one scenario, three protocols ----------------------------------------------

class S3Bucket:
    def __init__(self, name):
        import boto3

        self.name = name
        self.client = boto3.client("s3")
        self.client.create_bucket(Bucket=name)

    def put(self, key, data):
        self.client.put_object(Bucket=self.name, Key=key, Body=data)

    def delete(self, key):
        self.client.delete_object(Bucket=self.name, Key=key)


class GCSBucket:
    def __init__(self, name):
        from google.cloud import storage

        self.name = name
        self.bucket = storage.Client().create_bucket(name)

    def put(self, key, data):
        self.bucket.blob(key).upload_from_string(data)

    def delete(self, key):
        self.bucket.blob(key).delete()


class AzureContainer:
    def __init__(self, name):
        import os

        from azure.storage.blob import BlobServiceClient

        self.name = name
        svc = BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"])
        self.container = svc.create_container(name)

    def put(self, key, data):
        self.container.upload_blob(key, data, overwrite=True)

    def delete(self, key):
        self.container.delete_blob(key)


STORES = {
    "s3": ("aws_env", S3Bucket, "aws_cur", "bucket"),
    "gcs": ("gcs_env", GCSBucket, "gcp_billing", "bucket"),
    "azure_blob": ("azure_env", AzureContainer, "azure_cost", "container"),
}


def raw_rows_by_file(work, folder) -> dict[str, int]:
    table = SOURCES[folder].raw_table
    return dict(q(work, f"select _source_file, count(*) from raw.{table} group by 1"))


@pytest.mark.parametrize("kind", ["s3", "gcs", "azure_blob"])
def test_store_pull_new_unchanged_rewritten(kind, work, request):
    env_fixture, store_cls, folder, bucket_field = STORES[kind]
    request.getfixturevalue(env_fixture)
    store = store_cls(f"finops-{kind.replace('_', '-')}-{free_port()}")
    prefix = f"exports/{folder}/"
    files = sample_files(work["tmp"], folder, seed=1)
    for rel, data in files.items():
        store.put(prefix + rel, data)
    store.put(prefix + "README.txt", b"not an export")  # not a file the ingest reads: never copied
    source = {"name": f"{kind}_src", "kind": kind, bucket_field: store.name, "prefix": prefix, "landing_folder": folder}

    # first pull: everything
    [r1] = run_pull(work, [source])
    assert r1.status == "ok", r1.message
    assert sorted(r1.copied) == sorted(f"{folder}/{rel}" for rel in files)
    for rel, data in files.items():
        assert (work["landing"] / folder / rel).read_bytes() == data
    assert not (work["landing"] / folder / "README.txt").exists()
    ingest(work, folder)
    before = raw_rows_by_file(work, folder)
    assert set(before) == {f"{folder}/{rel}" for rel in files}

    # second pull: nothing
    [r2] = run_pull(work, [source])
    assert r2.status == "ok" and r2.copied == [] and r2.unchanged == len(files)

    # the provider rewrites one month's file in place: pulled again, and it replaces its period
    rewritten = min(files)
    # the same export's file from another sample (Azure's run folder name differs by seed)
    new_data = min(sample_files(work["tmp"], folder, seed=2, rows=120).items())[1]
    assert new_data != files[rewritten]
    store.put(prefix + rewritten, new_data)
    [r3] = run_pull(work, [source])
    assert r3.copied == [f"{folder}/{rewritten}"]
    assert (work["landing"] / folder / rewritten).read_bytes() == new_data
    report = ingest(work, folder)
    assert report.loaded == [f"{folder}/{rewritten}"] and report.superseded == [f"{folder}/{rewritten}"]
    after = raw_rows_by_file(work, folder)
    # the other files are untouched; the rewritten one holds only its new rows (no duplicate)
    assert {k: v for k, v in after.items() if k != f"{folder}/{rewritten}"} == \
        {k: v for k, v in before.items() if k != f"{folder}/{rewritten}"}
    [(n_new,)] = q(work, f"select count(*) from raw.{SOURCES[folder].raw_table} where _source_file = ?",
                   [f"{folder}/{rewritten}"])
    [(recorded,)] = q(work, "select rows from ops.ingest_files where path = ? and status = 'loaded'", [f"{folder}/{rewritten}"])
    assert n_new == after[f"{folder}/{rewritten}"] == recorded
    statuses = q(work, "select status, count(*) from ops.ingest_files where path = ? group by 1 order by 1",
                 [f"{folder}/{rewritten}"])
    assert statuses == [("loaded", 1), ("superseded", 1)]
    # recorded: one row per object with its etag and size; the source's last successful pull
    assert q(work, "select count(*) from ops.pulled_objects where source = ?", [source["name"]]) == [(len(files),)]
    [(status, last_success)] = q(work, "select last_status, last_success_at from ops.pull_state where source = ?",
                                 [source["name"]])
    assert status == "ok" and last_success is not None


def test_s3_month_rewritten_into_fewer_files_withdraws_the_old_part(aws_env, work):
    """A CUR month re-exported with fewer parts: the part no longer listed is withdrawn, not double counted;
    an object that only expires is kept."""
    store = S3Bucket(f"finops-parts-{free_port()}")
    files = sample_files(work["tmp"], "aws_cur", seed=1)
    rel = min(files)
    part2 = rel.replace("00001", "00002")
    store.put("cur/" + rel, files[rel])
    store.put("cur/" + part2, sample_files(work["tmp"], "aws_cur", seed=3, rows=50)[rel])
    source = {"name": "cur", "kind": "s3", "bucket": store.name, "prefix": "cur/", "landing_folder": "aws_cur"}
    run_pull(work, [source])
    ingest(work, "aws_cur")
    assert set(raw_rows_by_file(work, "aws_cur")) == {f"aws_cur/{rel}", f"aws_cur/{part2}"}
    # re-export: part 1 rewritten, part 2 gone
    new_part1 = sample_files(work["tmp"], "aws_cur", seed=2, rows=120)[rel]
    store.put("cur/" + rel, new_part1)
    store.delete("cur/" + part2)
    [r] = run_pull(work, [source])
    assert r.copied == [f"aws_cur/{rel}"] and r.withdrawn == [f"aws_cur/{part2}"]
    assert not (work["landing"] / "aws_cur" / part2).exists()
    ingest(work, "aws_cur")
    assert set(raw_rows_by_file(work, "aws_cur")) == {f"aws_cur/{rel}"}
    # an object that merely disappears (retention) while a new one arrives: nothing is withdrawn
    part3 = rel.replace("00001", "00003")
    store.put("cur/" + part3, sample_files(work["tmp"], "aws_cur", seed=4, rows=50)[rel])
    store.delete("cur/" + rel)
    [r] = run_pull(work, [source])
    assert r.copied == [f"aws_cur/{part3}"] and r.withdrawn == []
    ingest(work, "aws_cur")
    assert set(raw_rows_by_file(work, "aws_cur")) == {f"aws_cur/{rel}", f"aws_cur/{part3}"}


def test_s3_object_rewritten_back_to_an_earlier_version(aws_env, work):
    store = S3Bucket(f"finops-revert-{free_port()}")
    rel = min(sample_files(work["tmp"], "aws_cur", seed=1))
    versions = [min(sample_files(work["tmp"], "aws_cur", seed=s, rows=r).items())[1] for s, r in ((1, 200), (2, 120))]
    source = {"name": "cur", "kind": "s3", "bucket": store.name, "prefix": "cur/", "landing_folder": "aws_cur"}
    for data in (versions[0], versions[1], versions[0]):
        store.put("cur/" + rel, data)
        [r] = run_pull(work, [source])
        assert r.copied == [f"aws_cur/{rel}"]
        ingest(work, "aws_cur")
    [(loaded_hash,)] = q(work, "select content_hash from ops.ingest_files where path = ? and status = 'loaded'", [f"aws_cur/{rel}"])
    assert loaded_hash == hashlib.sha256(versions[0]).hexdigest()


def test_dry_run_lists_and_copies_nothing(aws_env, work):
    store = S3Bucket(f"finops-dry-{free_port()}")
    files = sample_files(work["tmp"], "aws_cur", seed=1)
    for rel, data in files.items():
        store.put("cur/" + rel, data)
    source = {"name": "cur", "kind": "s3", "bucket": store.name, "prefix": "cur/", "landing_folder": "aws_cur"}
    [r] = run_pull(work, [source], dry_run=True)
    assert r.status == "dry_run" and len(r.would_fetch) == len(files) and r.copied == []
    assert not (work["landing"] / "aws_cur").exists()
    assert q(work, "select count(*) from ops.pulled_objects") == [(0,)]
    # and through the CLI, with the config from FINOPS_PULL_CONFIG
    write_config(work["config"], [source])
    env = {"FINOPS_PULL_CONFIG": str(work["config"]), "AWS_ENDPOINT_URL": aws_env, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    args = ["--landing", str(work["landing"]), "--warehouse", str(work["warehouse"])]
    dry = finops("pull", "--dry-run", *args, env=env)
    for rel in files:
        assert f"cur/{rel}" in dry.stdout
    assert not (work["landing"] / "aws_cur").exists()
    real = finops("pull", "--source", "cur", *args, env=env)
    assert f"{len(files)} copied" in real.stdout
    again = finops("pull", "--dry-run", *args, env=env)
    assert "would fetch 0" in again.stdout


def test_hostile_keys_land_once_each_and_one_bad_object_does_not_stop_the_rest(aws_env, work):
    """Two keys for one path both land (distinct names, a warning); a newline, glob characters
    and a 300-character name are encoded; a key that is both a file and a folder fails alone,
    is not recorded, and is tried again by the next pull."""
    store = S3Bucket(f"finops-hostile-{free_port()}")
    long_name = "x" * 300 + ".csv"
    objects = {
        "p/dup//a.csv": b"double slash",
        "p/dup/a.csv": b"single slash",
        "p/tab\tname.csv": b"tab",
        "p/all*.csv": b"star",
        f"p/{long_name}": b"long",
        "p/ff.csv": b"file",
        "p/ff.csv/inner.csv": b"file below a file",
    }
    for key, data in objects.items():
        store.put(key, data)
    source = {"name": "hostile", "kind": "s3", "bucket": store.name, "prefix": "p/", "landing_folder": "aws_cur"}
    lines: list[str] = []
    [r] = run_pull(work, [source], log=lines.append)
    assert r.status == "failed"
    assert r.message.startswith("1 object(s) could not be copied and are retried next pull (6 copied): p/ff.csv/inner.csv: FileExistsError")
    landed = {p.relative_to(work["landing"] / "aws_cur").as_posix(): p.read_bytes()
              for p in (work["landing"] / "aws_cur").rglob("*") if p.is_file()}
    assert sorted(landed.values()) == sorted(v for k, v in objects.items() if k != "p/ff.csv/inner.csv")
    assert landed["tab%09name.csv"] == b"tab" and landed["all%2A.csv"] == b"star"
    assert landed["dup/a.csv"] in (b"double slash", b"single slash") and len([k for k in landed if k.startswith("dup/")]) == 2
    assert all(len(Path(k).name.encode()) <= 200 for k in landed)
    assert not any("\t" in line for line in lines)  # a control character in a key never reaches a log line
    assert any("map to the same landing path" in line for line in lines)
    assert q(work, "select count(*) from ops.pulled_objects where source = 'hostile'") == [(6,)]
    [r2] = run_pull(work, [source])
    assert r2.status == "failed" and r2.unchanged == 6 and r2.copied == []


def test_keys_with_nul_or_newline_become_printable_file_names():
    # S3 emulators refuse these keys; the mapping is what a real bucket listing goes through
    from dagster_project.pull.objects import safe_relative as _safe_relative

    assert _safe_relative("p/a\x00b\nc[1]?.csv", "p/").as_posix() == "a%00b%0Ac%5B1%5D%3F.csv"
    assert _safe_relative("p/../x.csv", "p/") is None


def test_sources_without_credentials_are_skipped(work, monkeypatch):
    for var in ("OPENAI_ADMIN_KEY", "AZURE_STORAGE_CONNECTION_STRING", "STORAGE_EMULATOR_HOST"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(work["tmp"] / "missing.json"))
    results = run_pull(work, [
        {"name": "oa", "kind": "openai", "base_url": "http://127.0.0.1:9", "organization": "org-x"},
        {"name": "az", "kind": "azure_blob", "container": "c", "landing_folder": "azure_cost"},
        {"name": "off", "kind": "s3", "bucket": "b", "landing_folder": "aws_cur", "enabled": False},
    ], today=TODAY)
    assert [(r.source, r.status) for r in results] == [("oa", "skipped"), ("az", "skipped"), ("off", "skipped")]
    assert "OPENAI_ADMIN_KEY is not set" in results[0].message
    assert "AZURE_STORAGE_CONNECTION_STRING" in results[1].message


# --- admin APIs ---------------------------------------------------------------------------------

def openai_results(day: dt.date, scale: int = 1, n: int = 3) -> list[dict]:
    base = day.toordinal() % 97
    return [{
        "object": "organization.usage.completions.result",
        "input_tokens": (1000 + 10 * base + i) * scale, "input_cached_tokens": 100 + i,
        "output_tokens": (300 + base + i) * scale, "num_model_requests": 5 + i,
        "input_audio_tokens": 0, "output_audio_tokens": 0,
        "project_id": f"proj_{i}", "user_id": None, "api_key_id": f"key_{i}",
        "model": "gpt-4o-mini-2024-07-18", "batch": False, "service_tier": "default",
    } for i in range(n)]


def openai_costs(day: dt.date) -> list[dict]:
    return [{"object": "organization.costs.result", "amount": {"value": 1.25 + i, "currency": "usd"},
             "line_item": f"gpt-4o-mini, input {i}", "project_id": f"proj_{i}"} for i in range(2)]


def anthropic_results(day: dt.date, scale: int = 1, n: int = 3) -> list[dict]:
    base = day.toordinal() % 89
    return [{
        "uncached_input_tokens": (2000 + base + i) * scale, "cache_read_input_tokens": 50 + i,
        "cache_creation": {"ephemeral_5m_input_tokens": 10 + i, "ephemeral_1h_input_tokens": 0},
        "output_tokens": (400 + i) * scale, "server_tool_use": {"web_search_requests": 0},
        "api_key_id": f"apikey_{i}", "workspace_id": f"wrkspc_{i}", "model": "claude-sonnet-4-5-20250929",
        "service_tier": "standard", "context_window": "0-200k",
    } for i in range(n)]


def anthropic_costs(day: dt.date) -> list[dict]:
    return [{"currency": "USD", "amount": "123.45", "workspace_id": "wrkspc_0", "description": "Claude Sonnet 4.5 Usage - Input Tokens",
             "cost_type": "tokens", "model": "claude-sonnet-4-5-20250929"}]


def openai_total(results_by_day) -> int:
    return sum(r["input_tokens"] + r["output_tokens"] for rs in results_by_day.values() for r in rs)


def anthropic_total(results_by_day) -> int:
    return sum(r["uncached_input_tokens"] + r["cache_read_input_tokens"] + r["cache_creation"]["ephemeral_5m_input_tokens"]
               + r["cache_creation"]["ephemeral_1h_input_tokens"] + r["output_tokens"] for rs in results_by_day.values() for r in rs)


API = {
    "openai": ("openai_usage", "openai_costs", OPENAI_KEY, "OPENAI_ADMIN_KEY", openai_results, openai_costs, openai_total,
               "completions", "costs"),
    "anthropic": ("anthropic_usage", "anthropic_costs", ANTHROPIC_KEY, "ANTHROPIC_ADMIN_KEY", anthropic_results,
                  anthropic_costs, anthropic_total, "messages", "cost_report"),
}


def api_source(kind, server, **kw) -> dict:
    return {"name": kind, "kind": kind, "base_url": server.base_url, "organization": "org-test",
            "start_date": "2026-10-01", "lookback_days": 3, "retry_base_seconds": 0.01, **kw}


def token_total(work, folder) -> int:
    return q(work, f"select coalesce(sum(tokens), 0) from raw.{SOURCES[folder].raw_table}")[0][0]


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_api_pull_pages_lookback_and_revisions(kind, work, monkeypatch):
    folder, costs_folder, key, key_env, results, costs, total, usage_ep, cost_ep = API[kind]
    monkeypatch.setenv(key_env, key)
    with FakeAdminApi(kind, key, page_size=2) as server:
        days = [dt.date(2026, 10, d) for d in range(1, 7)]
        for d in days:
            server.usage[d] = results(d)
            server.costs[d] = costs(d)
        server.usage[dt.date(2026, 10, 3)] = []  # a day without usage: no file (the ingest would quarantine it)
        source = api_source(kind, server)

        [r1] = run_pull(work, [source], today=TODAY)
        assert r1.status == "ok", r1.message
        # 3 results a page of 2: two pages a day with usage, one page of costs a day
        assert len([p for p in r1.copied if p.startswith(folder)]) == 2 * 5
        assert len([p for p in r1.copied if p.startswith(costs_folder)]) == 6
        assert f"{folder}/org-test/{usage_ep}/2026-10-01/page-0000.json" in r1.copied
        assert f"{folder}/org-test/{usage_ep}/2026-10-01/page-0001.json" in r1.copied
        assert f"{costs_folder}/org-test/{cost_ep}/2026-10-06/page-0000.json" in r1.copied
        # the usage pages are exactly what the ingest reads; the cost pages are not in its folder
        report = ingest(work, folder)
        assert report.quarantined == [] and len(report.loaded) == 10
        assert token_total(work, folder) == total(server.usage)

        # second pull: the last 3 days are fetched again, nothing is new
        server.requests.clear()
        [r2] = run_pull(work, [source], today=TODAY)
        assert r2.copied == [] and r2.withdrawn == []
        asked = sorted({p.get("start_time", p.get("starting_at", [""]))[0] for _, p, _ in server.requests})
        assert len(asked) == 3  # 2026-10-04..06 only

        # the provider revises a recent day (more tokens, and one result fewer: one page fewer)
        revised_day = dt.date(2026, 10, 5)
        server.usage[revised_day] = results(revised_day, scale=3, n=2)
        [r3] = run_pull(work, [source], today=TODAY)
        base = f"{folder}/org-test/{usage_ep}/{revised_day}"
        assert r3.copied == [f"{base}/page-0000.json"] and r3.withdrawn == [f"{base}/page-0001.json"]
        ingest(work, folder)
        # the warehouse holds the revised totals, not the sum of the old and new pages
        assert token_total(work, folder) == total(server.usage)

        # a later day: only the new days (and the lookback) are asked for
        server.requests.clear()
        server.usage[dt.date(2026, 10, 7)] = results(dt.date(2026, 10, 7))
        [r4] = run_pull(work, [source], today=dt.date(2026, 10, 7))
        assert [p for p in r4.copied if p.startswith(folder)] == [
            f"{folder}/org-test/{usage_ep}/2026-10-07/page-0000.json", f"{folder}/org-test/{usage_ep}/2026-10-07/page-0001.json"]
        ingest(work, folder)
        assert token_total(work, folder) == total(server.usage)
        cursor = json.loads(q(work, "select cursor_json from ops.pull_state where source = ?", [kind])[0][0])
        assert cursor == {usage_ep: "2026-10-07", cost_ep: "2026-10-07"}


def test_api_page_revised_back_to_earlier_numbers(work, monkeypatch):
    """registry.py skips content it has seen, even a superseded version: the pull marks such a page so it is restated."""
    monkeypatch.setenv("OPENAI_ADMIN_KEY", OPENAI_KEY)
    with FakeAdminApi("openai", OPENAI_KEY, page_size=10) as server:
        source = api_source("openai", server, start_date=str(TODAY), endpoints=["completions"])
        for scale in (1, 2, 1):  # A, then B, then A again
            server.usage[TODAY] = openai_results(TODAY, scale=scale)
            run_pull(work, [source], today=TODAY)
            ingest(work, "openai_usage")
            assert token_total(work, "openai_usage") == openai_total(server.usage)
        # unchanged since: nothing rewritten
        [r] = run_pull(work, [source], today=TODAY)
        assert r.copied == []


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_api_429_then_success_is_retried(kind, work, monkeypatch):
    _folder, _c, key, key_env, results, *_ = API[kind]
    monkeypatch.setenv(key_env, key)
    with FakeAdminApi(kind, key) as server:
        server.usage[TODAY] = results(TODAY)
        server.failures = [(429, "0", '{"error": "rate limited"}'), (503, None, '{"error": "overloaded"}')]
        [r] = run_pull(work, [api_source(kind, server, start_date=str(TODAY), endpoints=[API[kind][7]])], today=TODAY)
        assert r.status == "ok", r.message
        assert r.retries == 2
        assert [s for _, _, s in server.requests][:3] == [429, 503, 200]
        assert len(r.copied) == 2


def test_api_retry_budget_is_bounded_and_other_sources_still_run(work, monkeypatch):
    monkeypatch.setenv("OPENAI_ADMIN_KEY", OPENAI_KEY)
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ANTHROPIC_KEY)
    with FakeAdminApi("openai", OPENAI_KEY) as oa, FakeAdminApi("anthropic", ANTHROPIC_KEY) as an:
        oa.failures = [(503, None, "{}")] * 50
        an.usage[TODAY] = anthropic_results(TODAY)
        results = run_pull(work, [
            api_source("openai", oa, start_date=str(TODAY), max_attempts=4),
            api_source("anthropic", an, start_date=str(TODAY)),
        ], today=TODAY)
        assert [r.status for r in results] == ["failed", "ok"]
        assert len(oa.requests) == 4  # bounded attempts
        assert "gave up after 4 attempts" in results[0].message
    alerts = q(work, "select check_name, severity from ops.alerts")
    assert alerts == [("pull_failed", "error")]
    states = dict(q(work, "select source, last_status from ops.pull_state"))
    assert states == {"openai": "failed", "anthropic": "ok"}
    # the late-data check reports each source's last successful pull and flags the failing one
    config = load_config(work["config"])
    with open_warehouse(work["warehouse"]) as conn:
        report, stale = pull_freshness(conn, list(config.sources), 36)
        assert report["openai"] == "never" and report["anthropic"] != "never"
        assert len(stale) == 1 and stale[0].startswith("pull openai (openai): has never succeeded")
        later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=48)
        _, stale_later = pull_freshness(conn, list(config.sources), 36, now=later)
        assert any("pull anthropic" in s and "threshold 36 h" in s for s in stale_later)


def test_api_retry_after_budget(work, monkeypatch):
    """A Retry-After beyond the source's retry budget stops at once instead of sleeping."""
    monkeypatch.setenv("OPENAI_ADMIN_KEY", OPENAI_KEY)
    slept = []
    with FakeAdminApi("openai", OPENAI_KEY) as oa:
        oa.failures = [(429, "30", "{}")]
        [r] = run_pull(work, [api_source("openai", oa, start_date=str(TODAY), retry_budget_seconds=5)],
                       today=TODAY, sleep=slept.append)
    assert r.status == "failed" and "retry budget" in r.message and slept == []


def test_key_never_appears_in_logs(work, monkeypatch, caplog, capsys):
    monkeypatch.setenv("OPENAI_ADMIN_KEY", OPENAI_KEY)
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ANTHROPIC_KEY)
    caplog.set_level(logging.DEBUG)
    lines = []
    with FakeAdminApi("openai", OPENAI_KEY) as oa, FakeAdminApi("anthropic", ANTHROPIC_KEY) as an:
        oa.usage[TODAY] = openai_results(TODAY)
        # retried, then refused with a body that echoes the key back
        oa.failures = [(429, "0", "slow down {key}"), (500, None, "boom {key}")]
        an.failures = [(401, None, '{"error": "invalid x-api-key {key}"}')]
        results = run_pull(work, [api_source("openai", oa, start_date=str(TODAY)),
                                  api_source("anthropic", an, start_date=str(TODAY))],
                           today=TODAY, log=lines.append)
        assert [r.status for r in results] == ["ok", "failed"]
        assert "HTTP 401" in results[1].message and "<redacted-key>" in results[1].message
        # through the CLI too
        write_config(work["config"], [api_source("anthropic", an, start_date="2026-11-20")])
        an.failures = [(429, "0", "{key}"), (401, None, "bad key {key}")]
        proc = finops("pull", "--landing", str(work["landing"]), "--warehouse", str(work["warehouse"]),
                      env={"FINOPS_PULL_CONFIG": str(work["config"]), "ANTHROPIC_ADMIN_KEY": ANTHROPIC_KEY}, check=False)
        assert proc.returncode == 1 and "HTTP 401" in proc.stdout
    out = capsys.readouterr()
    everything = "\n".join([*lines, caplog.text, out.out, out.err, proc.stdout, proc.stderr])
    assert "retry 1" in everything
    landing_text = "\n".join(p.read_text() for p in work["landing"].rglob("*") if p.is_file())
    ops = json.dumps(q(work, "select * from ops.alerts") + q(work, "select * from ops.pull_state")
                     + q(work, "select * from ops.pulled_objects"), default=str)
    for key in (OPENAI_KEY, ANTHROPIC_KEY):
        for text in (everything, landing_text, ops):
            assert key not in text
            assert key[8:24] not in text


def test_a_key_with_a_trailing_newline_is_stripped_and_never_printed_in_any_form(work, monkeypatch):
    import base64
    from urllib.parse import quote

    from dagster_project.alerting import redact

    monkeypatch.setenv("OPENAI_ADMIN_KEY", OPENAI_KEY + "\n")
    with FakeAdminApi("openai", OPENAI_KEY) as oa:
        oa.usage[TODAY] = openai_results(TODAY)
        [r] = run_pull(work, [api_source("openai", oa, start_date=str(TODAY))], today=TODAY)
    assert r.status == "ok", r.message
    forms = [OPENAI_KEY, repr(OPENAI_KEY + "\n"), quote(OPENAI_KEY, safe=""),
             base64.b64encode(f":{OPENAI_KEY}".encode()).decode(), base64.b64encode(OPENAI_KEY.encode()).decode()]
    for form in forms:
        assert "TESTKEY" not in redact(f"error: {form} rejected").replace("<redacted-key>", ""), form
    monkeypatch.setenv("OPENAI_ADMIN_KEY", "sk-admin bad key")
    with FakeAdminApi("openai", OPENAI_KEY) as oa:
        [bad] = run_pull(work, [api_source("openai", oa, start_date=str(TODAY))], today=TODAY)
    assert bad.status == "failed" and "whitespace or control characters" in bad.message and "bad key" not in bad.message


def test_pull_assets_run_before_ingest_in_dagster(work, monkeypatch):
    """The Dagster pull asset fills the landing folder; the ingest asset downstream loads it."""
    import dagster as dg

    from dagster_project.assets.ingest import ingest_assets
    from dagster_project.assets.pull import pull_assets
    from dagster_project.resources import FinopsWarehouse

    monkeypatch.setenv("OPENAI_ADMIN_KEY", OPENAI_KEY)
    today = dt.datetime.now(dt.UTC).date()
    with FakeAdminApi("openai", OPENAI_KEY) as oa:
        for i in range(3):
            oa.usage[today - dt.timedelta(days=i)] = openai_results(today - dt.timedelta(days=i))
        write_config(work["config"], [api_source("openai", oa, start_date=str(today - dt.timedelta(days=2)))])
        monkeypatch.setenv("FINOPS_PULL_CONFIG", str(work["config"]))
        result = dg.materialize(
            [*pull_assets, *ingest_assets],
            selection=["pull/openai", "raw/openai_usage_token_lines"],
            resources={"warehouse": FinopsWarehouse(landing_dir=str(work["landing"]), warehouse=str(work["warehouse"]))},
        )
    assert result.success
    assert token_total(work, "openai_usage") == openai_total(oa.usage)
    assert q(work, "select last_status from ops.pull_state where source = 'openai'") == [("ok",)]


def test_late_data_check_reports_last_successful_pull(work, monkeypatch):
    """The late_data check reports each configured source's last successful pull and flags a stale one."""
    import dagster as dg

    from dagster_project.checks.late_data import late_data
    from dagster_project.resources import FinopsWarehouse

    write_config(work["config"], [{"name": "cur", "kind": "s3", "bucket": "b", "landing_folder": "aws_cur"},
                                  {"name": "oa", "kind": "openai", "organization": "o"},
                                  {"name": "off", "kind": "gcs", "bucket": "b", "landing_folder": "gcp_billing", "enabled": False}])
    monkeypatch.setenv("FINOPS_PULL_CONFIG", str(work["config"]))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with open_warehouse(work["warehouse"]) as conn:
        conn.execute("create schema marts")
        conn.execute("create table marts.focus_costs (x_file_id varchar, BillingPeriodStart timestamp, BillingPeriodEnd timestamp, "
                     "ChargePeriodStart timestamp, BilledCost decimal(38, 10), BillingCurrency varchar)")
        conn.execute("insert into ops.pull_state values ('cur', 's3', ?, ?, 'failed', 'AccessDenied', 0, 0, null)",
                     [now - dt.timedelta(hours=2), now - dt.timedelta(hours=50)])
        conn.execute("insert into ops.pull_state values ('oa', 'openai', ?, null, 'skipped', 'OPENAI_ADMIN_KEY is not set', 0, 0, null)",
                     [now])
    resources = {"warehouse": FinopsWarehouse(warehouse=str(work["warehouse"]), landing_dir=str(work["landing"]))}
    result = late_data(dg.build_asset_check_context(resources=resources))
    assert not result.passed
    assert "pull cur (s3): last successful pull" in result.description and "AccessDenied" in result.description
    last = result.metadata["last_successful_pull"].text
    assert "'cur': '" in last and "'oa': 'never'" in last and "off" not in last
    assert q(work, "select check_name, severity from ops.alerts") == [("late_data", "warn")]
    # fresh again: passes, and still says when each source was last pulled
    with open_warehouse(work["warehouse"]) as conn:
        conn.execute("update ops.pull_state set last_success_at = ?, last_status = 'ok' where source = 'cur'", [now])
    result = late_data(dg.build_asset_check_context(resources=resources))
    assert result.passed and "last successful pulls: cur " in result.description


def test_committed_pull_config_is_valid_and_disabled():
    config = load_config(Path(__file__).resolve().parent.parent / "pull.yml")
    assert {s.kind for s in config.sources} == {"s3", "gcs", "azure_blob", "openai", "anthropic", "ecb"}
    # nothing is fetched until someone fills in a bucket / organization and enables it
    assert not any(s.enabled for s in config.sources)


@pytest.mark.slow
def test_nightly_run_pulls_then_loads(aws_env, work):
    """`finops run` (the nightly job) pulls S3 and the OpenAI API first, then ingests and builds;
    the next run copies nothing. The key never reaches the run's output."""
    from tests.helpers import run_pipeline, scalar

    store = S3Bucket(f"finops-nightly-{free_port()}")
    files = sample_files(work["tmp"], "aws_cur", seed=1)
    for rel, data in files.items():
        store.put("cur/" + rel, data)
    today = dt.datetime.now(dt.UTC).date()
    with FakeAdminApi("openai", OPENAI_KEY) as oa:
        for i in range(3):
            oa.usage[today - dt.timedelta(days=i)] = openai_results(today - dt.timedelta(days=i))
        write_config(work["config"], [
            {"name": "cur", "kind": "s3", "bucket": store.name, "prefix": "cur/", "landing_folder": "aws_cur"},
            api_source("openai", oa, start_date=str(today - dt.timedelta(days=2))),
        ])
        env = {"FINOPS_PULL_CONFIG": str(work["config"]), "OPENAI_ADMIN_KEY": OPENAI_KEY, "AWS_ENDPOINT_URL": aws_env,
               "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
        work["landing"].mkdir(parents=True)
        first = run_pipeline(work["landing"], work["warehouse"], env=env)
        assert scalar(work["warehouse"], "select count(*) from ops.pulled_objects where source = 'cur'") == len(files)
        assert scalar(work["warehouse"], "select count(*) from marts.focus_costs where x_source_file like 'aws_cur/%'") > 0
        assert scalar(work["warehouse"], "select sum(tokens) from raw.openai_usage_token_lines") == openai_total(oa.usage)
        second = run_pipeline(work["landing"], work["warehouse"], env=env)
        assert query_states(work) == [("cur", "ok", 0), ("openai", "ok", 0)]
    for proc in (first, second):
        assert OPENAI_KEY not in proc.stdout + proc.stderr
    assert f"pull cur (s3): {len(files)} copied" in first.stderr and "pull cur (s3): 0 copied" in second.stderr


def query_states(work):
    return q(work, "select source, last_status, objects_copied from ops.pull_state order by source")
