"""FOCUS 1.3: a provider's 1.3 export loads and conserves; a shared charge becomes allocated rows
(Allocated* columns) that sum to it; a commitment-covered charge carries ContractApplied; the
chargeback is the allocated mart's aggregate; the commitment mart states the commitment.

One hand-written FOCUS 1.3 export (tests/fixtures/focus_1_3/focus-1-3-export.csv, values after the
spec's examples): on 2026-10-05 three tenants each have 1.00 of EC2 and a NAT gateway tagged
tenant=shared costs 10.00; on 2026-10-06 a Compute Savings Plan covers 0.70 of payments' EC2. The
file names its provider only in ServiceProviderName (ProviderName is deprecated in 1.3) and has a
column no FOCUS version here knows (FutureColumn14, as a 1.4 export could), which is not read.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import D, query, run_pipeline

FIXTURE = Path(__file__).parent / "fixtures" / "focus_1_3" / "focus-1-3-export.csv"
LANDED = "focus/aws-focus-1-3/data/BILLING_PERIOD=2026-10/20261101T0300Z/focus-1-3-export.csv"
NAT = "arn:aws:ec2:us-east-1:444455556666:natgateway/nat-0shared"
SAVINGS_PLAN = "arn:aws:savingsplans::111122223333:savingsplan/sp-0compute"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("focus13")
    landing, warehouse = root / "landing", root / "warehouse" / "finops.duckdb"
    target = landing / LANDED
    target.parent.mkdir(parents=True)
    shutil.copy(FIXTURE, target)
    proc = run_pipeline(landing, warehouse)
    return {"warehouse": warehouse, "run": proc}


def test_a_1_3_export_loads_as_1_3_and_conserves(built):
    wh = built["warehouse"]
    [(status, rows, version)] = query(wh, "select f.status, f.rows, min(r.x_focus_version) from ops.ingest_files f "
                                          "join raw.focus_export_rows r on r._file_id = f.file_id group by 1, 2")
    assert (status, rows, version) == ("loaded", 5, "1.3")
    assert "futurecolumn14" not in {r[0].lower() for r in query(wh, "describe raw.focus_export_rows")}
    # billed 1 + 1 + 1 + 10 + 0 = 13.00; effective 13.00 + 0.70 (the plan's amortized cost) = 13.70
    [(n, billed, effective)] = query(wh, "select count(*), sum(BilledCost), sum(EffectiveCost) from marts.focus_costs")
    assert (n, billed, effective) == (5, D("13.00"), D("13.70"))
    # ProviderName (kept for 1.2 readers) comes from ServiceProviderName when the file lacks it
    assert query(wh, "select distinct ProviderName, PublisherName, ServiceProviderName, HostProviderName, InvoiceIssuerName "
                     "from marts.focus_costs") == [("AWS", "AWS", "AWS", "AWS", "AWS")]


def test_shared_nat_is_three_allocated_rows_that_sum_to_it(built):
    rows = query(built["warehouse"], """
        select x_tenant, EffectiveCost, BilledCost, AllocatedMethodId, AllocatedMethodDetails, AllocatedResourceId,
               AllocatedResourceName, AllocatedTags, ResourceId, Tags, x_chargeback_amount
        from marts.focus_costs_allocated where ResourceId = $1 order by x_tenant""", [NAT])
    # 10.00 by variable cost 1.00 : 1.00 : 1.00 -> 1000 cents / 3 = 333 each, 1 cent left; the
    # remainders tie, so it goes to the first tenant by name: 3.34 / 3.33 / 3.33 (sum 10.00)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("analytics", D("3.34"), D("3.34")), ("payments", D("3.33"), D("3.33")), ("search", D("3.33"), D("3.33"))]
    assert sum(r[1] for r in rows) == D("10.00")
    for tenant, _, _, method, details, res_id, res_name, tags, resource, origin_tags, _chargeback in rows:
        assert (method, res_id, res_name, resource) == ("shared_tag", f"tenant/{tenant}", tenant, NAT)
        assert json.loads(tags) == {"finops/tenant": tenant}
        assert json.loads(origin_tags) == {"tenant": "shared"}  # the origin's tags are kept
        details = json.loads(details)
        # each tenant's share is 1/3, truncated to 10 decimals; the driver value is its 1.00
        assert details["Elements"] == [{"AllocatedRatio": 0.3333333333, "UsageUnit": "variable_cost", "UsageQuantity": 1.0}]
        assert (details["x_Rule"], details["x_Pool"]) == ("shared_tag", "shared_platform")
    # in USD the chargeback amount of each part is the part itself
    assert [r[10] for r in rows] == [D("3.34"), D("3.33"), D("3.33")]


def test_variable_rows_are_one_unallocated_part(built):
    rows = query(built["warehouse"], """
        select x_tenant, EffectiveCost, x_is_split, AllocatedMethodId, AllocatedTags from marts.focus_costs_allocated
        where x_charge_date = date '2026-10-05' and ResourceId <> $1 order by x_tenant""", [NAT])
    assert rows == [("analytics", D("1.00"), False, None, None), ("payments", D("1.00"), False, None, None),
                    ("search", D("1.00"), False, None, None)]


def test_savings_plan_covered_charge_carries_contract_applied(built):
    [(applied, effective)] = query(built["warehouse"], "select ContractApplied, EffectiveCost from marts.focus_costs "
                                                       "where CommitmentDiscountId is not null")
    assert json.loads(applied) == {"Elements": [{
        "ContractId": SAVINGS_PLAN, "ContractCommitmentId": SAVINGS_PLAN, "ContractCommitmentAppliedCost": 0.7,
        "ContractCommitmentAppliedQuantity": 0.7, "ContractCommitmentAppliedUnit": "USD"}]}
    assert effective == D("0.70")
    # charges no commitment covered have none
    assert query(built["warehouse"], "select count(*) from marts.focus_costs where ContractApplied is null") == [(4,)]


def test_chargeback_is_the_allocated_marts_aggregate(built):
    wh = built["warehouse"]
    # 2026-10-05: each tenant's 1.00 plus its NAT part; 2026-10-06: payments' 0.70 covered by the plan
    expected = [("2026-10-05", "analytics", D("4.34")), ("2026-10-05", "payments", D("4.33")),
                ("2026-10-05", "search", D("4.33")), ("2026-10-06", "payments", D("0.70"))]
    chargeback = query(wh, "select cast(charge_date as varchar), tenant, total_cost from marts.fct_chargeback_daily "
                           "order by 1, 2")
    allocated = query(wh, "select cast(x_charge_date as varchar), x_tenant, sum(x_chargeback_amount) "
                          "from marts.focus_costs_allocated group by 1, 2 order by 1, 2")
    assert chargeback == expected
    assert allocated == expected


@pytest.fixture(scope="module")
def cur_built(tmp_path_factory):
    """The hand-written CUR 2.0 file of test_aws_cur (a savings plan and an RI with their fees)."""
    from tests.test_aws_cur import write_cur_csv

    root = tmp_path_factory.mktemp("focus13cur")
    landing, warehouse = root / "landing", root / "w.duckdb"
    write_cur_csv(landing / "aws_cur" / "hand" / "data" / "BILLING_PERIOD=2026-10" / "hand-00001.csv")
    run_pipeline(landing, warehouse)
    return warehouse


def test_commitment_mart_states_the_curs_commitments(cur_built):
    from tests.test_aws_cur import RI, SP

    rows = query(cur_built, """
        select ContractCommitmentId, ContractId, ContractCommitmentCategory, ContractCommitmentType, BillingCurrency,
               ContractCommitmentCost, x_used_cost, x_unused_cost, x_purchase_billed_cost,
               cast(ContractCommitmentPeriodStart as varchar), cast(ContractCommitmentPeriodEnd as varchar)
        from marts.focus_contract_commitments order by ContractCommitmentId""")
    period = ("2026-10-05 00:00:00", "2026-10-05 01:00:00")
    assert rows == [
        # RI: DiscountedUsage reservation_effective_cost 0.7560 + RIFee unused recurring fee 0.2520 = 1.0080,
        # the RIFee line's unblended cost (the RI's amortized fee for the hour)
        (RI, RI, "Usage", "Reserved Instance", "USD", D("1.0080"), D("0.7560"), D("0.2520"), D("0"), *period),
        # SP: SavingsPlanRecurringFee savings_plan_total_commitment_to_date 1.16 = used 0.58 (the covered
        # usage's savings_plan_effective_cost; the negation adds 0) + unused 1.16 - 0.58 = 0.58;
        # the 12.00 upfront fee is its purchase
        (SP, SP, "Spend", "Savings Plan", "USD", D("1.16"), D("0.58"), D("0.58"), D("12.00"), *period),
    ]


def test_covered_cur_charges_point_at_their_commitment(cur_built):
    from tests.test_aws_cur import SP

    rows = query(cur_built, """
        select x_line_item_type, ContractApplied, EffectiveCost from marts.focus_costs
        where CommitmentDiscountId = $1 and ContractApplied is not null order by x_line_item_type""", [SP])
    # covered usage (0.58), its negation (0) and the recurring fee's unused part (0.58); the upfront
    # fee (a Purchase) is not a charge the commitment covered
    assert [r[0] for r in rows] == ["SavingsPlanCoveredUsage", "SavingsPlanNegation", "SavingsPlanRecurringFee"]
    for _, applied, effective in rows:
        [element] = json.loads(applied)["Elements"]
        assert (element["ContractCommitmentId"], D(str(element["ContractCommitmentAppliedCost"]))) == (SP, effective)
