"""One pull asset per source kind: new or changed exports copied into the landing folder.

The sources come from pull.yml (or FINOPS_PULL_CONFIG) at run time. A source without
credentials is skipped with the reason; a source that fails is recorded in ops.pull_state and
alerted, and does not fail the run: the files already in the landing folder still load, and
the late_data check reports a source whose last successful pull is too old.
"""

import dagster as dg

from dagster_project import progress
from dagster_project.pull.config import KINDS, load_config
from dagster_project.pull.run import pull_sources
from dagster_project.resources import FinopsWarehouse

TITLES = {
    "s3": "Amazon S3 (CUR 2.0 / FOCUS exports)",
    "gcs": "Google Cloud Storage (BigQuery billing export)",
    "azure_blob": "Azure Blob Storage (Cost Management exports)",
    "openai": "OpenAI organization usage and costs APIs",
    "anthropic": "Anthropic admin usage and cost reports",
    "ecb": "the European Central Bank's euro reference rates (eurofxref zip)",
}
PULL_KEYS = [dg.AssetKey(["pull", kind]) for kind in KINDS]


def build_pull_asset(kind: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=kind,
        key_prefix=["pull"],
        group_name="pull",
        description=f"Pull from {TITLES[kind]}: new or changed objects/pages copied into the landing folder "
        "(sources of this kind in pull.yml / FINOPS_PULL_CONFIG), recorded in ops.pulled_objects and ops.pull_state.",
        kinds={"python"},
    )
    def _pull(context: dg.AssetExecutionContext, warehouse: FinopsWarehouse) -> dg.MaterializeResult:
        settings = warehouse.settings()
        config = load_config()
        sources = config.by_kind(kind)
        if not sources:
            progress.say(f"pull {kind}: no {kind} source configured")
            return dg.MaterializeResult(metadata={"sources": 0})

        def log(message: str) -> None:
            progress.say(f"pull {message}")
            context.log.info(message)

        with warehouse.connect() as conn:
            results = pull_sources(conn, settings.landing_dir, sources, log=log, run_id=context.run.run_id)
        metadata = {"sources": len(results)}
        for r in results:
            metadata[r.source] = dg.MetadataValue.json(r.as_metadata())
        return dg.MaterializeResult(metadata=metadata)

    return _pull


pull_assets = [build_pull_asset(kind) for kind in KINDS]
