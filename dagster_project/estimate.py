"""`finops estimate`: what planned usage would cost a tenant, from recent actuals.

Variable part: quantity x the recent effective unit price (EffectiveCost / PricingQuantity of
variable usage rows over the window, in the reporting currency). Common part: the variable
estimate x the recent ratio of common to variable cost (fct_chargeback_daily). Decimal
arithmetic throughout; results are rounded to the currency's minor unit at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import duckdb


class EstimateError(Exception):
    pass


@dataclass(frozen=True)
class Item:
    key: str
    unit: str | None
    quantity: Decimal

    @property
    def label(self) -> str:
        return f"{self.key}@{self.unit}" if self.unit else self.key

    @classmethod
    def parse(cls, text: str) -> Item:
        if "=" not in text:
            raise EstimateError(f"--item must look like 'SERVICE_OR_MODEL[@UNIT]=QUANTITY', got {text!r}")
        name, qty = text.rsplit("=", 1)
        key, _, unit = name.partition("@")
        try:
            quantity = Decimal(qty.strip())
        except ArithmeticError:
            raise EstimateError(f"quantity must be a number in {text!r}") from None
        return cls(key.strip(), unit.strip() or None, quantity)


PRICE_SQL = """
with window_rows as (
    select c.*
    from marts.focus_costs c
    where c.x_cost_kind = 'variable'
      and c.ChargeCategory = 'Usage'
      and c.ChargeClass is null
      and c.PricingQuantity is not null
      and cast(c.ChargePeriodStart as date) > ? - to_days(?)
      and (c.ServiceName = ? or c.x_model = ? or c.SkuMeter = ?)
      and (? is null or c.PricingUnit = ?)
)
select
    sum(w.EffectiveCost * cast(fx.usd_per_unit / rep.usd_per_unit as decimal(38, 12))) as cost,
    sum(w.PricingQuantity) as quantity
from window_rows w
-- the ECB cross rate valid on the charge day (intermediate.int_fx_rates_ranged, as the chargeback uses)
join intermediate.int_fx_rates_ranged fx on fx.currency = w.BillingCurrency
    and (fx.valid_from is null or fx.valid_from <= cast(w.ChargePeriodStart as date))
    and (fx.valid_to is null or cast(w.ChargePeriodStart as date) < fx.valid_to)
join intermediate.int_fx_rates_ranged rep on rep.currency = ?
    and (rep.valid_from is null or rep.valid_from <= cast(w.ChargePeriodStart as date))
    and (rep.valid_to is null or cast(w.ChargePeriodStart as date) < rep.valid_to)
"""


def estimate(warehouse: Path, items: list[Item], window_days: int = 30, currency: str = "USD") -> dict:
    if not Path(warehouse).exists():
        raise EstimateError(f"warehouse {warehouse} not found: run `finops run` first")
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        conn.execute("set TimeZone = 'UTC'")
        last_day = conn.execute("select max(charge_date) from marts.fct_chargeback_daily").fetchone()[0]
        if last_day is None:
            raise EstimateError("the warehouse has no chargeback data yet")
        minor = conn.execute("select minor_unit from reference.currencies where currency = ?", [currency]).fetchone()
        if minor is None:
            raise EstimateError(f"unknown reporting currency {currency}")
        quantum = Decimal(1).scaleb(-minor[0])
        variable, common = conn.execute(
            "select sum(variable_cost), sum(common_cost) from marts.fct_chargeback_daily "
            "where charge_date > ? - to_days(?) and currency = ?",
            [last_day, window_days, currency],
        ).fetchone()
        lines = []
        with localcontext() as ctx:
            ctx.prec = 38
            for item in items:
                cost, qty = conn.execute(
                    PRICE_SQL, [last_day, window_days, item.key, item.key, item.key, item.unit, item.unit, currency]
                ).fetchone()
                if not qty:
                    raise EstimateError(
                        f"no recent usage priced for {item.label!r} in the last {window_days} days "
                        "(match ServiceName, x_model or SkuMeter, and PricingUnit after '@')"
                    )
                unit_price = (Decimal(cost) / Decimal(qty)).normalize()
                line_cost = (item.quantity * Decimal(cost) / Decimal(qty)).quantize(quantum, ROUND_HALF_UP)
                lines.append({
                    "item": item.label, "quantity": str(item.quantity), "unit_price": str(unit_price),
                    "variable_cost": str(line_cost), "observed_quantity": str(Decimal(qty).normalize()),
                    "observed_cost": str(Decimal(cost).quantize(quantum, ROUND_HALF_UP)),
                })
            variable_total = sum((Decimal(line["variable_cost"]) for line in lines), Decimal(0))
            ratio = (Decimal(common or 0) / Decimal(variable)) if variable else Decimal(0)
            common_est = (variable_total * ratio).quantize(quantum, ROUND_HALF_UP)
        return {
            "currency": currency,
            "lines": lines,
            "variable_cost": str(variable_total.quantize(quantum)),
            "common_cost": str(common_est),
            "total_cost": str((variable_total + common_est).quantize(quantum)),
            "assumptions": {
                "window": f"{window_days} days up to {last_day}",
                "unit_prices": "EffectiveCost / PricingQuantity of the platform's variable usage rows in the window",
                "common_to_variable_ratio": str(ratio.quantize(Decimal("1e-10"), ROUND_HALF_UP)),
                "common_cost_in_window": str(Decimal(common or 0).quantize(quantum)),
                "variable_cost_in_window": str(Decimal(variable or 0).quantize(quantum)),
            },
        }
    finally:
        conn.close()
