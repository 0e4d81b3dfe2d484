"""Pull: fetch new or changed exports from S3, Cloud Storage, Azure Blob and the OpenAI /
Anthropic admin APIs into the landing folder (config: pull.yml or FINOPS_PULL_CONFIG)."""

from dagster_project.pull.config import KINDS, PullConfig, PullSource, load_config
from dagster_project.pull.run import PullResult, pull_freshness, pull_sources

__all__ = ["KINDS", "PullConfig", "PullResult", "PullSource", "load_config", "pull_freshness", "pull_sources"]
