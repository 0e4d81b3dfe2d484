"""Azure and GCP files the providers really wrote (tests/fixtures/real_exports): they load, map to
FOCUS 1.2 and are charged back; CSVs that are not what DuckDB's sniffer expects load or say why.

Every expected figure is computed here from the file itself (csv / json with Decimal), with the
rule the loader counts (ingest/azure_cost.py BILLED_COST_SQL; gcp_billing.py cost_sql).
"""

from __future__ import annotations

import csv
import json
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest

from dagster_project.ingest import azure_cost
from dagster_project.ingest.base import CSV_STRICT, IngestError, csv_options
from tests.helpers import query
from tests.real_exports import (
    REAL,
    assert_completed,
    assert_file_conserved,
    quarantine_reason,
    run_real,
    validator_unexpected,
)

EA_ACTUAL = "azure_cost/EA_ActualCost_Small.csv"
EA_AMORTIZED = "azure_cost/EA_AmortizedCost_Small.csv"
EA_NO_ROWS = "azure_cost/EA_NoRows.csv"
ENTERPRISE = "azure_cost/opencost_Enterprise.csv"
PARTNER = "azure_cost/opencost_EnterpriseCamel.csv"
PAYG = "azure_cost/opencost_PayAsYouGo.csv"
GCP_ROW = "gcp_billing/emissionLabeler_gcp_billing_record.json"
AZURE_FILES = (EA_ACTUAL, EA_AMORTIZED, ENTERPRISE, PARTNER, PAYG)
USABLE = (*AZURE_FILES, GCP_ROW)


def azure_rows(rel: str) -> list[dict[str, str]]:
    with open(REAL / rel, encoding="utf-8-sig", newline="") as fh:
        return [{k.lower(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


MONEY_SCALE = Decimal("0.0000000001")  # raw money columns are decimal(38, 10)


def money(text: str) -> Decimal:
    """A file's amount as the raw table stores it: ten decimals, half away from zero (DuckDB's
    decimal cast; Microsoft writes up to 16 decimals, e.g. 0.0041780821917808)."""
    return Decimal(text).quantize(MONEY_SCALE, rounding=ROUND_HALF_UP)


def azure_billed(row: dict[str, str]) -> Decimal:
    """BilledCost of one row: the cost in billing currency (Cost / CostInBillingCurrency /
    PreTaxCost), 0 for commitment-covered usage and Unused* rows (billed on the purchase)."""
    cost = money(next(row[c] for c in ("costinbillingcurrency", "cost", "pretaxcost") if c in row))
    charge_type = row.get("chargetype", "Usage").lower()  # legacy pay-as-you-go rows are all usage
    model = row.get("pricingmodel", "").lower()
    if charge_type in ("unusedreservation", "unusedsavingsplan") or (charge_type == "usage" and model in ("reservation", "savingsplan")):
        return Decimal(0)
    return cost


def gcp_record() -> dict:
    return json.loads((REAL / GCP_ROW).read_text(), parse_float=Decimal)


def expected(rel: str) -> tuple[int, Decimal]:
    """(raw rows, billed cost) of a file, from the file."""
    if rel == GCP_ROW:
        rec = gcp_record()
        credits = rec.get("credits") or []
        # one cost row plus one row per credit; GCP invoices cost + credits
        return 1 + len(credits), money(str(rec["cost"])) + sum((money(str(c["amount"])) for c in credits), Decimal(0))
    rows = azure_rows(rel)
    return len(rows), sum((azure_billed(r) for r in rows), Decimal(0))


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("azgcp")
    warehouse, _ = run_real(tmp, *USABLE)
    return warehouse, tmp


def test_the_files_have_what_the_assertions_need():
    # never pass on empty inputs: every usable file has rows and a known billed total
    for rel in USABLE:
        rows, _ = expected(rel)
        assert rows > 0, rel
    # per-row storage at ten decimals moves a file's total by less than half a unit per row
    raw = sum((Decimal(r["cost"]) for r in azure_rows(EA_ACTUAL) if azure_billed(r)), Decimal(0))
    assert abs(expected(EA_ACTUAL)[1] - raw) <= MONEY_SCALE / 2 * len(azure_rows(EA_ACTUAL))
    assert expected(GCP_ROW) == (1, Decimal("0.012434"))
    assert azure_rows(EA_NO_ROWS) == []


def test_every_real_file_loads_conserved_and_charged_back(real_run):
    warehouse, _ = real_run
    for rel in USABLE:
        rows, billed = expected(rel)
        assert_file_conserved(warehouse, rel, rows, billed)
    assert_completed(warehouse)


def test_layouts_and_billing_accounts(real_run):
    warehouse, _ = real_run
    got = dict(query(warehouse, """
        select x_source_file, BillingAccountId || '|' || BillingAccountType || '|' || SubAccountId || '|' || ChargeCategory
        from marts.focus_costs where x_source_file in (?, ?, ?)""", [ENTERPRISE, PARTNER, PAYG]))
    ent, partner, payg = azure_rows(ENTERPRISE)[0], azure_rows(PARTNER)[0], azure_rows(PAYG)[0]
    assert got[ENTERPRISE] == f"{ent['billingaccountid']}|Billing Account|{ent['subscriptionid']}|Usage"
    # partner file without billingAccountId / billingProfileId / partnerTenantId: the customer tenant
    assert "billingaccountid" not in partner and "billingprofileid" not in partner
    assert got[PARTNER] == f"{partner['customertenantid']}|Partner Customer|{partner['subscriptionid']}|Usage"
    # legacy pay-as-you-go: the subscription is billed on its own; no ChargeType means Usage
    assert got[PAYG] == f"{payg['subscriptionguid']}|Subscription|{payg['subscriptionguid']}|Usage"
    # PreTaxCost = ResourceRate x UsageQuantity in the file: list and contracted cost follow
    cost = query(warehouse, "select BilledCost, ListCost, ContractedCost, PricingQuantity from marts.focus_costs where x_source_file = ?", [PAYG])
    assert cost == [(Decimal(payg["pretaxcost"]), Decimal(payg["resourcerate"]) * Decimal(payg["usagequantity"]),
                     Decimal(payg["resourcerate"]) * Decimal(payg["usagequantity"]), Decimal(payg["usagequantity"]))]


def test_tags_where_the_file_has_tags(real_run):
    warehouse, _ = real_run
    for rel in AZURE_FILES:
        tagged = sum(1 for r in azure_rows(rel) if r.get("tags"))
        got = query(warehouse, "select count(*) from marts.focus_costs where x_source_file = ? and Tags is not null", [rel])[0][0]
        assert got == tagged, rel
    # a tag of the partner file (JSON with braces) and of the EA header set (no braces)
    partner_tags = json.loads(azure_rows(PARTNER)[0]["tags"])
    got = query(warehouse, "select Tags from marts.focus_costs where x_source_file = ?", [PARTNER])[0][0]
    assert json.loads(got)["ClusterId"] == partner_tags["ClusterId"]
    got = query(warehouse, "select Tags from marts.focus_costs where x_source_file = ?", [ENTERPRISE])[0][0]
    assert json.loads(got)["poolName"] == "defaultpool"
    # GCP: labels[] is empty in this row, so Tags is null
    assert gcp_record()["labels"] == []


def test_every_service_is_known(real_run):
    warehouse, _ = real_run
    other = query(warehouse, """
        select x_source_file, ServiceName, count(*) from marts.focus_costs
        where ServiceCategory = 'Other' or ServiceSubcategory like 'Other (%' group by all""")
    assert other == []
    assert query(warehouse, "select count(*) from marts.focus_costs")[0][0] == sum(expected(r)[0] for r in USABLE)


def test_amortized_prices_match_costs_at_provider_precision(real_run):
    # Microsoft's 10-decimal costs: price x quantity differs from ListCost below half a unit of
    # the 10th decimal, and the dbt test compares at that precision (the run completing shows it)
    warehouse, _ = real_run
    diffs = query(warehouse, """
        select max(abs(ListUnitPrice * PricingQuantity - ListCost)), count(*) filter (where ListUnitPrice * PricingQuantity <> ListCost)
        from marts.focus_costs where x_source_file = ? and ListUnitPrice is not null""", [EA_AMORTIZED])[0]
    assert diffs[1] > 0 and diffs[0] <= Decimal("0.00000000005")


def test_header_only_export_is_quarantined_and_the_run_completes(tmp_path):
    warehouse, _ = run_real(tmp_path, EA_NO_ROWS)
    assert quarantine_reason(warehouse, EA_NO_ROWS) == "file has no data rows"
    assert query(warehouse, "select count(*) from marts.focus_costs")[0][0] == 0
    assert_completed(warehouse)


@pytest.mark.validator
def test_validator_on_real_azure_and_gcp_rows(real_run):
    warehouse, tmp = real_run
    assert validator_unexpected(warehouse, tmp, "x_source in ('azure_cost', 'gcp_billing')") == {}


# --- CSV reading: what Python's csv module reads as well-formed loads; malformed names the line


def _crlf_last_lf(data: bytes) -> bytes:
    lines = data.replace(b"\r\n", b"\n").rstrip(b"\n").split(b"\n")
    return b"\r\n".join(lines) + b"\n"


@pytest.mark.parametrize("rel", [PAYG, PARTNER, EA_ACTUAL])
def test_mixed_line_endings_load(tmp_path, rel):
    # a real export with CRLF line ends except the last line (LF): on the small files DuckDB's
    # sniffer rejects it ("Error when sniffing file"); every one loads with the file's rows and cost
    target = tmp_path / "mixed.csv"
    target.write_bytes(_crlf_last_lf((REAL / rel).read_bytes()))
    rows = azure_rows(rel)
    conn = duckdb.connect()
    if rel == PAYG:
        assert csv_options(conn, target) != CSV_STRICT
    azure_cost.stage(conn, target)
    got = conn.execute(f"select count(*), sum({azure_cost.BILLED_COST_SQL}) from _incoming").fetchone()
    assert got == (len(rows), sum((azure_billed(r) for r in rows), Decimal(0)))


def test_small_mixed_file_reads_every_field(tmp_path):
    target = tmp_path / "m.csv"
    target.write_bytes(b'a,b,c\r\n1,"x\r\ny",3\r\n4,5,6\n')
    conn = duckdb.connect()
    opts = csv_options(conn, target)
    assert conn.execute(f"select * from read_csv('{target}', {opts})").fetchall() == [("1", "x\r\ny", "3"), ("4", "5", "6")]


def test_short_row_names_the_line(tmp_path):
    target = tmp_path / "short.csv"
    target.write_bytes(b"a,b,c\n1,2,3\n4,5\n7,8,9\n")
    with pytest.raises(IngestError, match=r"line 3: 2 field\(s\), header has 3"):
        csv_options(duckdb.connect(), target)


def test_short_row_in_a_real_export_names_the_line(tmp_path):
    lines = (REAL / EA_ACTUAL).read_bytes().split(b"\n")
    header_fields = len(next(csv.reader([lines[0].decode("utf-8-sig")])))
    lines[6] = b"only,three,fields\r"  # line 7 of the file
    target = tmp_path / "short_ea.csv"
    target.write_bytes(b"\n".join(lines))
    with pytest.raises(IngestError, match=rf"line 7: 3 field\(s\), header has {header_fields}"):
        azure_cost.stage(duckdb.connect(), target)


def test_gcp_json_forms_load(tmp_path):
    # the real pretty-printed row, the same row as a JSON array and as newline-delimited JSON
    from dagster_project.ingest import gcp_billing

    rec = json.loads((REAL / GCP_ROW).read_text())
    forms = {
        "pretty.json": (REAL / GCP_ROW).read_text(),
        "array.json": json.dumps([rec, rec], indent=2),
        "rows.jsonl": json.dumps(rec) + "\n" + json.dumps(rec) + "\n",
    }
    for name, text in forms.items():
        path = tmp_path / name
        path.write_text(text)
        conn = duckdb.connect()
        gcp_billing.stage(conn, path)
        n = 1 if name == "pretty.json" else 2
        assert conn.execute("select count(*), sum(cost), any_value(service_id) from _incoming").fetchone() == (
            n, Decimal("0.012434") * n, rec["service"]["id"]), name
