"""The actuals-fed TEI analysis `llm_rollout`: its cost lines and model-switch benefit come from
the warehouse's marts, so it moves when the warehouse's costs move.

The source marts are created by hand in a temporary DuckDB with only the columns TEI reads and
controlled rows; dbt then builds only the TEI models (`tag:tei`). Three dbt runs for the module:
the base warehouse (seeds, models, tests), a copy with the costs doubled, and a copy with the
marts empty or missing (models only).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest

from dagster_project.tei import montecarlo

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
ROLLOUT = "llm_rollout"
PUBLISHED = "mlops_model_org"
ACTUALS_LINES = {"platform", "model_tokens", "model_switch"}

SOURCE_TABLES = """
create schema if not exists marts;
create table marts.fct_chargeback_monthly (
    billing_month date, tenant varchar, currency varchar,
    variable_cost decimal(38, 10), common_cost decimal(38, 10), total_cost decimal(38, 10)
);
create table marts.fct_chargeback_daily (charge_date date);
create table marts.fct_token_usage_daily (
    usage_date date, tenant varchar, provider varchar, model varchar, currency varchar,
    cost decimal(38, 10)
);
create table marts.fct_model_switch_whatif (
    billing_month date, tenant varchar, provider varchar, model varchar,
    alternative_provider varchar, alternative_model varchar, currency varchar,
    saving decimal(38, 10), alternative_basis varchar
);
"""
# fmt: off
CHARGEBACK_MONTHLY = [
    # month, tenant, currency, variable, common, total
    ("2026-09-01", "a", "USD", 500, 1000, 1500),     # full, but not the latest full month
    ("2026-10-01", "a", "USD", 1000, 2000, 3000),    # the latest full month ...
    ("2026-10-01", "b", "USD", 250, 1000, 1250),     # ... common 2,000 + 1,000 = 3,000
    ("2026-10-01", "c", "EUR", 100, 5000, 5100),     # another currency: left out
    ("2026-11-01", "a", "USD", 400, 9999, 10399),    # partial month (days to 11-15): left out
]
CHARGEBACK_DAYS = ["2026-09-01", "2026-11-15"]
TOKEN_USAGE = [
    # day, tenant, provider, model, currency, cost
    ("2026-10-01", "a", "openai", "gpt-4o", "USD", 100),
    ("2026-10-31", "a", "openai", "gpt-4o", "USD", 50),
    ("2026-10-15", "b", "anthropic", "claude-sonnet-4-5", "USD", 250),   # October: 400
    ("2026-10-20", "b", "selfhosted", "llama", None, None),              # no cost: adds nothing
    ("2026-11-10", "a", "openai", "gpt-4o", "USD", 1000),                # November is partial
]
WHATIF = [
    # month, tenant, provider, model, alternative provider, alternative, currency, saving, basis
    ("2026-10-01", "a", "openai", "gpt-4o", "meta", "llama-3-70b", "USD", 120, "list_price"),
    ("2026-10-01", "a", "openai", "gpt-4o", "deepseek", "deepseek-r1", "USD", 110, "list_price"),
    ("2026-10-01", "a", "openai", "gpt-4o", "meta", "llama-3-405b", "USD", 150, "list_price"),   # not in the filter
    # per tenant, deepseek would win for a and llama for b (220); one switch per model: llama 150
    ("2026-10-01", "a", "anthropic", "claude-sonnet-4-5", "meta", "llama-3-70b", "USD", 50, "list_price"),
    ("2026-10-01", "b", "anthropic", "claude-sonnet-4-5", "meta", "llama-3-70b", "USD", 100, "list_price"),
    ("2026-10-01", "a", "anthropic", "claude-sonnet-4-5", "deepseek", "deepseek-r1", "USD", 120, "list_price"),
    ("2026-10-01", "b", "anthropic", "claude-sonnet-4-5", "deepseek", "deepseek-r1", "USD", 20, "list_price"),
    # nothing cheaper: the model stays, saving 0
    ("2026-10-01", "a", "anthropic", "claude-haiku-4-5", "meta", "llama-3-70b", "USD", -5, "list_price"),
    ("2026-10-01", "a", "anthropic", "claude-haiku-4-5", "deepseek", "deepseek-r1", "USD", -3, "list_price"),
    # a host offering deepseek-r1 free (0.00 prices): a free tier is never chosen, haiku still stays
    ("2026-10-01", "a", "anthropic", "claude-haiku-4-5", "freehost", "deepseek-r1", "USD", 40, "free_tier"),
    # llama has no price for some tokens (null saving): deepseek it is
    ("2026-10-01", "a", "openai", "gpt-4o-audio", "meta", "llama-3-70b", "USD", None, "list_price"),
    ("2026-10-01", "a", "openai", "gpt-4o-audio", "deepseek", "deepseek-r1", "USD", 10, "list_price"),
    ("2026-11-01", "a", "openai", "gpt-4o", "meta", "llama-3-70b", "USD", 999, "list_price"),    # partial month
]
# fmt: on

# The hand figures below assume these shipped seed inputs (tei_line_inputs) and risk
# adjustments (tei_lines); test_seed_assumptions says so if the seed changes.
GROWTH = {
    "platform": ["1.00", "1.10", "1.21"],
    "model_tokens": ["1.00", "1.25", "1.5625"],
    "model_switch": ["1.00", "1.25", "1.5625"],
}
ADOPTION = ["0.50", "0.70", "0.80"]
RISK = {"platform": "0.05", "model_tokens": "0.10", "model_switch": "-0.15"}

# By hand, latest full month (October) x 12, discount 10% (1/1.1, 1/1.21, 1/1.331):
#   platform:     common 3,000 a month -> 36,000 a year; x 1.00 / 1.10 / 1.21
#                 = 36,000 / 39,600 / 43,560; x 1.05 = 37,800 / 41,580 / 45,738
#                 PV 34,363.64 each (growth = rate) = 103,090.91
#   model_tokens: cost 400 a month -> 4,800; x 1.00 / 1.25 / 1.5625 = 4,800 / 6,000 / 7,500
#                 x 1.10 = 5,280 / 6,600 / 8,250; PV 4,800 + 5,454.55 + 6,198.35 = 16,452.89
#   model_switch: gpt-4o -> llama-3-70b 120, claude-sonnet -> llama 150, haiku stays 0,
#                 gpt-4o-audio -> deepseek-r1 10: 280 a month -> 3,360; x growth x adoption
#                 = 1,680 / 2,940 / 4,200; x 0.85 = 1,428 / 2,499 / 3,570
#                 PV 1,298.18 + 2,065.29 + 2,682.19 = 6,045.66
MONTHLY = {"platform": 3000, "model_tokens": 400, "model_switch": 280}
RISK_ADJUSTED = {
    "platform": [0, 37_800, 41_580, 45_738],
    "model_tokens": [0, 5_280, 6_600, 8_250],
    "model_switch": [0, 1_428, 2_499, 3_570],
}
PV = {
    "platform": Decimal("103090.91"),
    "model_tokens": Decimal("16452.89"),
    "model_switch": Decimal("6045.66"),
}
SWITCHES = {
    ("openai", "gpt-4o"): ("llama-3-70b", 120),
    ("anthropic", "claude-sonnet-4-5"): ("llama-3-70b", 150),
    ("anthropic", "claude-haiku-4-5"): (None, 0),
    ("openai", "gpt-4o-audio"): ("deepseek-r1", 10),
}


def cents(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def normalized(values: list[str]) -> list[str]:
    return [str(Decimal(v).normalize()) for v in values]


def exact_pv(risk_adjusted: list) -> Fraction:
    return sum(
        Fraction(Decimal(v)) / Fraction(11, 10) ** p
        for p, v in enumerate(risk_adjusted)
    )


def run_dbt(command: str, warehouse: Path, work: Path, *selection: str) -> None:
    env = {**os.environ, "FINOPS_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"}
    result = subprocess.run(
        [
            str(DBT),
            command,
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


def create_sources(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(SOURCE_TABLES)
        con.executemany(
            "insert into marts.fct_chargeback_monthly values (?, ?, ?, ?, ?, ?)",
            CHARGEBACK_MONTHLY,
        )
        con.executemany(
            "insert into marts.fct_chargeback_daily values (?)",
            [(d,) for d in CHARGEBACK_DAYS],
        )
        con.executemany(
            "insert into marts.fct_token_usage_daily values (?, ?, ?, ?, ?, ?)",
            TOKEN_USAGE,
        )
        con.executemany(
            "insert into marts.fct_model_switch_whatif values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            WHATIF,
        )


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("tei_actuals")
    base = work / "base.duckdb"
    create_sources(base)
    run_dbt("build", base, work, "tag:tei")

    doubled = work / "doubled.duckdb"
    shutil.copy(base, doubled)
    with duckdb.connect(str(doubled)) as con:
        con.execute(
            "update marts.fct_chargeback_monthly set common_cost = 2 * common_cost, total_cost = 2 * total_cost"
        )
        con.execute("update marts.fct_token_usage_daily set cost = 2 * cost")
    run_dbt("run", doubled, work, "tag:tei,resource_type:model")

    # a run with only the published analysis's data: the chargeback marts not built at all,
    # the token marts built but empty
    empty = work / "empty.duckdb"
    shutil.copy(base, empty)
    with duckdb.connect(str(empty)) as con:
        con.execute("drop table marts.fct_chargeback_monthly")
        con.execute("drop table marts.fct_chargeback_daily")
        con.execute("delete from marts.fct_token_usage_daily")
        con.execute("delete from marts.fct_model_switch_whatif")
    run_dbt("run", empty, work, "tag:tei,resource_type:model")
    return {"base": base, "doubled": doubled, "empty": empty}


@pytest.fixture(scope="module")
def cons(warehouses):
    connections = {
        name: duckdb.connect(str(path), read_only=True)
        for name, path in warehouses.items()
    }
    yield connections
    for connection in connections.values():
        connection.close()


def line_rows(con, analysis_id: str = ROLLOUT) -> dict[str, dict]:
    """line -> {source_model, risk_adjusted by period, pv}"""
    rows = con.execute(
        "select line_id, source_model, period, risk_adjusted, present_value from marts.tei_benefits where analysis_id = ?"
        " union all select line_id, source_model, period, risk_adjusted, present_value from marts.tei_costs where analysis_id = ?"
        " order by line_id, period",
        [analysis_id, analysis_id],
    ).fetchall()
    out: dict[str, dict] = {}
    for line_id, source_model, period, risk_adjusted, pv in rows:
        line = out.setdefault(
            line_id,
            {"source_model": source_model, "risk_adjusted": [], "pv": Decimal(0)},
        )
        assert period == len(line["risk_adjusted"])
        line["risk_adjusted"].append(risk_adjusted)
        line["pv"] += pv
    return out


def npv(con, analysis_id: str = ROLLOUT) -> Decimal:
    return con.execute(
        "select npv from marts.tei_summary where analysis_id = ?", [analysis_id]
    ).fetchone()[0]


def test_seed_assumptions(cons):
    con = cons["base"]
    inputs = {
        (line, input_id): [
            str(v.normalize())
            for (v,) in con.execute(
                "select value from reference.tei_line_inputs where analysis_id = ? and line_id = ? and input_id = ?"
                " order by period",
                [ROLLOUT, line, input_id],
            ).fetchall()
        ]
        for line in GROWTH
        for input_id in ("growth", "adoption")
    }
    for line, values in GROWTH.items():
        assert inputs[(line, "growth")] == normalized(values), line
    assert inputs[("model_switch", "adoption")] == normalized(ADOPTION)
    risks = dict(
        con.execute(
            "select line_id, risk_adjustment from reference.tei_lines where analysis_id = ? and source_model is not null",
            [ROLLOUT],
        ).fetchall()
    )
    assert {k: str(v.normalize()) for k, v in risks.items()} == {
        k: str(Decimal(v).normalize()) for k, v in RISK.items()
    }
    assert con.execute(
        "select discount_rate, years from reference.tei_analyses where analysis_id = ?",
        [ROLLOUT],
    ).fetchone() == (Decimal("0.1"), 3)


def test_annualized_actuals_take_the_latest_full_month(cons):
    rows = (
        cons["base"]
        .execute(
            "select line_id, source_model, actuals_month, monthly_amount, annualized_amount"
            " from marts.fct_tei_actuals_annualized where analysis_id = ?",
            [ROLLOUT],
        )
        .fetchall()
    )
    by_line = {r[0]: r[1:] for r in rows}
    assert set(by_line) == ACTUALS_LINES
    assert by_line["platform"][0] == "fct_chargeback_monthly"
    assert by_line["model_tokens"][0] == "fct_token_usage_daily"
    assert by_line["model_switch"][0] == "fct_model_switch_whatif"
    for line, monthly in MONTHLY.items():
        _, month, monthly_amount, annualized = by_line[line]
        assert month == date(2026, 10, 1), line
        assert monthly_amount == monthly, line
        assert annualized == 12 * monthly, line


def test_best_alternative_per_model(cons):
    rows = (
        cons["base"]
        .execute(
            "select provider, model, alternative_model, monthly_saving from marts.fct_tei_model_switches_chosen"
            " where analysis_id = ?",
            [ROLLOUT],
        )
        .fetchall()
    )
    assert {(p, m): (alt, saving) for p, m, alt, saving in rows} == SWITCHES


def test_actuals_lines_by_hand(cons):
    lines = line_rows(cons["base"])
    for line_id, expected in RISK_ADJUSTED.items():
        assert [cents(v) for v in lines[line_id]["risk_adjusted"]] == [
            cents(v) for v in expected
        ], line_id
        assert cents(lines[line_id]["pv"]) == PV[line_id], line_id
        assert abs(Fraction(lines[line_id]["pv"]) - exact_pv(expected)) < Fraction(
            1, 10**6
        ), line_id
    # the marts say where the line comes from
    assert {k for k, v in lines.items() if v["source_model"]} == ACTUALS_LINES


def test_doubled_costs_double_the_cost_lines(cons):
    base, doubled = line_rows(cons["base"]), line_rows(cons["doubled"])
    for line_id in ("platform", "model_tokens"):
        # exact but for the 10th decimal of each year's rounded PV
        assert abs(doubled[line_id]["pv"] - 2 * base[line_id]["pv"]) < Decimal(
            "1e-8"
        ), line_id
        assert abs(
            Fraction(doubled[line_id]["pv"]) - 2 * exact_pv(RISK_ADJUSTED[line_id])
        ) < Fraction(1, 10**6)
        assert [cents(v) for v in doubled[line_id]["risk_adjusted"]] == [
            cents(2 * v) for v in base[line_id]["risk_adjusted"]
        ]
    for line_id in set(base) - {"platform", "model_tokens"}:
        assert doubled[line_id] == base[line_id], line_id
    # NPV falls by the PVs added: 103,090.91 + 16,452.89
    assert cents(npv(cons["doubled"]) - npv(cons["base"])) == -(
        PV["platform"] + PV["model_tokens"]
    )
    pv_costs = {
        name: cons[name]
        .execute(
            "select pv_costs from marts.tei_summary where analysis_id = ?", [ROLLOUT]
        )
        .fetchone()[0]
        for name in ("base", "doubled")
    }
    assert (
        cents(pv_costs["doubled"] - pv_costs["base"])
        == PV["platform"] + PV["model_tokens"]
    )


def test_empty_or_missing_marts_give_zero_actuals(cons):
    con = cons["empty"]
    rows = con.execute(
        "select line_id, actuals_month, annualized_amount from marts.fct_tei_actuals_annualized"
        " where analysis_id = ?",
        [ROLLOUT],
    ).fetchall()
    assert {line: (month, amount) for line, month, amount in rows} == dict.fromkeys(ACTUALS_LINES, (None, 0))
    base, empty = line_rows(cons["base"]), line_rows(con)
    for line_id in ACTUALS_LINES:
        assert empty[line_id]["risk_adjusted"] == [0, 0, 0, 0], line_id
    for line_id in set(base) - ACTUALS_LINES:
        assert empty[line_id] == base[line_id], line_id
    # NPV without the actuals: + 103,090.91 + 16,452.89 (costs gone) - 6,045.66 (benefit gone)
    assert (
        cents(npv(cons["base"]) - npv(con))
        == PV["model_switch"] - PV["platform"] - PV["model_tokens"]
    )


def test_published_analysis_untouched(cons):
    for name in ("base", "doubled", "empty"):
        assert (
            int(npv(cons[name], PUBLISHED).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            == 7_721_613
        ), name


def test_rollout_in_cash_flow_sensitivity_and_monte_carlo(cons):
    con = cons["base"]
    summary_npv = npv(con)
    assert (
        con.execute(
            "select sum(pv_net) from marts.tei_cash_flow where analysis_id = ?",
            [ROLLOUT],
        ).fetchone()[0]
        == summary_npv
    )
    scenarios = dict(
        con.execute(
            "select scenario_id, npv_change_from_base from marts.tei_sensitivity where analysis_id = ?",
            [ROLLOUT],
        ).fetchall()
    )
    assert scenarios["base"] == 0
    # platform (cost, +5%) at +15%: 10% of its unadjusted PV, 3 x 36,000 / 1.1 = 98,181.82, more cost
    assert cents(scenarios["risk_platform_plus_10pts"]) == Decimal("-9818.18")
    result = montecarlo.simulate_npv(
        montecarlo.read_line_inputs(con), trials=2_000, seed=1
    ).set_index("analysis_id")
    assert ROLLOUT in result.index
    assert (
        result.loc[ROLLOUT, "npv_p10"]
        <= result.loc[ROLLOUT, "npv_p50"]
        <= result.loc[ROLLOUT, "npv_p90"]
    )
