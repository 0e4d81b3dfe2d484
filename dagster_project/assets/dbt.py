"""Every dbt model, seed and test as Dagster assets and checks (dagster-dbt)."""


import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from dagster_project import progress
from dagster_project.dbt_project import dbt_project, ensure_manifest
from dagster_project.resources import FinopsWarehouse

MANIFEST = ensure_manifest()


class FinopsTranslator(DagsterDbtTranslator):
    """Asset keys are <schema>/<name> (marts/focus_costs), groups follow the dbt folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        return fqn[1] if len(fqn) > 2 else "dbt"


@dbt_assets(
    manifest=MANIFEST,
    project=dbt_project,
    dagster_dbt_translator=FinopsTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def finops_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: FinopsWarehouse):
    warehouse.settings().export_env()
    target_dir = Path(tempfile.mkdtemp(prefix="finops-dbt-"))
    progress.say("dbt build: seeds, models and tests")
    try:
        invocation = dbt.cli(["build"], context=context, target_path=target_dir, raise_on_error=False)
        for event in invocation.stream():
            if isinstance(event, dg.Output):
                progress.say(f"dbt: built {event.output_name}")
            elif isinstance(event, dg.AssetCheckResult) and not event.passed:
                progress.say(f"dbt test failed: {event.check_name} on {event.asset_key.to_user_string()}")
            yield event
        if not invocation.is_successful():
            raise dg.Failure(
                description="dbt build failed; see the failing models/tests above and `dbt build` in dbt_project/.",
                metadata={"dbt_error": str(invocation.get_error())[:4000]},
            )
    finally:
        # never leave a dbt process holding the DuckDB lock after this step ends
        process = getattr(locals().get("invocation"), "process", None)
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(target_dir, ignore_errors=True)
