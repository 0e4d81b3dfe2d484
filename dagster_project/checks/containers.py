"""Container instances split by CUR 2.0 split cost allocation data: nothing counted twice.

Per EC2 instance and day: (1) the parts the chargeback uses (int_container_instances_split) sum
to the instance's EffectiveCost exactly; (2) AWS's own split and unused cost of the instance's
tasks/pods sum to the instance's cost to the cent (else the split data does not describe this
instance's bill: a partial export, or split rows of another cost basis); (3) the task/pod rows
carry no cost of their own (their cost is on the parent's row: adding both would count it
twice). docs/container_costs.md.
"""

import dagster as dg

from dagster_project import progress
from dagster_project.checks.results import record
from dagster_project.resources import FinopsWarehouse

SPLIT = dg.AssetKey(["intermediate", "int_container_instances_split"])
CHECK_NAME = "container_split_conservation"

INSTANCE_DAYS_SQL = """
with pools as (
    select pool_key, parent_resource_id, charge_date, billing_currency,
           max(parent_effective_cost) as parent_cost,
           sum(effective_cost) as allocated,
           sum(coalesce(driver_value, 0)) as aws_parts
    from intermediate.int_container_instances_split
    group by 1, 2, 3, 4
)
select parent_resource_id, cast(charge_date as varchar), billing_currency,
       sum(parent_cost), sum(allocated), sum(aws_parts)
from pools
group by 1, 2, 3
order by 2, 1
"""

COSTED_SPLIT_ROWS_SQL = """
select count(*), coalesce(sum(unblended_cost), 0)
from staging.stg_aws__cur_line_items
where split_parent_resource_id is not null and coalesce(unblended_cost, 0) <> 0
"""


def findings(instance_days: list[tuple], costed_rows: tuple) -> list[str]:
    problems = []
    for instance, day, cur, parent, allocated, aws_parts in instance_days:
        if allocated != parent:
            problems.append(f"{day} {instance}: allocated parts {allocated} {cur} <> instance cost {parent}")
        elif abs(aws_parts - parent) > 0.01 and aws_parts != 0:
            problems.append(f"{day} {instance}: split + unused cost of its tasks/pods {aws_parts} {cur} "
                            f"<> instance cost {parent} (more than a cent)")
    if costed_rows[0]:
        problems.append(f"{costed_rows[0]} split cost allocation row(s) carry a cost of their own ({costed_rows[1]}): "
                        "the instance row has it already, so it is counted twice")
    return problems


@dg.asset_check(asset=SPLIT, name=CHECK_NAME,
                description="Each EC2 instance running ECS tasks / EKS pods: its cost = the sum of its split and unused "
                            "parts (to the cent), the allocated parts sum to it exactly, and the task rows carry no cost.")
def container_split_conservation(context: dg.AssetCheckExecutionContext, warehouse: FinopsWarehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as conn:
        days = conn.execute(INSTANCE_DAYS_SQL).fetchall()
        costed = conn.execute(COSTED_SPLIT_ROWS_SQL).fetchone()
        problems = findings(days, costed)
        if problems:
            message = (f"{len(problems)} problem(s) in container instance splits:\n" + "\n".join(problems[:15])
                       + "\nLook: select * from intermediate.int_container_instances_split")
        else:
            message = f"{len(days)} instance-day(s): split + unused = instance cost, parts sum exactly"
        progress.say(f"check {CHECK_NAME}: {'ok' if not problems else 'FAILED'} - {message.splitlines()[0]}")
        return record(conn, context, CHECK_NAME, SPLIT.to_user_string(), "error", not problems, message,
                      {"instance_days": len(days), "problems": len(problems)},
                      subject=problems[0].split(":")[0] if problems else None)
