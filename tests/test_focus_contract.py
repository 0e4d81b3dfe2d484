"""The FOCUS contract is written once, in seeds/focus/ (dagster_project/focus_contract.py), and
every other place agrees with it: the generated column macro, the FOCUS ingest, the GX suite,
the unknown line item type check, the marts yml (columns, accepted values, not-null list), the
column docs, and each mapping's ChargeCategory CASE. Pure file reads and DuckDB in memory: no
pipeline run. The agreement checks return their disagreements, so each is also tested on a
copy with one column removed."""

from __future__ import annotations

import csv
import re

import duckdb
import yaml

from dagster_project import focus_contract
from dagster_project.checks import gx_suites, schema_drift
from dagster_project.ingest import focus as focus_ingest
from tests.helpers import REPO

DBT = REPO / "dbt_project"
MARTS_YML = DBT / "models" / "marts" / "focus" / "_focus__models.yml"
COLUMN_DOCS = DBT / "models" / "docs" / "focus_columns.md"
SPEC_1_2 = REPO / "docs" / "reference" / "focus_1_2_columns.csv"
MAPPINGS = DBT / "models" / "intermediate" / "focus"

NEW_IN_1_3 = ["AllocatedMethodDetails", "AllocatedMethodId", "AllocatedResourceId", "AllocatedResourceName",
              "AllocatedTags", "ContractApplied", "HostProviderName", "ServiceProviderName"]
SERVICE_CATEGORIES = [
    "AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases", "Developer Tools",
    "Multicloud", "Identity", "Integration", "Internet of Things", "Management and Governance", "Media",
    "Migration", "Mobile", "Networking", "Security", "Storage", "Web", "Other",
]


def by_name() -> dict[str, focus_contract.FocusColumn]:
    return {c.name: c for c in focus_contract.columns()}


# --- the seed itself, against the FOCUS 1.2 reference and the 1.3 digest (docs/focus_1_3.md)

def test_the_seed_has_the_57_focus_1_2_columns_and_the_8_that_1_3_added():
    cols = focus_contract.columns()
    names = [c.name for c in cols]
    assert len(cols) == 65 and names == sorted(names)
    with SPEC_1_2.open(newline="") as f:
        spec = {r["ColumnId"]: r for r in csv.DictReader(f)}
    assert [c.name for c in cols if c.introduced != "1.3"] == sorted(spec)
    assert [c.name for c in cols if c.introduced == "1.3"] == NEW_IN_1_3
    levels = [c.feature_level for c in cols if c.introduced != "1.3"]
    assert (levels.count("Mandatory"), levels.count("Recommended"), levels.count("Conditional")) == (21, 4, 32)
    for c in cols:
        if c.introduced == "1.3":
            continue
        assert c.feature_level == spec[c.name]["FeatureLevel"], c.name
        assert c.introduced == spec[c.name]["Introduced"], c.name
        assert {"money": "Decimal", "quantity": "Decimal", "string": "String", "json": "JSON",
                "timestamp": "Date/Time"}[c.data_type] == spec[c.name]["DataType"], c.name
    # nullable as we apply it: the spec's AllowsNulls but for two columns (seed yml says why)
    differs = sorted(c.name for c in cols if c.introduced != "1.3" and c.nullable != (spec[c.name]["AllowsNulls"] == "True"))
    assert differs == ["BillingAccountType", "ServiceSubcategory"]


def test_the_seed_values():
    cols = by_name()
    assert [n for n, c in cols.items() if c.deprecated] == ["ProviderName", "PublisherName"]
    assert cols["ProviderName"].deprecated == "1.3" and not cols["ProviderName"].nullable
    assert [n for n, c in cols.items() if c.data_type == "json"] == [
        "AllocatedMethodDetails", "AllocatedTags", "ContractApplied", "SkuPriceDetails", "Tags"]
    assert [n for n, c in cols.items() if c.data_type == "quantity"] == [
        "CommitmentDiscountQuantity", "ConsumedQuantity", "PricingQuantity"]
    assert len([c for c in cols.values() if c.data_type == "money"]) == 9
    assert [n for n, c in cols.items() if c.data_type == "timestamp"] == [
        "BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart"]
    assert focus_contract.not_null_columns() == (
        "BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory",
        "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "ContractedCost", "EffectiveCost", "HostProviderName",
        "InvoiceIssuerName", "ListCost", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName",
        "ServiceProviderName")
    assert focus_contract.allowed_values() == {
        "CapacityReservationStatus": ("Used", "Unused"),
        "ChargeCategory": ("Usage", "Purchase", "Tax", "Credit", "Adjustment"),
        "ChargeClass": ("Correction",),
        "ChargeFrequency": ("One-Time", "Recurring", "Usage-Based"),
        "CommitmentDiscountCategory": ("Spend", "Usage"),
        "CommitmentDiscountStatus": ("Used", "Unused"),
        "PricingCategory": ("Standard", "Dynamic", "Committed", "Other"),
        "ServiceCategory": tuple(SERVICE_CATEGORIES),
    }
    assert cols["ChargeClass"].version == "1.0" and cols["Tags"].version == "1.0"  # 1.0-preview
    assert cols["SkuMeter"].version == "1.1" and cols["InvoiceId"].version == "1.2"


# --- the generated macro

MACRO_ENTRY = re.compile(r"\('(\w+)', (\w+)\)")


def macro_disagreements(text: str) -> list[str]:
    """Read the macro file on its own (not through the generator) and compare it with the seed."""
    body = text.split("macro focus_columns()")[1].split("endmacro")[0]
    listed = MACRO_ENTRY.findall(body)
    want = [(c.name, {"string": "text", "json": "text", "timestamp": "ts", "money": "money", "quantity": "qty"}[c.data_type])
            for c in focus_contract.columns()]
    out = [f"focus_columns(): {x}" for x in sorted(set(want) - set(listed))]
    out += [f"focus_columns() has {x}, the seed does not" for x in sorted(set(listed) - set(want))]
    if not out and listed != want:
        out.append("focus_columns(): the order differs from the seed's")
    new = re.findall(r"'(\w+)'", text.split("macro focus_1_3_columns()")[1].split("endmacro")[0])
    if new != [c.name for c in focus_contract.columns() if c.introduced == "1.3"]:
        out.append(f"focus_1_3_columns() lists {new}")
    return out


def test_the_macro_file_is_the_one_generated_from_the_seed():
    text = focus_contract.MACRO_FILE.read_text()
    assert text == focus_contract.macro_sql(), "run: python -m dagster_project.focus_contract"
    assert macro_disagreements(text) == []
    assert len(MACRO_ENTRY.findall(text)) == 65
    assert "('ConsumedQuantity', qty)" in text and "('BilledCost', money)" in text and "('Tags', text)" in text


def test_a_column_missing_from_the_macro_is_caught():
    text = focus_contract.MACRO_FILE.read_text().replace("        ('ChargeClass', text),\n", "")
    assert macro_disagreements(text) == ["focus_columns(): ('ChargeClass', 'text')"]
    assert focus_contract.main(["x", "--check"]) == 0


# --- Python consumers read the seed

def test_the_focus_ingest_reads_the_seed():
    # the raw table: the 1.2 columns in the seed's order, then the 1.3 ones (an older table only gains columns)
    names = focus_contract.column_names()
    assert [n for n, _, _ in focus_ingest.ALL_COLUMNS] == [n for n in names if n not in NEW_IN_1_3] + NEW_IN_1_3
    assert [n for n, _, _ in focus_ingest.FOCUS_1_3_COLUMNS] == NEW_IN_1_3
    types = {n: t for n, t, _ in focus_ingest.ALL_COLUMNS}
    assert (types["BilledCost"], types["PricingQuantity"], types["ChargePeriodStart"], types["Tags"]) == (
        "decimal(38, 10)", "decimal(38, 10)", "timestamp", "varchar")
    assert focus_ingest.COLUMNS[-1] == ("x_focus_version", "varchar") and len(focus_ingest.COLUMNS) == 66
    assert focus_ingest.JSON_COLUMNS == ("AllocatedMethodDetails", "AllocatedTags", "ContractApplied", "SkuPriceDetails", "Tags")
    versions = {n: v for n, _, v in focus_ingest.ALL_COLUMNS}
    assert (versions["BillingAccountType"], versions["SkuMeter"], versions["ChargeDescription"], versions["HostProviderName"]) == (
        "1.2", "1.1", "1.0", "1.3")
    # the ingest's quarantine rules are a subset of the contract
    mandatory = {c.name for c in focus_contract.columns() if c.feature_level == "Mandatory"}
    assert set(focus_ingest.REQUIRED) <= mandatory
    assert set(focus_ingest.NOT_NULL) <= set(focus_contract.not_null_columns())
    assert focus_ingest.detect_version({"BilledCost", "ContractApplied"}) == "1.3"
    assert focus_ingest.detect_version({"BilledCost", "SkuMeter"}) == "1.1"


def test_the_gx_suite_reads_the_seed():
    focus_not_null = [c for c in gx_suites.FOCUS_NOT_NULL if not c.startswith("x_")]
    assert tuple(focus_not_null) == focus_contract.not_null_columns() and len(focus_not_null) == 19
    accepted = {c: v for c, v in gx_suites.FOCUS_ACCEPTED.items() if not c.startswith("x_")}
    assert accepted == focus_contract.allowed_values()
    assert gx_suites.FOCUS_ACCEPTED["CapacityReservationStatus"] == ("Used", "Unused")
    assert set(gx_suites.FOCUS_COLUMNS) >= set(focus_not_null) | set(accepted)


def test_the_unknown_line_item_type_check_reads_the_seed():
    known = schema_drift.KNOWN_LINE_ITEM_TYPES
    assert known == focus_contract.known_line_item_types()
    assert sum(len(v) for v in known.values()) == 55
    assert {s: len(v) for s, v in known.items()} == {
        "aws_cur": 16, "azure_cost": 7, "focus": 5, "gcp_billing": 13, "openai_usage": 3, "anthropic_usage": 3,
        "litellm_spend": 3, "selfhosted_llm": 3, "openai_costs": 1, "anthropic_costs": 1}
    assert known["focus"] == frozenset(focus_contract.allowed_values()["ChargeCategory"])
    assert schema_drift.unknown_types([("aws_cur", "savingsplancoveredusage"), ("aws_cur", "MarketplaceFee"),
                                       ("gcp_billing", "FREE_TIER"), ("not_judged", "x")]) == [("aws_cur", "MarketplaceFee")]


# --- the marts yml and the column docs (must stay literal for dbt)

def yml_disagreements(doc: dict) -> list[str]:
    models = {m["name"]: m for m in doc["models"]}
    names = list(focus_contract.column_names())
    out = []
    for model in ("focus_costs", "focus_costs_allocated"):
        documented = [c["name"] for c in models[model]["columns"] if not c["name"].startswith("x_")]
        out += [f"{model}: {n} not documented" for n in names if n not in documented]
        out += [f"{model}: {n} documented, not in the seed" for n in documented if n not in names]
        if documented != names and set(documented) == set(names):
            out.append(f"{model}: FOCUS columns not in the seed's order")
    accepted = {}
    for col in models["focus_costs"]["columns"]:
        for test in col.get("data_tests") or []:
            if isinstance(test, dict) and "accepted_values" in test and not col["name"].startswith("x_"):
                accepted[col["name"]] = tuple(test["accepted_values"]["arguments"]["values"])
    want = focus_contract.allowed_values()
    out += [f"focus_costs: {c} accepted_values {accepted.get(c)} vs the seed's {v}" for c, v in want.items() if accepted.get(c) != v]
    out += [f"focus_costs: {c} has accepted_values, the seed none" for c in accepted if c not in want]
    not_null = next(t["not_null_columns"]["arguments"]["columns"] for t in models["focus_costs"]["data_tests"]
                    if isinstance(t, dict) and "not_null_columns" in t)
    focus_not_null = sorted(c for c in not_null if not c.startswith("x_"))
    if focus_not_null != sorted(focus_contract.not_null_columns()):
        out.append(f"focus_costs: not_null_columns {focus_not_null} vs the seed's not-null columns")
    return out


def test_the_marts_yml_agrees_with_the_seed():
    doc = yaml.safe_load(MARTS_YML.read_text())
    assert yml_disagreements(doc) == []
    focus_costs = next(m for m in doc["models"] if m["name"] == "focus_costs")
    assert len([c for c in focus_costs["columns"] if not c["name"].startswith("x_")]) == 65


def test_a_column_missing_from_the_marts_yml_is_caught():
    doc = yaml.safe_load(MARTS_YML.read_text())
    focus_costs = next(m for m in doc["models"] if m["name"] == "focus_costs")
    focus_costs["columns"] = [c for c in focus_costs["columns"] if c["name"] != "ChargeClass"]
    assert yml_disagreements(doc) == [
        "focus_costs: ChargeClass not documented",
        "focus_costs: ChargeClass accepted_values None vs the seed's ('Correction',)",
    ]


def test_every_seed_column_has_a_doc_block_and_every_focus_doc_block_is_a_seed_column():
    blocks = re.findall(r"{%\s*docs\s+focus__(\w+)\s*%}", COLUMN_DOCS.read_text())
    focus_blocks = [b for b in blocks if not b.startswith("x_")]
    assert sorted(focus_blocks) == sorted(focus_contract.column_names()) and len(focus_blocks) == 65


def test_the_line_item_seed_yml_lists_the_charge_categories():
    doc = yaml.safe_load((focus_contract.SEED_DIR / "_focus__seeds.yml").read_text())
    seed = next(s for s in doc["seeds"] if s["name"] == "focus_line_item_types")
    col = next(c for c in seed["columns"] if c["name"] == "charge_category")
    assert tuple(col["data_tests"][0]["accepted_values"]["arguments"]["values"]) == focus_contract.allowed_values()["ChargeCategory"]
    assert set(seed["config"]["column_types"]) == set(next(csv.reader(focus_contract.LINE_ITEM_TYPES_CSV.open())))


# --- each mapping's CASE maps the seed's types as the seed says, and knows no type the seed lacks

def _case(sql_file: str, alias: str) -> str:
    sql = (MAPPINGS / sql_file).read_text()
    sql = re.sub(r"--[^\n]*", "", sql)
    match = re.search(r"(case\s+when(?:(?!\bend\b).)*?\bend)\s+as\s+" + alias + r"\b", sql, flags=re.DOTALL | re.IGNORECASE)
    assert match, f"{sql_file}: no CASE ... end as {alias}"
    return match.group(1)


def _mapped(sql_file: str, rows: list[tuple], columns: str) -> dict[str, tuple[str, str | None]]:
    category, charge_class = _case(sql_file, "charge_category"), _case(sql_file, "charge_class")
    values = ", ".join("(" + ", ".join(repr(v) if isinstance(v, str) else str(v).lower() for v in r) + ")" for r in rows)
    with duckdb.connect() as conn:
        got = conn.execute(f"select {columns.split(',')[0]}, {category}, {charge_class} from (values {values}) t({columns})").fetchall()
    return {r[0]: (r[1], r[2]) for r in got}


def _seed(source: str) -> dict[str, tuple[str, str | None]]:
    return {t.line_item_type: (t.charge_category, t.charge_class) for t in focus_contract.line_item_types() if t.source == source}


def _literals(sql_file: str, alias: str) -> set[str]:
    """The quoted values the CASE's conditions name (not the values it returns)."""
    conditions = re.findall(r"\bwhen\s+(.*?)\s+then\b", _case(sql_file, alias), flags=re.DOTALL | re.IGNORECASE)
    return {v for cond in conditions for v in re.findall(r"'([^']*)'", cond)}


def test_the_aws_case_maps_the_seed_types():
    seed = _seed("aws_cur")
    got = _mapped("aws/int_aws_charges_mapped.sql", [(t,) for t in seed], "line_item_type")
    assert got == seed
    assert got["Refund"] == ("Usage", "Correction") and got["RIFee"] == ("Usage", None) and got["EdpDiscount"] == ("Credit", None)
    # every type the CASE names is in the seed (a new type in the CASE alone fails here)
    assert _literals("aws/int_aws_charges_mapped.sql", "charge_category") == set(seed)


def test_the_azure_case_maps_the_seed_types():
    seed = _seed("azure_cost")
    rows = [(t.lower(), t.lower() in ("unusedreservation", "unusedsavingsplan")) for t in seed]
    got = _mapped("azure/int_azure_charges_mapped.sql", rows, "charge_type_key, is_commitment")
    assert got == {t.lower(): v for t, v in seed.items()}
    assert got["refund"] == ("Usage", "Correction") and got["roundingadjustment"] == ("Adjustment", None)
    assert _literals("azure/int_azure_charges_mapped.sql", "charge_category") <= {t.lower() for t in seed}


def test_the_gcp_case_maps_the_seed_types():
    seed = _seed("gcp_billing")
    cost_types = {"regular", "tax", "adjustment", "rounding_error"}
    rows = [("credit" if t not in cost_types else "cost", t) for t in seed]
    category = _case("gcp/int_gcp_charges_mapped.sql", "charge_category")
    values = ", ".join(f"('{k}', '{t}')" for k, t in rows)
    with duckdb.connect() as conn:
        got = dict(conn.execute(
            f"select cost_type, {category} from (select *, false as is_commitment_fee from (values {values}) t(row_kind, cost_type))"
        ).fetchall())
        # a regular row of a commitment fee SKU ("Commitment v1: ...") is the commitment's Purchase
        fee = conn.execute(f"select {category} from (select 'cost' as row_kind, 'regular' as cost_type, true as is_commitment_fee)").fetchone()[0]
    assert fee == "Purchase"
    assert got == {t: cat for t, (cat, _) in seed.items()}
    assert got["regular"] == "Usage" and got["FREE_TIER"] == "Credit" and got["rounding_error"] == "Adjustment"
    assert _literals("gcp/int_gcp_charges_mapped.sql", "charge_category") - {"credit"} <= set(seed)


def test_the_llm_line_kinds_are_the_ones_the_models_write():
    mapped = (MAPPINGS / "llm" / "int_llm_charges_mapped.sql").read_text()
    billed = (MAPPINGS / "llm" / "int_llm_charges_billed.sql").read_text()
    for t in focus_contract.line_item_types():
        if t.mapped_in.startswith("int_llm_"):
            text = mapped if t.mapped_in == "int_llm_charges_mapped" else billed
            assert f"'{t.line_item_type}'" in text and "'Usage' as ChargeCategory" in text, t
    assert {t.mapped_in for t in focus_contract.line_item_types()} == {
        "int_aws_charges_mapped", "int_azure_charges_mapped", "int_focus_export_charges_mapped", "int_gcp_charges_mapped",
        "int_llm_charges_mapped", "int_llm_charges_billed"}
    for model in {t.mapped_in for t in focus_contract.line_item_types()}:
        assert list(MAPPINGS.rglob(f"{model}.sql")), model
