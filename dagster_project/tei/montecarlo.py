"""Monte Carlo run over a TEI analysis: NPV percentiles and the chance that NPV < 0.

Each trial draws one multiplier per line from a triangular distribution (low / likely /
high from seed `tei_lines`) and applies it to that line's unadjusted present value, the
same draw for every year of the line (a line that disappoints, disappoints every year);
lines are independent. NPV = sum(benefit PVs) - sum(cost PVs).

`simulate_npv` is pure (DataFrame in, DataFrame out). `write_monte_carlo` reads the
warehouse built by dbt and writes `marts.tei_monte_carlo`.
"""

from __future__ import annotations

import zlib

import duckdb
import numpy as np
import pandas as pd

DEFAULT_SEED = 20261125
DEFAULT_TRIALS = 10_000
PERCENTILES = (10, 50, 90)

INPUT_COLUMNS = [
    "analysis_id",
    "line_id",
    "kind",
    "unadjusted_pv",
    "mc_low_multiplier",
    "mc_likely_multiplier",
    "mc_high_multiplier",
]
OUTPUT_COLUMNS = [
    "analysis_id",
    "trials",
    "seed",
    "npv_mean",
    "npv_p10",
    "npv_p50",
    "npv_p90",
    "prob_npv_negative",
]

# One line per analysis and line: the PV of its unadjusted values at the analysis's rate,
# and its triangular multipliers.
LINE_INPUTS_SQL = """
with line_values as (
    select analysis_id, line_id, 'benefit' as kind, unadjusted, discount_factor
    from marts.tei_benefits
    union all
    select analysis_id, line_id, 'cost' as kind, unadjusted, discount_factor
    from marts.tei_costs
)
select
    line_values.analysis_id,
    line_values.line_id,
    line_values.kind,
    cast(sum(line_values.unadjusted * line_values.discount_factor) as double) as unadjusted_pv,
    cast(lines.mc_low_multiplier as double) as mc_low_multiplier,
    cast(lines.mc_likely_multiplier as double) as mc_likely_multiplier,
    cast(lines.mc_high_multiplier as double) as mc_high_multiplier
from line_values
inner join reference.tei_lines as lines
    on line_values.analysis_id = lines.analysis_id
    and line_values.line_id = lines.line_id
group by
    line_values.analysis_id,
    line_values.line_id,
    line_values.kind,
    lines.mc_low_multiplier,
    lines.mc_likely_multiplier,
    lines.mc_high_multiplier
order by line_values.analysis_id, line_values.line_id
"""


def triangular(rng: np.random.Generator, low, likely, high, size) -> np.ndarray:
    """Draws by inverse CDF; unlike numpy's own it accepts low == high (a fixed value)."""
    low, likely, high = (np.asarray(x, dtype=float) for x in (low, likely, high))
    u = rng.random(size)
    width = high - low
    with np.errstate(divide="ignore", invalid="ignore"):
        mode_share = np.where(width > 0, (likely - low) / width, 0.0)
    below = low + np.sqrt(u * width * (likely - low))
    above = high - np.sqrt((1 - u) * width * (high - likely))
    return np.where(u < mode_share, below, above)


def _analysis_rng(seed: int, analysis_id: str) -> np.random.Generator:
    # Seeded per analysis, so one analysis's numbers do not depend on which others exist.
    return np.random.default_rng([seed, zlib.crc32(analysis_id.encode("utf-8"))])


def simulate_npv(
    lines: pd.DataFrame, *, trials: int = DEFAULT_TRIALS, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """One row per analysis: mean, P10/P50/P90 of NPV and P(NPV < 0) over `trials` draws.

    `lines` has INPUT_COLUMNS, one row per analysis and line; `unadjusted_pv` is the
    present value of the line's unadjusted values at the analysis's discount rate.
    """
    missing = set(INPUT_COLUMNS) - set(lines.columns)
    if missing:
        raise ValueError(f"lines lacks columns: {sorted(missing)}")
    if trials < 1:
        raise ValueError("trials must be at least 1")
    bad = lines[
        ~(
            (lines["mc_low_multiplier"] <= lines["mc_likely_multiplier"])
            & (lines["mc_likely_multiplier"] <= lines["mc_high_multiplier"])
        )
    ]
    if not bad.empty:
        raise ValueError(
            f"need low <= likely <= high: {bad[['analysis_id', 'line_id']].values.tolist()}"
        )

    rows = []
    for analysis_id, group in lines.sort_values(["analysis_id", "line_id"]).groupby(
        "analysis_id", sort=True
    ):
        sign = np.where(group["kind"].to_numpy() == "benefit", 1.0, -1.0)
        signed_pv = sign * group["unadjusted_pv"].to_numpy(dtype=float)
        draws = triangular(
            _analysis_rng(seed, str(analysis_id)),
            group["mc_low_multiplier"].to_numpy(dtype=float),
            group["mc_likely_multiplier"].to_numpy(dtype=float),
            group["mc_high_multiplier"].to_numpy(dtype=float),
            size=(trials, len(group)),
        )
        npv = draws @ signed_pv
        p10, p50, p90 = np.percentile(npv, PERCENTILES)
        rows.append(
            {
                "analysis_id": analysis_id,
                "trials": trials,
                "seed": seed,
                "npv_mean": float(npv.mean()),
                "npv_p10": float(p10),
                "npv_p50": float(p50),
                "npv_p90": float(p90),
                "prob_npv_negative": float((npv < 0).mean()),
            }
        )
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)


def read_line_inputs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The Monte Carlo inputs from the dbt-built marts and the tei_lines seed."""
    return con.sql(LINE_INPUTS_SQL).df()


def write_monte_carlo(
    con: duckdb.DuckDBPyConnection,
    *,
    trials: int = DEFAULT_TRIALS,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Simulate every analysis in the warehouse and (re)write marts.tei_monte_carlo.

    Money is stored as DECIMAL(38, 10) like the other marts, rounded to cents (the
    simulated figures carry float noise below that). Returns the simulated frame.
    """
    result = simulate_npv(read_line_inputs(con), trials=trials, seed=seed)
    con.register("tei_monte_carlo_frame", result)
    try:
        con.execute("create schema if not exists marts")
        con.execute(
            """
            create or replace table marts.tei_monte_carlo as
            select
                cast(analysis_id as varchar) as analysis_id,
                cast(trials as integer) as trials,
                cast(seed as bigint) as seed,
                cast(round(npv_mean, 2) as decimal(38, 10)) as npv_mean,
                cast(round(npv_p10, 2) as decimal(38, 10)) as npv_p10,
                cast(round(npv_p50, 2) as decimal(38, 10)) as npv_p50,
                cast(round(npv_p90, 2) as decimal(38, 10)) as npv_p90,
                cast(prob_npv_negative as decimal(9, 6)) as prob_npv_negative
            from tei_monte_carlo_frame
            """
        )
    finally:
        con.unregister("tei_monte_carlo_frame")
    return result
