"""Issue #18 item 7: a product or unit the reference seeds do not know still maps (FOCUS's
'Other', the provider's unit), is charged back, and is named in a warn alert."""

from __future__ import annotations

import json

from tests.cur_fixtures import usage, write_cur_rows
from tests.helpers import D, query, run_pipeline


def test_an_unknown_service_and_unit_are_charged_back_and_named(tmp_path):
    landing, wh = tmp_path / "landing", tmp_path / "w.duckdb"
    write_cur_rows(landing / "aws_cur" / "cur" / "data" / "BILLING_PERIOD=2026-10" / "part-0.csv", [
        usage("60.00", "0.40", "150", "Hrs", "payments"),
        usage("12.34", "0.01", "1234", "Quantum-Shots", "search", product="AmazonBraketFuture"),
    ])
    run_pipeline(landing, wh)
    assert query(wh, "select ServiceName, ServiceCategory, PricingUnit, x_tenant from marts.focus_costs "
                     "where BilledCost = 12.34") == [("AmazonBraketFuture", "Other", "Quantum-Shots", "search")]
    assert query(wh, "select tenant, total_cost from marts.fct_chargeback_monthly order by 1") == [
        ("payments", D("60.00")), ("search", D("12.34"))]
    [(severity, message, details)] = query(
        wh, "select severity, message, details_json from ops.alerts where check_name = 'unmapped_reference_values'")
    assert severity == "warn"
    assert message.splitlines() == [
        "2 value(s) the reference seeds do not know (kept, allocated, with FOCUS's fallback):",
        "- aws_cur service 'AmazonBraketFuture': 1 row(s), billed 12.34 USD; add it to seeds/reference/aws_services.csv",
        "- aws_cur unit 'Quantum-Shots': 1 row(s), billed 12.34 USD; add it to seeds/reference/unit_map.csv",
    ]
    assert json.loads(details)["rows"] == 2
