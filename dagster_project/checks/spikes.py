"""Daily cost spikes per service and tenant against a trailing baseline.

A day's usage cost (EffectiveCost of Usage rows, corrections excluded) for one service and
one tenant (common costs by their pool) is a spike when it is more than
FINOPS_SPIKE_RATIO (default 3) times the median of the previous 7 days (at least 3 of them
with cost) and at least FINOPS_SPIKE_FLOOR (default 200, in the reporting currency) above
that median, so small services that wobble do not page anyone. A spike
is alerted once: later runs that see the same spike again pass and say so. Severity warn.
"""

import json
import os

import dagster as dg

from dagster_project import progress
from dagster_project.checks.results import record
from dagster_project.resources import FinopsWarehouse

FOCUS_COSTS = dg.AssetKey(["marts", "focus_costs"])
CHECK_NAME = "daily_cost_spikes"

SPIKES_SQL = """
with daily as (
    select
        cast(ChargePeriodStart as date) as charge_date,
        x_source as source,
        ServiceName as service,
        coalesce(x_tenant, 'common pool ' || coalesce(x_allocation_pool, 'unknown')) as tenant,
        BillingCurrency as currency,
        sum(EffectiveCost) as cost
    from marts.focus_costs
    where ChargeCategory = 'Usage' and ChargeClass is null
    group by all
),
with_baseline as (
    select
        *,
        median(cost) over prior_week as baseline,
        count(*) over prior_week as history_days
    from daily
    window prior_week as (
        partition by source, service, tenant, currency order by charge_date
        range between interval 7 days preceding and interval 1 day preceding
    )
),
rated as (
    select
        with_baseline.*,
        (cost - baseline) * coalesce(fx.usd_per_unit / nullif(reporting.usd_per_unit, 0), 1) as excess_reporting
    from with_baseline
    left join intermediate.int_fx_rates_ranged as fx
        on fx.currency = with_baseline.currency
        and (fx.valid_from is null or fx.valid_from <= with_baseline.charge_date)
        and (fx.valid_to is null or with_baseline.charge_date < fx.valid_to)
    left join intermediate.int_fx_rates_ranged as reporting
        on reporting.currency = ?
        and (reporting.valid_from is null or reporting.valid_from <= with_baseline.charge_date)
        and (reporting.valid_to is null or with_baseline.charge_date < reporting.valid_to)
)
select charge_date, source, service, tenant, currency, cost, baseline, history_days, excess_reporting
from rated
where history_days >= ? and baseline > 0 and cost > ? * baseline and excess_reporting >= ?
order by charge_date, source, service, tenant
"""


def spike_key(row: tuple) -> str:
    day, source, service, tenant, currency = row[:5]
    return f"{day}|{source}|{service}|{tenant}|{currency}"


def spike_message(new: list[tuple], known: int, ratio: float, floor: float, reporting: str) -> str:
    if not new:
        tail = f" ({known} spike(s) seen before were already alerted)" if known else ""
        return f"no new daily cost spikes (> {ratio:g}x the trailing 7-day median and >= {floor:g} {reporting} above it){tail}"
    lines = [f"{len(new)} daily cost spike(s) (> {ratio:g}x the trailing 7-day median and >= {floor:g} {reporting} above it):"]
    for day, source, service, tenant, currency, cost, baseline, n, _ in new[:15]:
        lines.append(f"- {day} {service} for tenant {tenant} ({source}): {cost:,.2f} {currency}, "
                     f"{cost / baseline:.1f}x the trailing median of {baseline:,.2f} {currency} ({n} prior days)")
    if len(new) > 15:
        lines.append(f"- ... and {len(new) - 15} more")
    day, _, service, tenant = new[0][:4]
    tenant_filter = (f"x_allocation_pool = '{tenant.removeprefix('common pool ')}'" if tenant.startswith("common pool ")
                     else f"x_tenant = '{tenant}'")
    lines.append("Ask the tenant's team whether the usage was expected (a load test, a runaway job, a missing "
                 "shutdown); a real increase becomes the new baseline within a week.")
    lines.append(f"Look: select ResourceId, SkuMeter, sum(EffectiveCost) from marts.focus_costs "
                 f"where cast(ChargePeriodStart as date) = '{day}' and ServiceName = '{service}' and {tenant_filter} "
                 "group by all order by 3 desc")
    return "\n".join(lines)


@dg.asset_check(asset=FOCUS_COSTS, name=CHECK_NAME,
                description="No service x tenant day costs more than 3x its trailing 7-day median (and above a floor).")
def daily_cost_spikes(context: dg.AssetCheckExecutionContext, warehouse: FinopsWarehouse) -> dg.AssetCheckResult:
    ratio = float(os.environ.get("FINOPS_SPIKE_RATIO", "3"))
    floor = float(os.environ.get("FINOPS_SPIKE_FLOOR", "200"))
    reporting = warehouse.settings().reporting_currency
    with warehouse.connect() as conn:
        spikes = conn.execute(SPIKES_SQL, [reporting, 3, ratio, floor]).fetchall()
        alerted: set[str] = set()
        for (details,) in conn.execute("select details_json from ops.alerts where check_name = ?", [CHECK_NAME]).fetchall():
            alerted.update(json.loads(details or "{}").get("spike_keys", []))
        new = [s for s in spikes if spike_key(s) not in alerted]
        message = spike_message(new, len(spikes) - len(new), ratio, floor, reporting)
        progress.say(f"check {CHECK_NAME}: {'ok' if not new else 'FAILED'} - {message.splitlines()[0]}")
        return record(
            conn, context, CHECK_NAME, FOCUS_COSTS.to_user_string(), "warn", not new, message,
            {"spikes": len(new), "already_alerted": len(spikes) - len(new), "spike_keys": [spike_key(s) for s in new]},
            subject=f"{new[0][3]}: {new[0][2]} {new[0][0]}" if new else None,
        )
