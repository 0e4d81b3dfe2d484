"""Daily and monthly zero-balance reconciliation: platform cost = sum charged back."""

import dagster as dg

from dagster_project import progress
from dagster_project.checks.results import record
from dagster_project.resources import FinopsWarehouse

BALANCE_DAILY = dg.AssetKey(["marts", "fct_platform_balance_daily"])
BALANCE_MONTHLY = dg.AssetKey(["marts", "fct_platform_balance_monthly"])


def _balance_check(context, warehouse: FinopsWarehouse, table: str, period_col: str, name: str, key: dg.AssetKey):
    with warehouse.connect() as conn:
        rows = conn.execute(
            f"select cast({period_col} as varchar), currency, platform_cost, charged_back, balance "
            f"from marts.{table} order by {period_col}"
        ).fetchall()
        bad = [r for r in rows if r[4] != 0]
        focus_rows = conn.execute("select count(*) from marts.focus_costs").fetchone()[0] if not rows else 0
        if not rows and focus_rows == 0:
            # every file quarantined or none delivered: nothing to charge back is balanced, and
            # the excluded files have their own alerts
            excluded = conn.execute("select count(*) from ops.ingest_files where status in ('quarantined', 'ignored')").fetchone()[0]
            passed, message = True, f"no costs loaded (marts.focus_costs is empty; {excluded} file(s) excluded): nothing to balance"
        elif not rows:
            passed, message = False, f"marts.{table} is empty although marts.focus_costs has {focus_rows} rows: nothing was charged back"
        elif bad:
            passed = False
            lines = [f"{p}: platform {pc} {cur}, charged back {cb}, balance {b}" for p, cur, pc, cb, b in bad[:15]]
            message = (f"{len(bad)} of {len(rows)} {period_col.split('_')[-1]}s out of balance "
                       f"(a dropped or extra charge, a missing FX rate, or late data):\n" + "\n".join(lines))
        else:
            passed = True
            message = f"all {len(rows)} periods balance to 0 (platform cost = charged back)"
        progress.say(f"check {name}: {'ok' if passed else 'FAILED'} - {message.splitlines()[0]}")
        return record(conn, context, name, key.to_user_string(), "error", passed, message,
                      {"periods": len(rows), "periods_out_of_balance": len(bad)},
                      subject=bad[0][0] if bad else None)


@dg.asset_check(asset=BALANCE_DAILY, name="daily_zero_balance", blocking=True,
                description="Every day: platform cost (EffectiveCost of all FOCUS rows) = sum charged back to tenants.")
def daily_zero_balance(context: dg.AssetCheckExecutionContext, warehouse: FinopsWarehouse) -> dg.AssetCheckResult:
    return _balance_check(context, warehouse, "fct_platform_balance_daily", "charge_date", "daily_zero_balance", BALANCE_DAILY)


@dg.asset_check(asset=BALANCE_MONTHLY, name="monthly_zero_balance", blocking=True,
                description="Every month: platform cost = sum charged back to tenants.")
def monthly_zero_balance(context: dg.AssetCheckExecutionContext, warehouse: FinopsWarehouse) -> dg.AssetCheckResult:
    return _balance_check(context, warehouse, "fct_platform_balance_monthly", "billing_month", "monthly_zero_balance", BALANCE_MONTHLY)
