"""TEI models: the published MLOps study reproduced from its inputs, a hand-computed second
analysis, the sensitivity table and the Monte Carlo run.

dbt runs twice for the whole module: seeds + models, then (after the test inserts a second
analysis into the reference tables) the models again.
"""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.tei import montecarlo

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
PUBLISHED = "mlops_model_org"
HAND = "hand_check"

# The published tables (docs/reference/tei_mlops_model_org.md), typed in from the study,
# not derived from the seeds. Benefits: year 1..3 risk-adjusted, PV.
PUBLISHED_BENEFITS = {
    "A": ([600_000, 1_800_000, 5_000_000], 5_789_632),
    "B": ([425_000, 956_250, 1_700_000], 2_453_888),
    "C": ([459_000, 843_750, 1_336_500], 2_118_719),
    "D": ([150_000, 281_250, 450_000], 706_893),
    "E": ([67_500, 135_000, 202_500], 325_075),
}
# Costs: initial, year 1..3 risk-adjusted, PV.
PUBLISHED_COSTS = {
    "F": ([735_000, 0, 0, 0], 735_000),
    "G": ([0, 787_500, 787_500, 787_500], 1_958_396),
    "H": ([0, 393_750, 393_750, 393_750], 979_198),
}
# Cash flow: initial, year 1..3.
PUBLISHED_CASH_FLOW = {
    "costs": [735_000, 1_181_250, 1_181_250, 1_181_250],
    "benefits": [0, 1_701_500, 4_016_250, 8_689_000],
    "net": [-735_000, 520_250, 2_835_000, 7_507_750],
}


def dollars(value) -> int:
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def cents(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def run_dbt(warehouse: Path, work: Path, *selection: str) -> None:
    env = {**os.environ, "FINOPS_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"}
    result = subprocess.run(
        [
            str(DBT),
            "build",
            "--profiles-dir",
            ".",
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--select",
            *selection,
        ],
        check=False,
        cwd=DBT_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


# The second analysis: a 25% rate (discount factors 1, 0.8, 0.64, 0.512 are exact), an
# initial benefit, a `sum` line, a divisor, an addend, and a negative net year.
# fmt: off
HAND_ANALYSIS = (HAND, "Hand-computed check", Decimal("0.25"), 3, "EUR", "tests/test_tei.py")
HAND_LINES = [
    # analysis, line, kind, name, formula, rule, risk, mc low, likely, high, source_model
    (HAND, "P", "benefit", "Initial rebate", "P1", "product", "-0.10", "0.8", "1.0", "1.1", None),
    (HAND, "Q", "benefit", "Hours saved", "Q1 x Q2 / Q3", "product", "-0.20", "0.5", "1.0", "1.1", None),
    (HAND, "R", "cost", "Licence and setup", "R1 + R2", "sum", "0.10", "0.9", "1.0", "1.3", None),
    (HAND, "S", "cost", "Operations staff", "S1 x S2 x S3 + S4", "product", "0", "1.0", "1.0", "1.0", None),
]
HAND_INPUTS = [
    # analysis, line, input, name, role, period, value
    (HAND, "P", "P1", "Rebate paid at signing", "factor", 0, "100000"),
    *[(HAND, "Q", "Q1", "Hours saved", "factor", p, v) for p, v in [(1, "2000"), (2, "10000"), (3, "10000")]],
    *[(HAND, "Q", "Q2", "Value of an hour", "factor", p, "100") for p in (1, 2, 3)],
    *[(HAND, "Q", "Q3", "Teams sharing the saving", "divisor", p, "4") for p in (1, 2, 3)],
    (HAND, "R", "R1", "Licence", "factor", 0, "150000"),
    *[(HAND, "R", "R1", "Licence", "factor", p, "20000") for p in (1, 2, 3)],
    (HAND, "R", "R2", "Setup", "factor", 0, "50000"),
    *[(HAND, "S", "S1", "Staff", "factor", p, "2") for p in (1, 2, 3)],
    *[(HAND, "S", "S2", "Salary", "factor", p, "50000") for p in (1, 2, 3)],
    *[(HAND, "S", "S3", "Share of time", "factor", p, "0.5") for p in (1, 2, 3)],
    (HAND, "S", "S4", "Onboarding fee", "addend", 1, "10000"),
]
# fmt: on
# By hand (risk-adjusted = unadjusted x (1 + risk); PV factor at 25%: 1, 0.8, 0.64, 0.512):
#   P: period 0: 100,000 x 0.9 = 90,000                                  PV 90,000
#   Q: 2,000 x 100 / 4 = 50,000; 10,000 x 100 / 4 = 250,000 (years 2, 3)
#      x 0.8 -> 40,000 / 200,000 / 200,000
#      PV 32,000 + 128,000 + 102,400                                     = 262,400
#   R: (sum) 150,000 + 50,000 = 200,000 initial, 20,000 a year; x 1.1
#      -> 220,000 / 22,000 / 22,000 / 22,000
#      PV 220,000 + 17,600 + 14,080 + 11,264                             = 262,944
#   S: 2 x 50,000 x 0.5 = 50,000 a year, + 10,000 fee in year 1; risk 0
#      -> 0 / 60,000 / 50,000 / 50,000; PV 48,000 + 32,000 + 25,600      = 105,600
#   benefits 90,000 / 40,000 / 200,000 / 200,000 (total 530,000)
#   costs   220,000 / 82,000 /  72,000 /  72,000 (total 446,000)
#   net    -130,000 / -42,000 (the negative year) / 128,000 / 128,000 (total 84,000)
#   cumulative -130,000 / -172,000 / -44,000 / 84,000
#   PV benefits 352,400; PV costs 368,544; NPV -16,144; ROI -16,144 / 368,544 = -0.0438
#   payback in year 3: 24 + 12 x 44,000 / 128,000 = 28.125 months -> 29 whole months
HAND_RISK_ADJUSTED = {
    "P": [90_000, 0, 0, 0],
    "Q": [0, 40_000, 200_000, 200_000],
    "R": [220_000, 22_000, 22_000, 22_000],
    "S": [0, 60_000, 50_000, 50_000],
}
HAND_PV = {"P": 90_000, "Q": 262_400, "R": 262_944, "S": 105_600}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("tei")
    path = work / "tei.duckdb"
    run_dbt(path, work, "tag:tei")
    with duckdb.connect(str(path)) as con:
        con.execute(
            "insert into reference.tei_analyses (analysis_id, analysis_name, discount_rate, years,"
            " currency, source_reference) values (?, ?, ?, ?, ?, ?)",
            HAND_ANALYSIS,
        )
        con.executemany(
            "insert into reference.tei_lines (analysis_id, line_id, kind, line_name, formula,"
            " combine_rule, risk_adjustment, mc_low_multiplier, mc_likely_multiplier,"
            " mc_high_multiplier, source_model) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            HAND_LINES,
        )
        con.executemany(
            "insert into reference.tei_line_inputs (analysis_id, line_id, input_id, input_name,"
            " input_role, period, value) values (?, ?, ?, ?, ?, ?, ?)",
            HAND_INPUTS,
        )
    # models and every test (the seeds' too, so the new rows are validated), but no seed:
    # reloading one would drop the rows above
    run_dbt(path, work, "tag:tei,resource_type:model", "tag:tei+,resource_type:test")
    return path


@pytest.fixture(scope="module")
def con(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        yield connection


def line_values(con, table: str, analysis_id: str) -> dict[str, dict[int, tuple]]:
    rows = con.execute(
        f"select line_id, period, risk_adjusted, present_value from marts.{table}"
        " where analysis_id = ? order by line_id, period",
        [analysis_id],
    ).fetchall()
    out: dict[str, dict[int, tuple]] = {}
    for line_id, period, risk_adjusted, present_value in rows:
        out.setdefault(line_id, {})[period] = (risk_adjusted, present_value)
    return out


def summary_row(con, analysis_id: str) -> dict:
    cur = con.execute(
        "select * from marts.tei_summary where analysis_id = ?", [analysis_id]
    )
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1
    return dict(zip(names, rows[0]))


# --- the published study -------------------------------------------------------------


def test_published_benefits_per_line_and_year(con):
    values = line_values(con, "tei_benefits", PUBLISHED)
    assert set(values) == set(PUBLISHED_BENEFITS)
    for line_id, (yearly, pv) in PUBLISHED_BENEFITS.items():
        assert cents(values[line_id][0][0]) == 0, line_id  # no initial benefit
        for year, expected in enumerate(yearly, start=1):
            assert cents(values[line_id][year][0]) == expected, (line_id, year)
        assert dollars(sum(v[1] for v in values[line_id].values())) == pv, line_id


def test_published_costs_per_line_and_period(con):
    values = line_values(con, "tei_costs", PUBLISHED)
    assert set(values) == set(PUBLISHED_COSTS)
    for line_id, (by_period, pv) in PUBLISHED_COSTS.items():
        for period, expected in enumerate(by_period):
            assert cents(values[line_id][period][0]) == expected, (line_id, period)
        assert dollars(sum(v[1] for v in values[line_id].values())) == pv, line_id
    # initial flows are not discounted
    assert values["F"][0][1] == values["F"][0][0]


def test_published_cash_flow(con):
    rows = con.execute(
        "select period, costs, benefits, net, cumulative_net, cumulative_pv_net from marts.tei_cash_flow"
        " where analysis_id = ? order by period",
        [PUBLISHED],
    ).fetchall()
    assert [r[0] for r in rows] == [0, 1, 2, 3]
    for column, index in (("costs", 1), ("benefits", 2), ("net", 3)):
        assert [cents(r[index]) for r in rows] == PUBLISHED_CASH_FLOW[column], column
    assert cents(rows[-1][4]) == 10_128_000  # published 3-year net total
    assert dollars(rows[-1][5]) == 7_721_613  # cumulative PV net ends at the NPV


def test_published_summary(con):
    s = summary_row(con, PUBLISHED)
    assert dollars(s["pv_benefits"]) == 11_394_207
    assert dollars(s["pv_costs"]) == 3_672_594
    assert dollars(s["npv"]) == 7_721_613
    assert s["roi"].quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == Decimal("2.10")
    assert s["payback_months"] == 13
    assert cents(s["total_benefits"]) == 14_406_750
    assert cents(s["total_costs"]) == 4_278_750
    # 12 + 12 x 214,750 / 2,835,000 months
    assert abs(
        s["payback_months_exact"] - Decimal(12 + 12 * 214_750 / 2_835_000)
    ) < Decimal("0.0001")


def test_money_columns_are_decimal(con):
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'marts' and table_name = 'tei_summary'"
        ).fetchall()
    )
    for column in ("pv_benefits", "pv_costs", "npv", "roi", "total_net"):
        assert types[column].startswith("DECIMAL"), (column, types[column])


# --- the hand-computed analysis ------------------------------------------------------


def test_hand_analysis_line_values(con):
    benefits = line_values(con, "tei_benefits", HAND)
    costs = line_values(con, "tei_costs", HAND)
    values = {**benefits, **costs}
    assert set(benefits) == {"P", "Q"} and set(costs) == {"R", "S"}
    for line_id, by_period in HAND_RISK_ADJUSTED.items():
        assert [cents(values[line_id][p][0]) for p in range(4)] == by_period, line_id
        assert cents(sum(v[1] for v in values[line_id].values())) == HAND_PV[line_id], (
            line_id
        )


def test_hand_analysis_cash_flow_and_summary(con):
    rows = con.execute(
        "select net, cumulative_net, pv_net from marts.tei_cash_flow where analysis_id = ? order by period",
        [HAND],
    ).fetchall()
    assert [cents(r[0]) for r in rows] == [-130_000, -42_000, 128_000, 128_000]
    assert [cents(r[1]) for r in rows] == [-130_000, -172_000, -44_000, 84_000]
    # -130,000; -42,000 x 0.8; 128,000 x 0.64; 128,000 x 0.512
    assert [cents(r[2]) for r in rows] == [-130_000, -33_600, 81_920, 65_536]

    s = summary_row(con, HAND)
    assert s["currency"] == "EUR"
    assert cents(s["total_benefits"]) == 530_000
    assert cents(s["total_costs"]) == 446_000
    assert cents(s["pv_benefits"]) == 352_400
    assert cents(s["pv_costs"]) == 368_544
    assert cents(s["npv"]) == -16_144
    assert abs(Fraction(s["roi"]) - Fraction(-16_144, 368_544)) < Fraction(1, 10**9)
    assert s["payback_months_exact"] == Decimal("28.125")
    assert s["payback_months"] == 29


# --- sensitivity ---------------------------------------------------------------------


def sensitivity(con, analysis_id: str) -> dict[str, dict]:
    cur = con.execute(
        "select * from marts.tei_sensitivity where analysis_id = ?", [analysis_id]
    )
    names = [d[0] for d in cur.description]
    return {
        row[names.index("scenario_id")]: dict(zip(names, row)) for row in cur.fetchall()
    }


def test_sensitivity_base_and_ten_percent_rows_equal_summary(con):
    rows = sensitivity(con, PUBLISHED)
    s = summary_row(con, PUBLISHED)
    assert rows["discount_rate_1000bp"]["npv"] == s["npv"]
    assert rows["discount_rate_1000bp"]["roi"] == s["roi"]
    assert rows["base"]["npv"] == s["npv"]
    assert sensitivity(con, HAND)["base"]["npv"] == summary_row(con, HAND)["npv"]


def test_sensitivity_scenarios(con):
    rows = sensitivity(con, PUBLISHED)
    rates = sorted(
        r["discount_rate"]
        for r in rows.values()
        if r["scenario_type"] == "discount_rate"
    )
    assert rates == [Decimal(p) / 100 for p in range(8, 17)]
    # 8 lines x (+10, -10 points) + 9 rates + base
    assert len(rows) == 8 * 2 + 9 + 1

    # NPV at 8% from the published net cash flows, exact fractions
    r = Fraction(108, 100)
    expected = sum(
        Fraction(net) / r**year for year, net in enumerate(PUBLISHED_CASH_FLOW["net"])
    )
    assert abs(Fraction(rows["discount_rate_800bp"]["npv"]) - expected) < Fraction(
        1, 100
    )

    # NPV falls as the rate rises (benefits come later than costs)
    by_rate = [rows[f"discount_rate_{p * 100}bp"]["npv"] for p in range(8, 17)]
    assert by_rate == sorted(by_rate, reverse=True)

    # A at -30% instead of -20%: its unadjusted PV (5,789,632 / 0.8) x 0.10 less
    a_plus = rows["risk_A_plus_10pts"]
    assert a_plus["line_risk_adjustment"] == Decimal("-0.3")
    assert dollars(a_plus["npv_change_from_base"]) == -723_704
    assert rows["risk_A_minus_10pts"]["line_risk_adjustment"] == Decimal("-0.1")
    # F (cost, +5%) at +15%: its unadjusted 700,000 x 0.10 more cost
    assert cents(rows["risk_F_plus_10pts"]["npv_change_from_base"]) == -70_000
    assert rows["risk_F_minus_10pts"]["line_risk_adjustment"] == Decimal("-0.05")

    # hand analysis: S (risk 0) at +10%: PV 105,600 x 0.10 more cost -> -16,144 - 10,560
    assert cents(sensitivity(con, HAND)["risk_S_plus_10pts"]["npv"]) == -26_704


# --- Monte Carlo ---------------------------------------------------------------------


def test_triangular_sampler():
    import numpy as np

    rng = np.random.default_rng(1)
    draws = montecarlo.triangular(
        rng, [0.3, 1.0], [1.0, 1.0], [1.1, 1.0], size=(200_000, 2)
    )
    assert draws[:, 0].min() >= 0.3 and draws[:, 0].max() <= 1.1
    assert abs(draws[:, 0].mean() - 0.8) < 0.005  # (0.3 + 1.0 + 1.1) / 3
    # mode share (1.0 - 0.3) / 0.8 = 0.875 > 0.5, so the median is 0.3 + sqrt(0.5 x 0.8 x 0.7)
    assert abs(np.median(draws[:, 0]) - 0.82915) < 0.005
    assert (draws[:, 1] == 1.0).all()  # low == high is a fixed value


def test_monte_carlo_reproducible_and_ordered(con):
    lines = montecarlo.read_line_inputs(con)
    first = montecarlo.simulate_npv(lines, trials=5_000, seed=42)
    again = montecarlo.simulate_npv(lines, trials=5_000, seed=42)
    other = montecarlo.simulate_npv(lines, trials=5_000, seed=43)
    pd.testing.assert_frame_equal(first, again)
    assert not first["npv_p50"].equals(other["npv_p50"])
    assert list(first["analysis_id"]) == [HAND, "llm_rollout", PUBLISHED]
    for row in first.itertuples():
        assert row.npv_p10 <= row.npv_p50 <= row.npv_p90
        assert 0 <= row.prob_npv_negative <= 1
    # an analysis's numbers do not depend on the other analyses present
    alone = montecarlo.simulate_npv(
        lines[lines["analysis_id"] == PUBLISHED], trials=5_000, seed=42
    )
    assert (
        alone.iloc[0].to_dict()
        == first[first["analysis_id"] == PUBLISHED].iloc[0].to_dict()
    )


def test_monte_carlo_matches_deterministic_npv(con):
    lines = montecarlo.read_line_inputs(con)
    published_npv = float(summary_row(con, PUBLISHED)["npv"])
    # the shipped multipliers have mean 1 + risk adjustment, so the mean NPV is near the NPV
    result = montecarlo.simulate_npv(lines, trials=20_000, seed=7).set_index(
        "analysis_id"
    )
    assert abs(result.loc[PUBLISHED, "npv_mean"] - published_npv) / published_npv < 0.01
    assert result.loc[PUBLISHED, "prob_npv_negative"] == 0
    # hand analysis: NPV -16,144 at its risk-adjusted values, so a real chance of a loss
    assert 0 < result.loc[HAND, "prob_npv_negative"] < 1

    # collapse every triangle onto 1 + risk adjustment: every trial is the deterministic NPV
    risk = dict(
        con.execute(
            "select line_id, risk_adjustment from reference.tei_lines where analysis_id = ?",
            [PUBLISHED],
        ).fetchall()
    )
    fixed = lines[lines["analysis_id"] == PUBLISHED].copy()
    multiplier = fixed["line_id"].map(lambda line: float(1 + risk[line]))
    for column in ("mc_low_multiplier", "mc_likely_multiplier", "mc_high_multiplier"):
        fixed[column] = multiplier
    exact = montecarlo.simulate_npv(fixed, trials=100, seed=7).iloc[0]
    for column in ("npv_p10", "npv_p50", "npv_p90"):
        assert abs(exact[column] - published_npv) < 0.01


def test_write_monte_carlo(warehouse, tmp_path):
    # a copy, so the module's read-only connection keeps the original open
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(Path(warehouse).read_bytes())
    with duckdb.connect(str(copy)) as con:
        returned = montecarlo.write_monte_carlo(con, trials=2_000, seed=11)
        cur = con.execute("select * from marts.tei_monte_carlo order by analysis_id")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
        types = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = 'marts' and table_name = 'tei_monte_carlo'"
            ).fetchall()
        )
    assert names == montecarlo.OUTPUT_COLUMNS
    assert [r["analysis_id"] for r in rows] == [HAND, "llm_rollout", PUBLISHED]
    assert types["npv_p50"].startswith("DECIMAL")
    for row, (_, frame_row) in zip(rows, returned.iterrows()):
        assert row["trials"] == 2_000 and row["seed"] == 11
        assert row["npv_p10"] <= row["npv_p50"] <= row["npv_p90"]
        assert abs(float(row["npv_p50"]) - frame_row["npv_p50"]) < 0.01
