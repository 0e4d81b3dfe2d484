"""Container rows of the AWS sample: an ECS-on-EC2 cluster and an EKS cluster with CUR 2.0 split
cost allocation data, and a shared job cluster whose bill has none (docs/container_costs.md).

Each cluster instance is an m6i.4xlarge (16 vCPU, 64 GiB, 0.768/h) billed as one untagged row
per day; its tasks/pods get one vCPU and one memory row per day with no cost of their own
(line_item_unblended_cost 0) and their share in split_line_item_*: AWS weighs vCPU:GiB 9:1, so
the instance's C per day is C / (9 x 16 + 64) per GiB-day and 9 x that per vCPU-day; a task with
half the vCPU and memory gets C / 2, and the idle quarter is spread over the rows pro rata.
The job cluster (c7g.4xlarge, tag platform_cluster=batch-jobs) is split by the job log.
"""

from __future__ import annotations

INSTANCE_RATE = 0.768
VCPUS, MEMORY_GB = 16, 64
# cluster tag key, cluster, instance id, [(tenant tag, namespace, vCPU, GiB)]
CLUSTERS = (
    ("aws_ecs_cluster_name", "batch", "i-0ecsbatch000001", [("payments", None, 8, 32), ("search", None, 4, 16)]),
    ("aws_eks_cluster_name", "ml-eks", "i-0eksml00000001", [(None, "ml-research", 6, 24), (None, "analytics", 6, 24)]),
)
JOB_CLUSTER = ("batch-jobs", "i-0jobcluster0001", 0.58, "c7g.4xlarge")


def rows(base, day, prefix: str, acct_id: str, region: str, k: int) -> list[dict]:
    """The day's instance and split rows; `base(day, hour, hours, **kw)` fills the common columns."""
    out = []
    day_cost = round(INSTANCE_RATE * 24 * k, 10)
    unit = day_cost / (9 * VCPUS + MEMORY_GB)
    for tag_key, cluster, instance, tasks in CLUSTERS:
        out.append(base(day, 0, 24, line_item_line_item_type="Usage", line_item_product_code="AmazonEC2",
            line_item_usage_type=f"{prefix}-BoxUsage:m6i.4xlarge", line_item_operation="RunInstances",
            line_item_resource_id=instance, line_item_unblended_cost=day_cost,
            line_item_unblended_rate=f"{INSTANCE_RATE * k:.6f}", line_item_usage_amount=24.0,
            line_item_line_item_description=f"m6i.4xlarge on demand, {cluster} cluster node",
            pricing_public_on_demand_rate=f"{INSTANCE_RATE * k:.6f}", pricing_public_on_demand_cost=day_cost,
            pricing_purchase_option="OnDemand", pricing_term="OnDemand", pricing_unit="Hrs",
            product_servicecode="AmazonEC2", product_sku="SKU-M6I4XL", product_instance_type="m6i.4xlarge",
            product_product_family="Compute Instance", resource_tags=[]))
        used_total = sum((9 * v + g) * unit for _, _, v, g in tasks)
        idle_total = day_cost - used_total
        eks = tag_key.startswith("aws_eks")
        for n, (tenant, namespace, vcpu, gib) in enumerate(tasks):
            task_id = (f"arn:aws:eks:{region}:{acct_id}:pod/{cluster}/{namespace}/job-{n}/uid{n:04d}" if eks
                       else f"arn:aws:ecs:{region}:{acct_id}:task/{cluster}/task{day:%d}{n}")
            tags = [(tag_key, cluster)] + ([("user_tenant", tenant)] if tenant else []) + (
                [("aws_eks_namespace", namespace)] if namespace else [])
            for resource, amount, weight in (("vCPU", vcpu, 9), ("GB", gib, 1)):
                split = amount * weight * unit
                total = VCPUS if resource == "vCPU" else MEMORY_GB
                out.append(base(day, 0, 24, line_item_line_item_type="Usage",
                    line_item_product_code="AmazonEKS" if eks else "AmazonECS",
                    line_item_usage_type=f"{prefix}-{'EKS' if eks else 'ECS'}-EC2-{resource}-Hours",
                    line_item_operation="EKSPod-EC2" if eks else "ECSTask-EC2",
                    line_item_resource_id=task_id, line_item_unblended_cost=0.0, line_item_usage_amount=0.0,
                    line_item_line_item_description=f"{resource} of a {'pod' if eks else 'task'} on {instance}",
                    pricing_unit="Hrs", resource_tags=tags,
                    split_line_item_parent_resource_id=instance,
                    split_line_item_split_usage=float(amount * 24), split_line_item_reserved_usage=float(amount * 24),
                    split_line_item_actual_usage=float(amount * 24) * 0.8,
                    split_line_item_split_usage_ratio=amount / total,
                    split_line_item_split_cost=split,
                    split_line_item_unused_cost=idle_total * split / used_total))
    name, instance, rate, itype = JOB_CLUSTER
    cost = round(rate * 24 * k, 10)
    out.append(base(day, 0, 24, line_item_line_item_type="Usage", line_item_product_code="AmazonEC2",
        line_item_usage_type=f"{prefix}-BoxUsage:{itype}", line_item_operation="RunInstances",
        line_item_resource_id=instance, line_item_unblended_cost=cost, line_item_unblended_rate=f"{rate * k:.6f}",
        line_item_usage_amount=24.0, line_item_line_item_description=f"{itype} on demand, {name} job cluster node",
        pricing_public_on_demand_rate=f"{rate * k:.6f}", pricing_public_on_demand_cost=cost,
        pricing_purchase_option="OnDemand", pricing_term="OnDemand", pricing_unit="Hrs",
        product_servicecode="AmazonEC2", product_sku="SKU-C7G4XL", product_instance_type=itype,
        product_product_family="Compute Instance", resource_tags=[("user_platform_cluster", name)]))
    return out
