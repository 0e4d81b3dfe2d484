"""Reference data with coverage: a product, meter or unit the seeds do not know is mapped to
FOCUS's fallback (ServiceCategory 'Other', the provider's own unit) and named in a warn alert,
so someone adds it to seeds/reference/ (README "Adding a source").

A FOCUS export states its own units: those the unit map lists (mapped, or kept as reviewed)
pass; a new one is named here like a cloud source's."""

import dagster as dg

from dagster_project import progress
from dagster_project.checks.results import record
from dagster_project.resources import FinopsWarehouse

FOCUS_COSTS = dg.AssetKey(["marts", "focus_costs"])

# the cloud mappings fall back to ServiceCategory 'Other' / 'Other (Other)' with the provider's
# product name when the service seed has no row; a FOCUS export states its own category
UNMAPPED_SQL = """
select 'service' as kind, x_source, ServiceName as value, 'seeds/reference/' || seed || '.csv' as seed,
       count(*) as n_rows, sum(BilledCost) as billed_cost, any_value(BillingCurrency) as currency
from (
    select *, case x_source when 'aws_cur' then 'aws_services' when 'azure_cost' then 'azure_services'
                            else 'gcp_services' end as seed
    from marts.focus_costs
    where x_source in ('aws_cur', 'azure_cost', 'gcp_billing')
      and ServiceCategory = 'Other' and ServiceSubcategory = 'Other (Other)'
      -- invoice-level lines (GCP's "Invoice" tax and rounding rows) belong to no service
      and ChargeCategory not in ('Tax', 'Adjustment')
)
group by all
union all
select 'unit', x_source, PricingUnit, 'seeds/reference/unit_map.csv', count(*), sum(BilledCost), any_value(BillingCurrency)
from marts.focus_costs
where x_source in ('aws_cur', 'azure_cost', 'gcp_billing', 'focus')
  and PricingUnit is not null
  and PricingUnit not in (select focus_unit from reference.unit_map)
  and PricingUnit <> 'Units'  -- the mappings' own fallback when a row states no unit
group by all
order by kind, x_source, value
"""


def unmapped_message(rows: list[tuple]) -> str:
    if not rows:
        return "every service and pricing unit is in the reference seeds"
    lines = [f"{len(rows)} value(s) the reference seeds do not know (kept, allocated, with FOCUS's fallback):"]
    for kind, source, value, seed, n, billed, currency in rows[:20]:
        lines.append(f"- {source} {kind} '{value}': {n} row(s), billed {billed:,.2f} {currency}; add it to {seed}")
    if len(rows) > 20:
        lines.append(f"... and {len(rows) - 20} more")
    return "\n".join(lines)


@dg.asset_check(asset=FOCUS_COSTS, name="unmapped_reference_values",
                description="Every cloud service and pricing unit is in the reference seeds (a new one maps to 'Other' and is named here).")
def unmapped_reference_values(context: dg.AssetCheckExecutionContext, warehouse: FinopsWarehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as conn:
        rows = conn.execute(UNMAPPED_SQL).fetchall()
        message = unmapped_message(rows)
        progress.say(f"check unmapped_reference_values: {'ok' if not rows else 'WARN'} - {message.splitlines()[0]}")
        return record(
            conn, context, "unmapped_reference_values", FOCUS_COSTS.to_user_string(), "warn", not rows, message,
            {"unmapped": [f"{r[1]} {r[0]}: {r[2]}" for r in rows], "rows": sum(r[4] for r in rows)},
            subject=f"{rows[0][1]} {rows[0][0]}: {rows[0][2]}" if rows else None,
        )
