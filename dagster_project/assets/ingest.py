"""One ingest asset per landing folder: files -> raw.<table>, registered in ops.ingest_files."""


import dagster as dg

from dagster_project import progress
from dagster_project.alerting import Alert, raise_alert
from dagster_project.assets.fx import FX_RATES_KEY
from dagster_project.assets.pull import PULL_KEYS
from dagster_project.ingest import SOURCES
from dagster_project.ingest.base import SourceSpec
from dagster_project.ingest.registry import ingest_source
from dagster_project.resources import FinopsWarehouse


def build_ingest_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    @dg.asset(
        name=spec.raw_table,
        key_prefix=["raw"],
        group_name="ingest",
        description=f"{spec.description}: files under <landing>/{spec.name}/ loaded into raw.{spec.raw_table}.",
        kinds={"python", "duckdb"},
        # the pulls fill the landing folders first (any kind may feed any folder: pull.yml decides);
        # the ECB rates are loaded before, since every file's currencies are checked against them
        deps=[*PULL_KEYS, FX_RATES_KEY],
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: FinopsWarehouse) -> dg.MaterializeResult:
        settings = warehouse.settings()
        progress.say(f"ingest {spec.name}: scanning {settings.landing_dir / spec.name}")
        with warehouse.connect() as conn:

            def on_quarantine(path: str, reason: str) -> None:
                raise_alert(
                    conn,
                    Alert(
                        check_name="file_quarantined",
                        severity="error",
                        subject=f"{spec.name}: {path}",
                        message=f"File {path} was quarantined and not loaded: {reason}. The other files loaded. "
                        "Fix or replace the file in the landing folder; the next run picks it up.",
                        details={"source": spec.name, "path": path, "reason": reason},
                        run_id=context.run_id,
                    ),
                )
                context.log.warning(f"quarantined {path}: {reason}")

            report = ingest_source(conn, settings.landing_dir, spec, on_quarantine=on_quarantine, progress=progress.say)
        summary = report.as_dict()
        progress.say(
            f"ingest {spec.name}: {summary['loaded']} loaded ({summary['rows_loaded']:,} rows), "
            f"{summary['skipped']} unchanged, {summary['superseded']} superseded, {summary['quarantined']} quarantined"
        )
        return dg.MaterializeResult(metadata={k: v for k, v in summary.items() if k != "source"})

    return _ingest


ingest_assets = [build_ingest_asset(spec) for spec in SOURCES.values()]
