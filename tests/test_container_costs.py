"""Container jobs (issue #23): an EC2 instance split by CUR 2.0 split cost allocation data, its
idle capacity as a common pool, and a shared cluster split by the platform job log."""

from __future__ import annotations

import json

import pytest

from tests.cur_fixtures import usage, write_cur_rows
from tests.helpers import D, query, run_pipeline, scalar

HOUR = dict(line_item_usage_start_date="2026-10-05T10:00:00Z", line_item_usage_end_date="2026-10-05T11:00:00Z")
INSTANCE = "i-0a1b2c3d4e5f60001"


def task(tenant: str, split_cost: str, ratio: str, unused_cost: str, n: int) -> dict:
    # an ECS task's vCPU row: no cost of its own (the instance row keeps it), its share in split_*
    return dict(
        HOUR, line_item_product_code="AmazonECS", line_item_operation="ECSTask-EC2",
        line_item_usage_type="USE1-ECS-EC2-vCPU-Hours", line_item_unblended_cost="0", line_item_usage_amount="0",
        line_item_resource_id=f"arn:aws:ecs:us-east-1:210987654321:task/batch/task{n}",
        resource_tags=json.dumps({"user_tenant": tenant, "aws_ecs_cluster_name": "batch"}),
        split_line_item_parent_resource_id=INSTANCE, split_line_item_split_cost=split_cost,
        split_line_item_unused_cost=unused_cost, split_line_item_split_usage_ratio=ratio,
        split_line_item_split_usage=str(D(ratio) * 16), split_line_item_actual_usage=str(D(ratio) * 16),
    )


# 2026-10-05, USD:
#   one m6i.4xlarge hour (16 vCPU), untagged, 0.768, running a payments task (vCPU ratio 0.5) and a
#   search task (0.25): used 0.768 x 0.5 = 0.384 and 0.768 x 0.25 = 0.192, idle 0.768 x 0.25 = 0.192
#   (AWS puts the idle on the tasks pro rata: 0.192 x 0.5/0.75 = 0.128 and 0.192 x 0.25/0.75 = 0.064)
#   a shared job-cluster instance (tag platform_cluster=batch-jobs) 1.00, no split data; job log:
#   payments 2 vCPU x 3,600 s = 7,200, search 1 vCPU x 1,800 s = 1,800 vCPU-s -> 0.80 / 0.20
#   analytics S3 10.00 (variable)
ROWS = [
    usage("0.768", "0.768", "1", "Hrs", None, line_item_resource_id=INSTANCE, product_instance_type="m6i.4xlarge",
          line_item_usage_type="USE1-BoxUsage:m6i.4xlarge", **HOUR),
    task("payments", "0.384", "0.5", "0.128", 1),
    task("search", "0.192", "0.25", "0.064", 2),
    usage("1.00", "1.00", "1", "Hrs", None, line_item_resource_id="i-0jobcluster0001",
          resource_tags=json.dumps({"user_platform_cluster": "batch-jobs"})),
    usage("10.00", "0.40", "25", "GB-Mo", "analytics", product="AmazonS3"),
]
JOBS = (
    "job_id,tenant,cluster,started_at,ended_at,vcpu,memory_gb\n"
    "j-1,payments,batch-jobs,2026-10-05T01:00:00Z,2026-10-05T02:00:00Z,2,8\n"
    "j-2,search,batch-jobs,2026-10-05T03:00:00Z,2026-10-05T03:30:00Z,1,4\n"
)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("containers")
    landing, warehouse = root / "landing", root / "w.duckdb"
    write_cur_rows(landing / "aws_cur" / "hand" / "data" / "BILLING_PERIOD=2026-10" / "hand.csv", ROWS)
    (landing / "platform_jobs").mkdir(parents=True)
    (landing / "platform_jobs" / "jobs-2026-10-05.csv").write_text(JOBS)
    run_pipeline(landing, warehouse)
    return {"warehouse": warehouse}


def test_instance_split_into_used_and_idle_parts_exactly(run):
    rows = query(run["warehouse"], """
        select coalesce(x_tenant, '(idle)'), x_cost_kind, x_allocation_rule, x_allocation_pool, effective_cost, parent_effective_cost
        from intermediate.int_container_instances_split order by 1""")
    assert rows == [
        ("(idle)", "common", "container_idle", "container_idle:batch", D("0.192"), D("0.768")),
        ("payments", "variable", "container_split:tag", None, D("0.384"), D("0.768")),
        ("search", "variable", "container_split:tag", None, D("0.192"), D("0.768")),
    ]


def test_focus_keeps_one_row_per_provider_charge(run):
    # 5 CUR rows -> 5 FOCUS rows; the task rows carry no cost, so nothing is counted twice
    assert scalar(run["warehouse"], "select count(*) from marts.focus_costs") == 5
    assert scalar(run["warehouse"], "select sum(EffectiveCost) from marts.focus_costs") == D("11.768")


def test_chargeback_to_the_cent(run):
    # day cells (cents, largest remainder of 10.768 -> 10.77): payments 38.4 -> 39, search 19.2 -> 19,
    #   idle pool 19.2 -> 19, job cluster pool 100, analytics 1000 (floors 1176, +1 to payments' .4)
    # idle 0.19 by used share 0.384 : 0.192 = 2 : 1 -> 12.67 / 6.33 cents -> 13 / 6
    # job cluster 1.00 by vCPU-seconds 7,200 : 1,800 -> 0.80 / 0.20
    rows = query(run["warehouse"], """
        select tenant, pool, rule_id, driver, allocated_amount from marts.fct_allocation_detail
        where cost_kind = 'common' order by pool, tenant""")
    assert rows == [
        ("payments", "cluster:batch-jobs", "cluster_batch_jobs", "job_vcpu_seconds", D("0.80")),
        ("search", "cluster:batch-jobs", "cluster_batch_jobs", "job_vcpu_seconds", D("0.20")),
        ("payments", "container_idle:batch", "container_idle", "container_used_share", D("0.13")),
        ("search", "container_idle:batch", "container_idle", "container_used_share", D("0.06")),
    ]
    totals = dict(query(run["warehouse"], "select tenant, total_cost from marts.fct_chargeback_daily"))
    # payments 0.39 + 0.13 + 0.80 = 1.32; search 0.19 + 0.06 + 0.20 = 0.45; analytics 10.00
    assert totals == {"payments": D("1.32"), "search": D("0.45"), "analytics": D("10.00")}


def test_instance_parts_are_focus_1_3_allocated_rows(run):
    # the 0.768 instance hour: used parts 0.384 (payments) and 0.192 (search) as they are, the idle
    # 0.192 again by the idle pool's used share 2 : 1 -> 0.128 / 0.064; 0.384 + 0.192 + 0.128 + 0.064
    # = 0.768. Chargeback: each part is the whole of its cell (0.39, 0.19, 0.13, 0.06 above)
    rows = query(run["warehouse"], f"""
        select x_tenant, x_cost_kind, AllocatedMethodId, x_allocation_pool, EffectiveCost, BilledCost,
               x_chargeback_amount, AllocatedResourceId
        from marts.focus_costs_allocated where ResourceId = '{INSTANCE}' order by x_cost_kind desc, x_tenant""")
    assert rows == [
        ("payments", "variable", "container_split:tag", None, D("0.384"), D("0.384"), D("0.39"), "tenant/payments"),
        ("search", "variable", "container_split:tag", None, D("0.192"), D("0.192"), D("0.19"), "tenant/search"),
        ("payments", "common", "container_idle", "container_idle:batch", D("0.128"), D("0.128"), D("0.13"), "tenant/payments"),
        ("search", "common", "container_idle", "container_idle:batch", D("0.064"), D("0.064"), D("0.06"), "tenant/search"),
    ]
    details = query(run["warehouse"], f"""
        select AllocatedMethodDetails from marts.focus_costs_allocated
        where ResourceId = '{INSTANCE}' and x_tenant = 'payments' order by x_cost_kind desc""")
    used, idle = (json.loads(r[0]) for r in details)
    # payments' used part is half the instance by split cost weights 0.384 : 0.192 : 0.192
    assert used["Elements"][0]["AllocatedRatio"] == 0.5 and used["Elements"][0]["UsageUnit"] == "container_split_cost"
    assert idle["x_Pool"] == "container_idle:batch" and idle["Elements"][0]["UsageUnit"] == "container_used_share"
    assert scalar(run["warehouse"], "select sum(x_chargeback_amount) from marts.focus_costs_allocated") == D("11.77")


def test_day_balances_to_zero(run):
    assert query(run["warehouse"], "select platform_cost, charged_back, balance from marts.fct_platform_balance_daily") == [
        (D("11.77"), D("11.77"), D("0"))]


def test_job_log_days(run):
    rows = query(run["warehouse"], "select cluster, tenant, vcpu_seconds from intermediate.int_platform_jobs_daily order by tenant")
    assert rows == [("batch-jobs", "payments", D("7200")), ("batch-jobs", "search", D("1800"))]


def test_conservation_check_passes_and_is_recorded(run):
    rows = query(run["warehouse"], "select passed, message from ops.check_results where check_name = 'container_split_conservation'")
    assert rows and all(r[0] for r in rows), rows
    assert "1 instance-day(s)" in rows[-1][1]


def test_conservation_findings_name_a_double_count_and_a_gap():
    from dagster_project.checks.containers import findings

    # parts 0.768 = instance 0.768 but AWS's split + unused only 0.70: 0.068 apart (> a cent)
    days = [("i-1", "2026-10-05", "USD", D("0.768"), D("0.768"), D("0.70")),
            ("i-2", "2026-10-05", "USD", D("1.00"), D("0.99"), D("1.00"))]
    problems = findings(days, (2, D("0.5")))
    assert len(problems) == 3
    assert "i-1" in problems[0] and "more than a cent" in problems[0]
    assert "i-2: allocated parts 0.99" in problems[1]
    assert "counted twice" in problems[2]
    assert findings([("i-1", "2026-10-05", "USD", D("0.768"), D("0.768"), D("0.7681"))], (0, D("0"))) == []


def _gke_row(namespace: str, cost: float) -> dict:
    # a GKE node's hour as GKE cost allocation exports it: one row per namespace (and the
    # unrequested capacity, kube:unallocated), the rows summing to the node's cost
    return {
        "billing_account_id": "0A1B2C-3D4E5F-6A7B8C",
        "service": {"id": "6F81-5844-456A", "description": "Compute Engine"},
        "sku": {"id": "CP-N2-CORE", "description": "N2 Instance Core running in Americas"},
        "usage_start_time": "2026-10-05 10:00:00 UTC", "usage_end_time": "2026-10-05 11:00:00 UTC",
        "project": {"id": "gke-shared", "number": "1234", "name": "GKE shared", "labels": []},
        "labels": [{"key": "goog-k8s-cluster-name", "value": "gke-batch"},
                   {"key": "goog-k8s-node-pool-name", "value": "pool-1"},
                   {"key": "k8s-namespace", "value": namespace}],
        "location": {"location": "us-central1-a", "country": "US", "region": "us-central1", "zone": "us-central1-a"},
        "resource": {"name": "gke-batch-pool-1-node", "global_name": "//compute.googleapis.com/projects/gke-shared/zones/us-central1-a/instances/7"},
        "currency": "USD", "currency_conversion_rate": 1, "credits": [], "invoice": {"month": "202610"},
        "cost_type": "regular", "cost": cost, "cost_at_list": cost,
        "usage": {"amount": 3600, "unit": "seconds", "amount_in_pricing_units": 1, "pricing_unit": "hour"},
        "price": {"effective_price": cost, "tier_start_amount": 0, "unit": "hour", "pricing_unit_quantity": 1},
    }


@pytest.fixture(scope="module")
def gke(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("gke")
    landing, warehouse = root / "landing", root / "w.duckdb"
    path = landing / "gcp_billing" / "0A1B2C-3D4E5F-6A7B8C" / "data" / "BILLING_PERIOD=2026-10" / "export-0.json"
    path.parent.mkdir(parents=True)
    # a node hour of 0.768: namespaces ml-research (requests half the node) and analytics (a
    # quarter), the unrequested quarter as kube:unallocated
    rows = [_gke_row("ml-research", 0.384), _gke_row("analytics", 0.192), _gke_row("kube:unallocated", 0.192)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    run_pipeline(landing, warehouse)
    return {"warehouse": warehouse}


def test_gke_namespaces_are_tenants_and_unallocated_capacity_is_the_idle_pool(gke):
    rows = query(gke["warehouse"], """
        select coalesce(x_tenant, '-'), x_cost_kind, x_allocation_rule, x_allocation_pool, EffectiveCost
        from marts.focus_costs order by EffectiveCost desc, 1""")
    # one FOCUS row per export row: nothing added
    assert rows == [
        ("ml-research", "variable", "tenant_map:k8s_namespace", None, D("0.384")),
        ("-", "common", "gke_unallocated", "container_idle:gke-batch", D("0.192")),
        ("analytics", "variable", "tenant_map:k8s_namespace", None, D("0.192")),
    ]


def test_gke_chargeback_to_the_cent_and_zero_balance(gke):
    # cells of 0.768 -> 0.77: ml-research 38.4 -> 39 (largest remainder), analytics 19.2 -> 19,
    # idle 19.2 -> 19; idle by used share 0.384 : 0.192 = 2 : 1 -> 12.67 / 6.33 -> 13 / 6 cents
    rows = query(gke["warehouse"], """
        select tenant, driver, allocated_amount from marts.fct_allocation_detail where cost_kind = 'common' order by tenant""")
    assert rows == [("analytics", "container_used_share", D("0.06")), ("ml-research", "container_used_share", D("0.13"))]
    totals = dict(query(gke["warehouse"], "select tenant, total_cost from marts.fct_chargeback_daily"))
    assert totals == {"ml-research": D("0.52"), "analytics": D("0.25")}
    assert query(gke["warehouse"], "select platform_cost, charged_back, balance from marts.fct_platform_balance_daily") == [
        (D("0.77"), D("0.77"), D("0"))]
