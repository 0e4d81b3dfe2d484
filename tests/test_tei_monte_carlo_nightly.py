"""The nightly writes marts.tei_monte_carlo (it used to be written only by tests)."""

from __future__ import annotations

import csv

from dagster_project.settings import REPO_ROOT
from dagster_project.tei import montecarlo
from tests.helpers import query


def test_the_demo_run_writes_one_monte_carlo_row_per_tei_analysis(demo):
    with open(REPO_ROOT / "seeds" / "tei" / "tei_analyses.csv", newline="") as fh:
        analyses = sorted(row["analysis_id"] for row in csv.DictReader(fh))
    rows = query(demo["warehouse"], "select analysis_id, trials, seed, npv_p10, npv_p50, npv_p90, prob_npv_negative "
                                    "from marts.tei_monte_carlo order by analysis_id")
    assert [r[0] for r in rows] == analyses
    for _, trials, seed, p10, p50, p90, prob in rows:
        assert (trials, seed) == (montecarlo.DEFAULT_TRIALS, montecarlo.DEFAULT_SEED)
        assert p10 < p50 < p90
        assert 0 <= prob <= 1
