"""AWS CUR files that AWS and others really wrote (tests/fixtures/real_exports/aws_cur) load, map to
FOCUS 1.2 and are charged back. Every expected figure is computed here from the file itself."""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from dagster_project.ingest import aws_cur
from tests.helpers import query
from tests.real_exports import (
    REAL,
    assert_completed,
    assert_file_conserved,
    run_real,
    validator_unexpected,
)

PARQUET = "aws_cur/Oct2018-WorkshopCUR-00001.snappy.parquet"
CSV = "aws_cur/sample-anonymous-aws-export-dataset.csv"
TEN_PLACES = Decimal("1E-10")

pytestmark = pytest.mark.slow


def money(value) -> Decimal:
    """A file's cost as the warehouse stores it: decimal(38, 10)."""
    return Decimal(repr(value) if isinstance(value, float) else value).quantize(TEN_PLACES, ROUND_HALF_EVEN)


def file_rows(rel: str) -> list[dict]:
    """The file's rows with CUR 2.0 snake_case names (legacy `lineItem/UnblendedCost` renamed)."""
    path = REAL / rel
    if rel.endswith(".parquet"):
        return pq.read_table(path).to_pylist()
    with open(path, newline="", encoding="utf-8") as fh:
        return [{aws_cur.normalize_name(k) if "/" in k and not k.startswith("resourceTags/") else k: v
                 for k, v in row.items()} for row in csv.DictReader(fh)]


def text(value) -> str:
    return "" if value is None else str(value).strip()


def facts(rel: str) -> dict:
    """Counts and sums derived from the file alone."""
    rows = file_rows(rel)
    tag_columns = [c for c in rows[0] if c.startswith(("resource_tags_user_", "resource_tags_aws_", "resourceTags/"))]

    def is_spot(row) -> bool:
        option = text(row.get("pricing_purchase_option"))
        if option:
            return option == "Spot"
        return "SpotUsage" in text(row.get("line_item_usage_type")) or text(row.get("line_item_operation")).startswith("RunInstances:SV")

    def fee_without_amortization(row) -> bool:
        kind = row["line_item_line_item_type"]
        if kind == "RIFee":
            return all(text(row.get(c)) == "" for c in ("reservation_unused_amortized_upfront_fee_for_billing_period",
                                                        "reservation_unused_recurring_fee"))
        if kind == "SavingsPlanRecurringFee":
            return any(text(row.get(c)) == "" for c in ("savings_plan_total_commitment_to_date", "savings_plan_used_commitment"))
        return False

    # the registry's billed cost of a CUR row: net unblended cost, else unblended (aws_cur.SPEC.cost_sql)
    def billed(row) -> Decimal:
        net = text(row.get("line_item_net_unblended_cost"))
        return money(row["line_item_net_unblended_cost"] if net else row["line_item_unblended_cost"])

    return {
        "rows": len(rows),
        "billed": sum((billed(r) for r in rows), Decimal(0)),
        "tagged": sum(1 for r in rows if any(text(r[c]) for c in tag_columns)),
        "spot": sum(1 for r in rows if is_spot(r)),
        "fee_fallback": sum(1 for r in rows if fee_without_amortization(r)),
        "product_codes": {r["line_item_product_code"] for r in rows},
    }


@pytest.fixture(scope="module", params=[PARQUET, CSV], ids=["athena_parquet_2018", "legacy_csv_2023"])
def real_run(request, tmp_path_factory):
    rel = request.param
    tmp = tmp_path_factory.mktemp(Path(rel).stem.replace(".", "_"))
    warehouse, _ = run_real(tmp, rel)
    return {"rel": rel, "warehouse": warehouse, "tmp": tmp, "facts": facts(rel)}


def test_file_facts_are_the_documented_ones():
    """Guards the figures below against a wrong reader: the counts the fixtures are known for."""
    parquet, legacy = facts(PARQUET), facts(CSV)
    assert (parquet["rows"], legacy["rows"]) == (119_307, 1_281)
    assert parquet["spot"] == 1_313 and parquet["tagged"] > 0


def test_rows_and_billed_cost_conserved_and_run_completes(real_run):
    f = real_run["facts"]
    assert f["rows"] > 0 and f["billed"] != 0
    assert_file_conserved(real_run["warehouse"], real_run["rel"], f["rows"], f["billed"])
    assert_completed(real_run["warehouse"])


def test_focus_mandatory_costs_never_null(real_run):
    (rows, nulls), = query(real_run["warehouse"], """
        select count(*), count(*) filter (where ListCost is null or ContractedCost is null or EffectiveCost is null)
        from marts.focus_costs where x_source_file = ?""", [real_run["rel"]])
    assert (rows, nulls) == (real_run["facts"]["rows"], 0)


def test_tags_on_every_row_with_a_tag_value(real_run):
    (tagged,), = query(real_run["warehouse"],
                       "select count(*) from marts.focus_costs where x_source_file = ? and Tags is not null", [real_run["rel"]])
    assert tagged == real_run["facts"]["tagged"]


def test_spot_rows_are_dynamic(real_run):
    (dynamic,), = query(real_run["warehouse"],
                        "select count(*) from marts.focus_costs where x_source_file = ? and PricingCategory = 'Dynamic'",
                        [real_run["rel"]])
    assert dynamic == real_run["facts"]["spot"]


def test_commitment_fees_without_amortization_are_flagged(real_run):
    (flagged, billed_eq), = query(real_run["warehouse"], """
        select count(*) filter (where x_is_effective_cost_fallback),
               count(*) filter (where x_is_effective_cost_fallback and EffectiveCost = BilledCost)
        from marts.focus_costs where x_source_file = ?""", [real_run["rel"]])
    assert flagged == billed_eq == real_run["facts"]["fee_fallback"]


def test_every_service_has_a_category(real_run):
    rows = query(real_run["warehouse"], """
        select ServiceName, count(*) from marts.focus_costs
        where x_source_file = ? and (ServiceCategory = 'Other' or ServiceSubcategory like 'Other (%') group by 1""",
                 [real_run["rel"]])
    assert rows == []
    (services,), = query(real_run["warehouse"],
                         "select count(distinct ServiceName) from marts.focus_costs where x_source_file = ?", [real_run["rel"]])
    assert services == len(real_run["facts"]["product_codes"])


@pytest.mark.validator
def test_validator_finds_nothing_beyond_the_allowlist(real_run):
    where = f"x_source_file = '{real_run['rel']}'"
    assert validator_unexpected(real_run["warehouse"], real_run["tmp"], where) == {}


# --- tag keys from file headers are data, never SQL (issue #19 item 1) ---------------------------

CRAFTED = "resourceTags/user:x'}||read_text('/etc/hostname')||'"


def write_tagged_csv(path: Path, tag_headers: list[str], tag_values: list[str]) -> None:
    header = ["identity/LineItemId", "identity/TimeInterval", "bill/PayerAccountId", "bill/BillingPeriodStartDate",
              "lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate",
              "lineItem/ProductCode", "lineItem/CurrencyCode", "lineItem/UnblendedCost", *tag_headers]
    row = ["id-1", "2024-03-01T00:00:00Z/2024-03-01T01:00:00Z", "111111111111", "2024-03-01T00:00:00Z",
           "222222222222", "Usage", "2024-03-01T00:00:00Z", "2024-03-01T01:00:00Z", "AmazonEC2", "USD", "1.25", *tag_values]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, row])


def staged_tags(path: Path) -> str:
    conn = duckdb.connect()
    try:
        aws_cur.stage(conn, path)
        return conn.execute("select resource_tags from _incoming").fetchone()[0]
    finally:
        conn.close()


def test_crafted_tag_header_is_stored_literally(tmp_path):
    import json

    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else None
    path = tmp_path / "crafted.csv"
    write_tagged_csv(path, [CRAFTED], ["v"])
    tags = staged_tags(path)
    assert json.loads(tags) == {"user_x'}||read_text('/etc/hostname')||'": "v"}
    if hostname:
        assert hostname not in tags


def test_tag_key_with_an_apostrophe_loads(tmp_path):
    import json

    path = tmp_path / "obrien.csv"
    write_tagged_csv(path, ["resourceTags/user:o'brien", "resourceTags/user:empty"], ["team-a", ""])
    assert json.loads(staged_tags(path)) == {"user_o'brien": "team-a"}


def test_athena_tag_columns_are_tag_keys():
    assert aws_cur.tag_key("resource_tags_user_tenant") == "user_tenant"
    assert aws_cur.tag_key("resource_tags_aws_created_by") == "aws_created_by"
    assert aws_cur.tag_key("resourceTags/user:tenant") == "user_tenant"
    assert aws_cur.tag_key("resource_tags") is None and aws_cur.tag_key("resource_tags_user_") is None


def test_commitment_fee_without_amortization_columns_falls_back_to_billed(tmp_path):
    """Neither real file has such a fee (their RIFee rows carry reservation_unused_*): a written one."""
    from tests.helpers import run_pipeline

    landing = tmp_path / "landing" / "aws_cur"
    landing.mkdir(parents=True)
    header = ["identity/LineItemId", "identity/TimeInterval", "bill/PayerAccountId", "bill/BillingPeriodStartDate",
              "lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate",
              "lineItem/ProductCode", "lineItem/CurrencyCode", "lineItem/UnblendedCost", "savingsPlan/UsedCommitment"]
    period = ["2024-03-01T00:00:00Z/2024-04-01T00:00:00Z", "111111111111", "2024-03-01T00:00:00Z", "222222222222"]
    rows = [["ri-fee", *period, "RIFee", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z", "AmazonEC2", "USD", "22.32", ""],
            ["sp-fee", *period, "SavingsPlanRecurringFee", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z",
             "ComputeSavingsPlans", "USD", "7.5", ""]]
    with open(landing / "fees.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    warehouse = tmp_path / "wh" / "finops.duckdb"
    run_pipeline(tmp_path / "landing", warehouse)
    got = query(warehouse, """
        select x_line_item_type, EffectiveCost, BilledCost, x_is_effective_cost_fallback from marts.focus_costs
        where x_source = 'aws_cur' order by 1""")
    assert got == [("RIFee", Decimal("22.32"), Decimal("22.32"), True),
                   ("SavingsPlanRecurringFee", Decimal("7.5"), Decimal("7.5"), True)]
