"""dbt unit tests (`unit_tests:` in the models' yml): the AWS and Azure mapping CASE logic on
hand-made rows. dbt reads the column types of a unit test's inputs from the built relations,
so they run against a copy of the demo warehouse; the nightly `dbt build` leaves them out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from tests.helpers import BIN, REPO, scalar

# every unit test in the project, by the model it tests
EXPECTED = {
    "int_aws_charges_mapped": {
        "aws_line_item_types_to_focus_categories",
        "aws_line_item_types_to_focus_costs",
        "aws_consumed_quantity_on_consumption_rows",
    },
    "int_azure_charges_mapped": {
        "azure_charge_types_to_focus_categories",
        "azure_charge_types_to_focus_costs",
        "azure_billing_account_and_pricing_currency",
    },
}


def test_the_mapping_unit_tests_run_and_pass(demo, tmp_path):
    warehouse = tmp_path / "unit.duckdb"
    shutil.copy(demo["warehouse"], warehouse)
    target = tmp_path / "target"
    proc = subprocess.run(
        [str(BIN / "dbt"), "test", "--select", "test_type:unit", "--profiles-dir", ".",
         "--target-path", str(target), "--log-path", str(tmp_path / "logs")],
        cwd=REPO / "dbt_project", capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "FINOPS_WAREHOUSE": str(warehouse), "FINOPS_DUCKDB_TEMP_DIR": str(tmp_path / "duckdb_tmp"),
             "DO_NOT_TRACK": "1"},
    )
    assert proc.returncode == 0, proc.stdout[-6000:]
    results = [r for r in json.loads((target / "run_results.json").read_text())["results"]
               if r["unique_id"].startswith("unit_test.")]
    assert len(results) > 0, proc.stdout[-3000:]
    ran: dict[str, set[str]] = {}
    for r in results:
        _, _, model, name = r["unique_id"].split(".")
        ran.setdefault(model, set()).add(name)
    assert ran == EXPECTED
    assert {r["status"] for r in results} == {"pass"}, [(r["unique_id"], r["message"]) for r in results]


def test_the_nightly_build_leaves_the_unit_tests_out(demo):
    """They test logic, not the night's data: the demo's `finops run` built and tested the models
    without running one (ops.dbt_node_timings holds each node of its dbt build)."""
    w = demo["warehouse"]
    assert scalar(w, "select count(*) from ops.dbt_node_timings where unique_id like 'test.%'") > 0
    assert scalar(w, "select count(*) from ops.dbt_node_timings where unique_id like 'unit_test.%'") == 0
