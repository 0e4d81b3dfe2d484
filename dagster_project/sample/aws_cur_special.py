"""The AWS CUR sample's special rows: a reserved instance and a savings plan with their fees,
the self-hosted LLM's GPU fleet, container clusters, support, credits, refunds and taxes."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from dagster_project.sample import aws_containers
from dagster_project.sample.aws_cur_schema import REGION_PREFIX, Export, _Rows, _sku, _ts
from dagster_project.sample.common import TENANT_TAGS


def _special_rows(export: Export, rng, start: dt.date, ndays: int, common: dict) -> pa.Table:
    """Commitments, fees, taxes, credits, refunds and the self-hosted LLM GPU fleet."""
    out = _Rows()
    k = export.rate_scale
    acct_id, acct_name = export.accounts[0]
    region = export.regions[0]
    prefix = REGION_PREFIX[region]
    ri_arn = f"arn:aws:ec2:{region}:{acct_id}:reserved-instances/ri-{export.name}"
    sp_arn = f"arn:aws:savingsplans::{acct_id}:savingsplan/sp-{export.name}"
    tenants = list(TENANT_TAGS)
    n = 0

    def rid() -> str:
        nonlocal n
        n += 1
        return f"{export.name[:4]}S{n:011d}"

    def base(day: dt.date, hour: int = 0, hours: int = 1, **kw):
        s, e = _ts(day, hour), _ts(day, hour) + dt.timedelta(hours=hours)
        row = dict(common)
        row.update(
            identity_line_item_id=rid(),
            identity_time_interval=f"{s:%Y-%m-%dT%H:%M:%SZ}/{e:%Y-%m-%dT%H:%M:%SZ}",
            line_item_usage_start_date=s,
            line_item_usage_end_date=e,
            line_item_usage_account_id=acct_id,
            line_item_usage_account_name=acct_name,
            product_region_code=region,
        )
        row.update(kw)
        return row

    ri_rate_units = 252_000 * k  # 0.252000 per hour in 1e-6 units
    od_rate_units = 403_200 * k
    sp_rate_units = 290_000 * k
    sp_commit_units = 24 * 4 * sp_rate_units * 10_000  # in 1e-10 units: 4 instances' worth of hours
    gpu_rate_units = round(10.4928 * k * 1_000_000)
    sku_ri = _sku("AmazonEC2", f"{prefix}-BoxUsage:m7i.2xlarge")
    for d in range(ndays):
        day = start + dt.timedelta(days=d)
        # Reserved instance (no upfront, 3 instances): covered usage plus the daily RI fee.
        used_units = 0
        for h in range(0, 24, 3):
            tenant = tenants[(d + h) % len(tenants)]
            amount_units = 3 * 10_000 * 3  # 3 instances x 3 hours
            eff = amount_units * ri_rate_units
            used_units += eff
            out.add(**base(day, h, 3,
                line_item_line_item_type="DiscountedUsage", line_item_product_code="AmazonEC2",
                line_item_usage_type=f"{prefix}-BoxUsage:m7i.2xlarge", line_item_operation="RunInstances",
                line_item_resource_id=f"i-ri{d:02d}{h:02d}", line_item_unblended_cost=0.0,
                line_item_unblended_rate="0.0", line_item_usage_amount=amount_units / 1e4,
                line_item_line_item_description="m7i.2xlarge reserved instance applied",
                pricing_public_on_demand_rate=f"{od_rate_units / 1e6:.6f}",
                pricing_public_on_demand_cost=amount_units * od_rate_units / 1e10,
                pricing_purchase_option="No Upfront", pricing_term="Reserved", pricing_unit="Hrs",
                pricing_rate_code=f"{sku_ri}.4NA7Y494T4", pricing_rate_id="9001",
                product_servicecode="AmazonEC2", product_sku=sku_ri, product_instance_type="m7i.2xlarge",
                product_product_family="Compute Instance",
                reservation_reservation_a_r_n=ri_arn, reservation_effective_cost=eff / 1e10,
                resource_tags=[("user_tenant", tenant), ("user_app", "etl")]))
        fee_units = 4 * 24 * 10_000 * ri_rate_units  # 4 reserved instances, 24 h
        out.add(**base(day, 0, 24,
            line_item_line_item_type="RIFee", line_item_product_code="AmazonEC2",
            line_item_usage_type=f"{prefix}-HeavyUsage:m7i.2xlarge", line_item_operation="RunInstances",
            line_item_unblended_cost=fee_units / 1e10, line_item_unblended_rate=f"{ri_rate_units / 1e6:.6f}",
            line_item_usage_amount=96.0, line_item_line_item_description="Reserved instance fee, 4 x m7i.2xlarge",
            pricing_public_on_demand_rate=f"{ri_rate_units / 1e6:.6f}", pricing_public_on_demand_cost=fee_units / 1e10,
            pricing_purchase_option="No Upfront", pricing_term="Reserved", pricing_unit="Hrs",
            pricing_rate_code=f"{sku_ri}.4NA7Y494T4", pricing_rate_id="9001", product_servicecode="AmazonEC2",
            product_sku=sku_ri, product_instance_type="m7i.2xlarge", product_product_family="Compute Instance",
            reservation_reservation_a_r_n=ri_arn, reservation_unused_amortized_upfront_fee_for_billing_period=0.0,
            reservation_unused_recurring_fee=(fee_units - used_units) / 1e10, resource_tags=[]))
        # Compute savings plan: covered usage, its negation, and the daily recurring fee.
        sp_used = 0
        for h in range(1, 24, 4):
            tenant = tenants[(d + h + 2) % len(tenants)]
            amount_units = 2 * 4 * 10_000  # 2 instances x 4 h
            od_units = amount_units * od_rate_units
            sp_units = amount_units * sp_rate_units
            sp_used += sp_units
            common_kw = dict(
                line_item_product_code="AmazonEC2", line_item_usage_type=f"{prefix}-BoxUsage:m7i.2xlarge",
                line_item_operation="RunInstances", line_item_resource_id=f"i-sp{d:02d}{h:02d}",
                line_item_usage_amount=amount_units / 1e4, pricing_public_on_demand_rate=f"{od_rate_units / 1e6:.6f}",
                pricing_public_on_demand_cost=od_units / 1e10, pricing_purchase_option="OnDemand", pricing_term="OnDemand",
                pricing_unit="Hrs", pricing_rate_code=f"{sku_ri}.JRTCKXETXF", pricing_rate_id="9002",
                product_servicecode="AmazonEC2", product_sku=sku_ri, product_instance_type="m7i.2xlarge",
                product_product_family="Compute Instance", savings_plan_savings_plan_a_r_n=sp_arn,
                resource_tags=[("user_tenant", tenant), ("user_app", "batch")],
            )
            out.add(**base(day, h, 4, line_item_line_item_type="SavingsPlanCoveredUsage",
                line_item_unblended_cost=od_units / 1e10, line_item_unblended_rate=f"{od_rate_units / 1e6:.6f}",
                line_item_line_item_description="m7i.2xlarge covered by Compute Savings Plan",
                savings_plan_savings_plan_effective_cost=sp_units / 1e10,
                savings_plan_savings_plan_rate=sp_rate_units / 1e6, **common_kw))
            out.add(**base(day, h, 4, line_item_line_item_type="SavingsPlanNegation",
                line_item_unblended_cost=-od_units / 1e10, line_item_unblended_rate=f"{-od_rate_units / 1e6:.6f}",
                line_item_line_item_description=f"SavingsPlanNegation used by AccountId : {acct_id} and UsageSku : {sku_ri}",
                **common_kw))
        out.add(**base(day, 0, 24, line_item_line_item_type="SavingsPlanRecurringFee",
            line_item_product_code="ComputeSavingsPlans", line_item_usage_type="ComputeSP:1yrNoUpfront",
            line_item_operation="", line_item_resource_id=sp_arn,
            line_item_unblended_cost=sp_commit_units / 1e10, line_item_unblended_rate=f"{sp_rate_units / 1e6:.6f}",
            line_item_usage_amount=96.0, line_item_line_item_description="1 year No Upfront Compute Savings Plan",
            pricing_public_on_demand_rate=f"{sp_rate_units / 1e6:.6f}", pricing_public_on_demand_cost=sp_commit_units / 1e10,
            pricing_purchase_option="No Upfront", pricing_term="Savings Plan", pricing_unit="Hrs",
            pricing_rate_code="SPCOMPUTE.1YRNU", pricing_rate_id="9003", product_servicecode="ComputeSavingsPlans",
            product_sku="SPCOMPUTE1YRNU", product_product_family="Savings Plan",
            savings_plan_savings_plan_a_r_n=sp_arn, savings_plan_total_commitment_to_date=sp_commit_units / 1e10,
            savings_plan_used_commitment=sp_used / 1e10, resource_tags=[]))
        # Self-hosted LLM GPU fleet (2 x g6e.12xlarge all day), split by tokens.
        gpu_units = 2 * 24 * 10_000 * gpu_rate_units
        gpu_sku = _sku("AmazonEC2", f"{prefix}-BoxUsage:g6e.12xlarge")
        out.add(**base(day, 0, 24, line_item_line_item_type="Usage", line_item_product_code="AmazonEC2",
            line_item_usage_type=f"{prefix}-BoxUsage:g6e.12xlarge", line_item_operation="RunInstances",
            line_item_resource_id="i-llm-gpu-fleet", line_item_unblended_cost=gpu_units / 1e10,
            line_item_unblended_rate=f"{gpu_rate_units / 1e6:.6f}", line_item_usage_amount=48.0,
            line_item_line_item_description="g6e.12xlarge on demand, vLLM serving llama-3-70b",
            pricing_public_on_demand_rate=f"{gpu_rate_units / 1e6:.6f}", pricing_public_on_demand_cost=gpu_units / 1e10,
            pricing_purchase_option="OnDemand", pricing_term="OnDemand", pricing_unit="Hrs",
            pricing_rate_code=f"{gpu_sku}.JRTCKXETXF", pricing_rate_id="9004", product_servicecode="AmazonEC2",
            product_sku=gpu_sku, product_instance_type="g6e.12xlarge", product_product_family="Compute Instance",
            resource_tags=[("user_tenant", "shared"), ("user_app", "llm-serving")]))
        # ECS and EKS cluster nodes with split cost allocation data, and the shared job cluster
        if export.currency == "USD":
            for row in aws_containers.rows(base, day, prefix, acct_id, region, k):
                out.add(**row)
    last = start + dt.timedelta(days=ndays - 1)
    # Business support: a monthly fee (a common cost).
    support_units = 1_000_000 * 10_000 * k * 100  # 100.000000 x k in 1e-10 units... scaled below
    support = 100 * k
    out.add(**base(start, 0, 24 * ndays, line_item_line_item_type="Fee", line_item_product_code="AWSSupportBusiness",
        line_item_usage_type="Business-Support", line_item_operation="", line_item_unblended_cost=float(support),
        line_item_unblended_rate=f"{support:.6f}", line_item_usage_amount=1.0,
        line_item_line_item_description="AWS Support (Business)", pricing_public_on_demand_rate=f"{support:.6f}",
        pricing_public_on_demand_cost=float(support), pricing_purchase_option="OnDemand", pricing_term="OnDemand",
        pricing_unit="Fee", pricing_rate_code="SUPPORTBIZ.FEE", pricing_rate_id="9005",
        product_servicecode="AWSSupportBusiness", product_sku="SUPPORTBIZ", product_product_family="AWS Support",
        resource_tags=[]))
    del support_units
    # Credits and refunds: negative, tagged to a tenant (one credit is untagged).
    out.add(**base(last, 0, 24, line_item_line_item_type="Credit", line_item_product_code="AmazonEC2",
        line_item_usage_type=f"{prefix}-BoxUsage:m7i.2xlarge", line_item_unblended_cost=-25.5 * k,
        line_item_line_item_description="AWS Activate credit", resource_tags=[("user_tenant", tenants[0])]))
    out.add(**base(last, 0, 24, line_item_line_item_type="Credit", line_item_product_code="AmazonS3",
        line_item_usage_type=f"{prefix}-TimedStorage-ByteHrs", line_item_unblended_cost=-3.25 * k,
        line_item_line_item_description="Service credit for S3 SLA", resource_tags=[]))
    out.add(**base(start + dt.timedelta(days=min(9, ndays - 1)), 0, 24, line_item_line_item_type="Refund",
        line_item_product_code="AmazonEC2", line_item_usage_type=f"{prefix}-BoxUsage:c7g.4xlarge",
        line_item_unblended_cost=-12.75 * k, line_item_line_item_description="Refund for duplicate charge",
        resource_tags=[("user_tenant", tenants[1 % len(tenants)])]))
    # Taxes: one per account and product family, computed on the month (a common cost).
    for acct in export.accounts:
        tax = round(float(rng.integers(500, 5000)) / 100 * k, 2)
        out.add(**base(start, 0, 24 * ndays, line_item_line_item_type="Tax", line_item_product_code="AmazonEC2",
            line_item_usage_account_id=acct[0], line_item_usage_account_name=acct[1], line_item_usage_type="",
            line_item_tax_type="JCT" if export.currency == "JPY" else "VAT", line_item_unblended_cost=tax,
            line_item_line_item_description="Tax for product code AmazonEC2", resource_tags=[]))
    return out.table()
