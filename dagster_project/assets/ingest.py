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

            def file_alert(check_name: str, severity: str, verb: str, advice: str):
                def _alert(path: str, reason: str) -> None:
                    raise_alert(conn, Alert(
                        check_name=check_name, severity=severity, subject=f"{spec.name}: {path}",
                        message=f"File {path} was {verb}: {reason}. {advice}",
                        details={"source": spec.name, "path": path, "reason": reason}, run_id=context.run_id,
                    ))
                    context.log.warning(f"{check_name} {path}: {reason}")
                return _alert

            on_quarantine = file_alert(
                "file_quarantined", "error", "quarantined and not loaded",
                "The other files loaded. Fix or replace the file in the landing folder; the next run picks it up.")
            on_ignore = file_alert(
                "file_ignored", "warn", "not loaded",
                f"If it holds costs, export it in a format this source reads ({', '.join(spec.suffixes)}), "
                "or move it to the right landing folder.")

            report = ingest_source(conn, settings.landing_dir, spec, on_quarantine=on_quarantine, progress=progress.say,
                                   on_ignore=on_ignore, on_repair=progress.notice)
            loaded = conn.execute(
                "select currency, count(*), sum(rows), sum(cost_total) from ops.ingest_files "
                "where source = ? and status = 'loaded' group by 1 order by 1", [spec.name]).fetchall()
        summary = report.as_dict()
        progress.say(
            f"ingest {spec.name}: {summary['loaded']} loaded ({summary['rows_loaded']:,} rows), "
            f"{summary['skipped']} unchanged, {summary['superseded']} superseded, {summary['quarantined']} quarantined, "
            f"{summary['ignored']} ignored"
        )
        metadata = {k: v for k, v in summary.items() if k != "source"}
        # what raw.<table> holds after this run: every loaded file, not only this run's
        metadata["files_loaded_total"] = sum(n for _, n, _, _ in loaded)
        metadata["dagster/row_count"] = dg.MetadataValue.int(int(sum(r or 0 for _, _, r, _ in loaded)))
        metadata["billed_cost"] = "; ".join(f"{c:,.2f} {cur}" for cur, _, _, c in loaded if c is not None) or "none"
        return dg.MaterializeResult(metadata=metadata)

    return _ingest


ingest_assets = [build_ingest_asset(spec) for spec in SOURCES.values()]
