"""The TEI Monte Carlo: NPV percentiles and the chance of a negative NPV, written after dbt has
built the TEI marts it reads (dbt cannot run numpy, so it is a Python asset)."""

import dagster as dg

from dagster_project import progress
from dagster_project.resources import FinopsWarehouse
from dagster_project.tei import montecarlo

TEI_MONTE_CARLO_KEY = dg.AssetKey(["marts", "tei_monte_carlo"])


@dg.asset(
    key=TEI_MONTE_CARLO_KEY,
    group_name="tei",
    description="Per TEI analysis: NPV mean, p10/p50/p90 and the probability that NPV < 0 over "
    f"{montecarlo.DEFAULT_TRIALS:,} trials (seed {montecarlo.DEFAULT_SEED}), each line's present value "
    "drawn from its triangular low/likely/high multipliers (seed tei_lines). Same seed, same table.",
    kinds={"python", "duckdb"},
    deps=[dg.AssetKey(["marts", "tei_benefits"]), dg.AssetKey(["marts", "tei_costs"])],
)
def tei_monte_carlo(warehouse: FinopsWarehouse) -> dg.MaterializeResult:
    with warehouse.connect() as conn:
        frame = montecarlo.write_monte_carlo(conn)
    progress.say(f"tei monte carlo: {len(frame)} analyses x {montecarlo.DEFAULT_TRIALS:,} trials")
    return dg.MaterializeResult(metadata={
        "analyses": len(frame),
        "trials": montecarlo.DEFAULT_TRIALS,
        "prob_npv_negative": dg.MetadataValue.json(
            {r.analysis_id: round(r.prob_npv_negative, 4) for r in frame.itertuples()}),
    })
