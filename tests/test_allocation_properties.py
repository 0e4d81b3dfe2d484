"""Property tests of the shipped allocation SQL (the dbt macros, compiled once, run in DuckDB)."""

from __future__ import annotations

import os
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import BIN, REPO

TENANTS = ["a", "b", "c", "d", "e", "需要予測"]


def _compile(expr: str, tmp) -> str:
    proc = subprocess.run(
        [str(BIN / "dbt"), "compile", "--quiet", "--profiles-dir", ".", "--inline", expr],
        cwd=REPO / "dbt_project", capture_output=True, text=True, timeout=300,
        env={**os.environ, "FINOPS_WAREHOUSE": str(tmp / "compile.duckdb"), "DO_NOT_TRACK": "1"},
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def split_sql(tmp_path_factory) -> str:
    return _compile("{{ split_pool_by_driver('pool_input', 'driver_input') }}", tmp_path_factory.mktemp("c1"))


@pytest.fixture(scope="module")
def rounding_sql(tmp_path_factory) -> str:
    return _compile("{{ round_preserving_total('amount_input') }}", tmp_path_factory.mktemp("c2"))


def _run_split(sql: str, pools: dict[str, int], drivers: dict[str, dict[str, int]]) -> list[tuple]:
    conn = duckdb.connect()
    conn.execute("create table pool_input (pool_key varchar, amount_units hugeint)")
    conn.execute("create table driver_input (pool_key varchar, tenant varchar, weight hugeint)")
    conn.executemany("insert into pool_input values (?, ?)", list(pools.items()))
    rows = [(p, t, w) for p, ws in drivers.items() for t, w in ws.items()]
    if rows:
        conn.executemany("insert into driver_input values (?, ?, ?)", rows)
    return conn.execute(f"select pool_key, tenant, weight, weight_total, allocated_units from ({sql})").fetchall()


pool_amount = st.integers(min_value=-10**12, max_value=10**12)
weights = st.dictionaries(st.sampled_from(TENANTS), st.integers(min_value=0, max_value=10**18), max_size=len(TENANTS))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pools=st.dictionaries(st.sampled_from(["p1", "p2", "p3"]), pool_amount, min_size=1, max_size=3),
       drivers=st.dictionaries(st.sampled_from(["p1", "p2", "p3"]), weights, max_size=3))
def test_split_parts_sum_to_pool_and_stay_within_one_unit(split_sql, pools, drivers):
    result = _run_split(split_sql, pools, drivers)
    for pool, amount in pools.items():
        parts = {t: int(units) for p, t, w, wt, units in result if p == pool}
        assert sum(parts.values()) == amount, (pool, amount, parts)
        ws = {t: w for t, w in drivers.get(pool, {}).items() if w > 0}
        total = sum(ws.values())
        if total == 0:
            # documented fallback: a pool nobody drives goes whole to `unallocated`
            assert parts == {"unallocated": amount}
            continue
        assert set(parts) == set(ws), "a tenant with a zero driver got a share"
        for t, w in ws.items():
            exact = Fraction(amount * w, total)
            assert abs(parts[t] - exact) < 1, (t, parts[t], exact)


def test_split_is_deterministic_on_ties(split_sql):
    # 1 cent over three equal drivers: the tie goes to the first tenant by name
    result = _run_split(split_sql, {"p": 1}, {"p": {"b": 5, "a": 5, "c": 5}})
    assert sorted((t, int(u)) for _, t, _, _, u in result) == [("a", 1), ("b", 0), ("c", 0)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amounts=st.lists(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=10,
                                    allow_nan=False, allow_infinity=False), min_size=1, max_size=12))
def test_rounding_preserves_the_rounded_total(rounding_sql, amounts):
    conn = duckdb.connect()
    conn.execute("create table amount_input (group_key varchar, item_key varchar, amount_scaled decimal(38, 10))")
    # amounts are in currency units; scaled by 100 (cents)
    conn.executemany("insert into amount_input values ('g', ?, ?)", [(f"i{i:02d}", a * 100) for i, a in enumerate(amounts)])
    got = dict(conn.execute(f"select item_key, units from ({rounding_sql})").fetchall())
    total_cents = (sum(amounts) * 100).quantize(Decimal(1), ROUND_HALF_UP)
    assert sum(int(v) for v in got.values()) == total_cents
    for i, a in enumerate(amounts):
        assert abs(Decimal(int(got[f"i{i:02d}"])) - a * 100) < 1
