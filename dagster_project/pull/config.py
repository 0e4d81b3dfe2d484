"""The pull configuration: one YAML file listing every place data is fetched from.

Default path: `<repo>/pull.yml`; FINOPS_PULL_CONFIG points elsewhere (tests point it at local
servers). Credentials are never in this file: it names the environment variable that holds an
API key, and object stores use their SDK's standard credential chain (or the connection string
variable for Azure).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dagster_project.settings import REPO_ROOT

KINDS = ("s3", "gcs", "azure_blob", "openai", "anthropic", "ecb")
STORE_KINDS = ("s3", "gcs", "azure_blob")
API_KINDS = ("openai", "anthropic")
# a plain HTTP file: the ECB euro reference rates (dagster_project/pull/ecb.py)
HTTP_KINDS = ("ecb",)

DEFAULT_ENDPOINTS = {
    "openai": ["completions", "costs"],
    "anthropic": ["messages", "cost_report"],
}
DEFAULT_BASE_URL = {"openai": "https://api.openai.com", "anthropic": "https://api.anthropic.com",
                    "ecb": "https://www.ecb.europa.eu/stats/eurofxref"}
DEFAULT_KEY_ENV = {"openai": "OPENAI_ADMIN_KEY", "anthropic": "ANTHROPIC_ADMIN_KEY"}
DEFAULT_LANDING = {"openai": "openai_usage", "anthropic": "anthropic_usage", "ecb": "ecb_fx"}
# cost pages must not go next to usage pages (the usage ingest quarantines them): a folder of their own
DEFAULT_COSTS_LANDING = {"openai": "openai_costs", "anthropic": "anthropic_costs"}


class PullConfigError(ValueError):
    pass


@dataclass(frozen=True)
class PullSource:
    name: str
    kind: str
    landing_folder: str
    enabled: bool = True
    # object stores
    bucket: str | None = None  # S3 / GCS bucket, Azure container
    prefix: str = ""
    suffixes: tuple[str, ...] | None = None  # None: the landing folder's ingest suffixes
    endpoint_url_env: str | None = None  # e.g. AWS_ENDPOINT_URL (boto3 also reads it itself)
    connection_string_env: str = "AZURE_STORAGE_CONNECTION_STRING"
    account_url: str | None = None  # Azure without a connection string (azure-identity chain)
    # admin APIs
    base_url: str | None = None
    base_url_env: str | None = None  # ecb: a variable that, when set, replaces base_url (tests, a mirror)
    key_env: str | None = None
    organization: str = "default"
    costs_folder: str | None = None
    endpoints: tuple[str, ...] = ()
    lookback_days: int = 3
    backfill_days: int = 30
    start_date: str | None = None  # YYYY-MM-DD: first day of a backfill (overrides backfill_days)
    page_limit: int | None = None
    timeout_seconds: float = 60.0
    max_attempts: int = 6
    retry_budget_seconds: float = 300.0
    retry_base_seconds: float = 1.0
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PullConfig:
    path: Path | None
    sources: tuple[PullSource, ...]

    def by_kind(self, kind: str) -> list[PullSource]:
        return [s for s in self.sources if s.kind == kind]


def config_path() -> Path:
    return Path(os.environ.get("FINOPS_PULL_CONFIG", REPO_ROOT / "pull.yml"))


def load_config(path: Path | None = None) -> PullConfig:
    path = Path(path) if path else config_path()
    if not path.is_file():
        return PullConfig(None, ())
    raw = yaml.safe_load(path.read_text()) or {}
    defaults = raw.get("defaults") or {}
    sources = []
    seen = set()
    for i, entry in enumerate(raw.get("sources") or []):
        entry = {**defaults, **(entry or {})}
        kind = entry.pop("kind", None)
        if kind not in KINDS:
            raise PullConfigError(f"{path}: source #{i + 1}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
        name = entry.pop("name", None) or kind
        if name in seen:
            raise PullConfigError(f"{path}: source name {name!r} is used twice")
        seen.add(name)
        if "container" in entry:
            entry["bucket"] = entry.pop("container")
        landing = entry.pop("landing_folder", None) or DEFAULT_LANDING.get(kind)
        if not landing:
            raise PullConfigError(f"{path}: source {name}: landing_folder is required")
        if kind in STORE_KINDS and not entry.get("bucket"):
            raise PullConfigError(f"{path}: source {name}: bucket (or container) is required")
        if kind in API_KINDS:
            entry.setdefault("base_url", DEFAULT_BASE_URL[kind])
            entry.setdefault("key_env", DEFAULT_KEY_ENV[kind])
            entry.setdefault("costs_folder", DEFAULT_COSTS_LANDING[kind])
            entry["endpoints"] = tuple(entry.get("endpoints") or DEFAULT_ENDPOINTS[kind])
            bad = [e for e in entry["endpoints"] if e not in DEFAULT_ENDPOINTS[kind]]
            if bad:
                raise PullConfigError(f"{path}: source {name}: unknown endpoint(s) {bad}; known: {DEFAULT_ENDPOINTS[kind]}")
        if kind in HTTP_KINDS:
            entry.setdefault("base_url", DEFAULT_BASE_URL[kind])
            entry.setdefault("base_url_env", "FINOPS_ECB_BASE_URL")
        if "suffixes" in entry and entry["suffixes"] is not None:
            entry["suffixes"] = tuple(s.lower() for s in entry["suffixes"])
        known = set(PullSource.__dataclass_fields__) - {"name", "kind", "landing_folder", "extra"}
        extra = {k: entry.pop(k) for k in list(entry) if k not in known}
        for key in ("landing_folder", "costs_folder", "organization"):
            value = landing if key == "landing_folder" else entry.get(key)
            if value is not None and (not value or "/" in value or "\\" in value or value.startswith(".")):
                raise PullConfigError(f"{path}: source {name}: {key} must be one folder name, got {value!r}")
        sources.append(PullSource(name=name, kind=kind, landing_folder=landing, extra=extra, **entry))
    return PullConfig(path, tuple(sources))
