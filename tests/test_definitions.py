"""The one Dagster code location, as a snapshot: every asset key, asset check defined in
Python, job, schedule and sensor. A change here is a change of the project's interface (the
Dagster UI, sensors and anyone who selects assets by key): update the snapshot on purpose with
`FINOPS_UPDATE_SNAPSHOT=1 pytest tests/test_definitions.py` and review its diff."""

from __future__ import annotations

import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"


def current() -> dict:
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    python_checks = sorted(f"{key.asset_key.to_user_string()}:{key.name}"
                           for checks in defs.asset_checks for key in checks.check_keys)
    return {
        "assets": sorted(k.to_user_string() for k in graph.get_all_asset_keys()),
        "python_checks": python_checks,
        "dbt_tests_as_checks": len(graph.asset_check_keys) - len(python_checks),
        "jobs": sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")),
        "schedules": sorted(s.name for s in defs.schedules),
        "sensors": sorted(s.name for s in defs.sensors),
        "groups": sorted({graph.get(k).group_name for k in graph.get_all_asset_keys()} - {None}),
    }


def test_definitions_match_the_snapshot():
    now = current()
    if os.environ.get("FINOPS_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(json.dumps(now, indent=2) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    for part in expected:
        if isinstance(expected[part], list):
            added, removed = sorted(set(now[part]) - set(expected[part])), sorted(set(expected[part]) - set(now[part]))
            assert not added and not removed, (f"{part}: added {added}, removed {removed}; if intended, update the "
                                               "snapshot: FINOPS_UPDATE_SNAPSHOT=1 pytest tests/test_definitions.py")
    assert now == expected


def test_the_snapshot_is_not_trivial():
    # 79 assets today: a snapshot that lost its content would pass the comparison above
    expected = json.loads(SNAPSHOT.read_text())
    assert len(expected["assets"]) >= 70 and "marts/focus_costs" in expected["assets"]
    assert "marts/fct_platform_balance_daily:daily_zero_balance" in expected["python_checks"]
    assert expected["jobs"] == ["build_job", "ingest_job"] and expected["schedules"] == ["nightly_schedule"]
    assert "changed_months_sensor" in expected["sensors"]


def test_groups_are_areas():
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    group = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {name: group[name] for name in (
        "marts/focus_costs", "intermediate/int_charges_converted", "marts/fct_chargeback_daily",
        "marts/fct_platform_balance_daily", "marts/fct_token_usage_daily", "marts/tei_summary",
        "marts/tei_monte_carlo", "staging/stg_aws__cur_line_items")} == {
        "marts/focus_costs": "focus", "intermediate/int_charges_converted": "allocation",
        "marts/fct_chargeback_daily": "allocation", "marts/fct_platform_balance_daily": "reconciliation",
        "marts/fct_token_usage_daily": "tokens", "marts/tei_summary": "tei", "marts/tei_monte_carlo": "tei",
        "staging/stg_aws__cur_line_items": "staging"}
