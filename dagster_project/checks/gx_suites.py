"""Great Expectations suites on the FOCUS and chargeback marts, run as Dagster asset checks.

GX 1.x with an ephemeral context: no files written, analytics off. GX's DuckDB SQL
datasource does not work, so each table (or a bounded, repeatable sample of a large one) is
read with DuckDB through Arrow, which keeps DECIMAL money as Decimal, and validated as a
pandas DataFrame. GX is imported inside the check (the import takes seconds).
ExpectColumnValuesToBeInSet ignores nulls, so required enums are paired with not-null.
Severity error: these are the warehouse contract BI tools read.
"""

import datetime as dt
import os
import threading
from dataclasses import dataclass, field
from decimal import Decimal

import dagster as dg

from dagster_project import focus_contract, progress
from dagster_project.checks.results import record
from dagster_project.resources import FinopsWarehouse

FOCUS_COSTS = dg.AssetKey(["marts", "focus_costs"])
CHARGEBACK_DAILY = dg.AssetKey(["marts", "fct_chargeback_daily"])
CHARGEBACK_MONTHLY = dg.AssetKey(["marts", "fct_chargeback_monthly"])

DATETIME_TYPES = ["datetime64", "datetime64[us]", "datetime64[ns]", "datetime64[ms]", "datetime64[s]", "Timestamp", "datetime"]

# FOCUS columns and allowed values from seeds/focus/focus_columns.csv (dagster_project.focus_contract),
# then the custom columns this suite also checks
FOCUS_NOT_NULL = (*focus_contract.not_null_columns(),
                  "x_source", "x_source_file", "x_file_id", "x_cost_kind", "x_allocation_rule")
# column -> allowed values; nullable columns are only checked where set
FOCUS_ACCEPTED = {**focus_contract.allowed_values(), "x_cost_kind": ("variable", "common")}
FOCUS_MONEY = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")
FOCUS_COLUMNS = tuple(dict.fromkeys(FOCUS_NOT_NULL + tuple(FOCUS_ACCEPTED) + FOCUS_MONEY))

CHARGEBACK_MONEY = ("variable_cost", "common_cost", "total_cost")


@dataclass
class SuiteOutcome:
    table: str
    rows_validated: int
    rows_total: int
    expectations: int
    failures: list[str] = field(default_factory=list)
    looks: list[str] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return not self.failures


def _gx():
    # no GX_ANALYTICS_ENABLED: the GX build pinned here has no analytics client (nothing to
    # switch off), and this project does not write the process environment
    import great_expectations as gx
    import great_expectations.expectations as gxe

    return gx, gxe


def warm_up() -> None:
    """Import Great Expectations (~3 s) in the background while the dbt build runs."""
    threading.Thread(target=_gx, name="gx-import", daemon=True).start()


def focus_expectations(gxe) -> list:
    exps = [gxe.ExpectColumnValuesToNotBeNull(column=c, meta=_meta(f"{c} is not null", f'"{c}" is null'))
            for c in FOCUS_NOT_NULL]
    for col, values in FOCUS_ACCEPTED.items():
        listed = ", ".join(f"'{v}'" for v in values)
        exps.append(gxe.ExpectColumnValuesToBeInSet(column=col, value_set=list(values), meta=_meta(
            f"{col} is one of {', '.join(values)}", f'"{col}" not in ({listed})')))
    for col in FOCUS_MONEY:
        exps.append(gxe.ExpectColumnValuesToBeOfType(column=col, type_="Decimal", meta=_meta(
            f"{col} is a DECIMAL", None, "describe {table}")))
    for col in ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd"):
        exps.append(gxe.ExpectColumnValuesToBeInTypeList(column=col, type_list=DATETIME_TYPES, meta=_meta(
            f"{col} is a timestamp", None, "describe {table}")))
    for end, start in (("ChargePeriodEnd", "ChargePeriodStart"), ("BillingPeriodEnd", "BillingPeriodStart")):
        exps.append(gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A=end, column_B=start, or_equal=False, meta=_meta(
            f"{end} is after {start}", f"{end} <= {start}")))
    exps.append(gxe.ExpectColumnValuesToMatchRegex(column="BillingCurrency", regex=r"^[A-Z]{3}$", meta=_meta(
        "BillingCurrency is an ISO 4217 code", "not regexp_full_match(BillingCurrency, '[A-Z]{3}')")))
    return exps


def _meta(label: str, where: str | None, look: str | None = None) -> dict:
    """label: the expectation in words; look: the SQL a person runs to see the failing rows."""
    return {"label": label, "look": look or f"select * from {{table}} where {where} limit 20"}


def chargeback_expectations(gxe, period_col: str) -> list:
    keys = (period_col, "tenant", "currency")
    exps = [gxe.ExpectColumnValuesToNotBeNull(column=c, meta=_meta(f"{c} is not null", f"{c} is null"))
            for c in keys + CHARGEBACK_MONEY]
    for col in CHARGEBACK_MONEY:
        exps.append(gxe.ExpectColumnValuesToBeOfType(column=col, type_="Decimal", meta=_meta(
            f"{col} is a DECIMAL", None, "describe {table}")))
    exps.append(gxe.ExpectColumnPairValuesToBeEqual(column_A="total_cost", column_B="x_variable_plus_common", meta=_meta(
        "total_cost = variable_cost + common_cost", "total_cost <> variable_cost + common_cost")))
    exps.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(keys), meta=_meta(
        f"one row per {' x '.join(keys)}", None,
        f"select {', '.join(keys)}, count(*) from {{table}} group by all having count(*) > 1")))
    exps.append(gxe.ExpectColumnValuesToMatchRegex(column="currency", regex=r"^[A-Z]{3}$", meta=_meta(
        "currency is an ISO 4217 code", "not regexp_full_match(currency, '[A-Z]{3}')")))
    return exps


def describe_failure(res) -> str:
    label = (res.expectation_config.meta or {}).get("label") or res.expectation_config.type
    info = res.exception_info or {}
    if info.get("raised_exception"):
        return f"{label}: could not be evaluated ({str(info.get('exception_message', '')).splitlines()[0][:200]})"
    r = res.result or {}
    if r.get("unexpected_count") is not None:
        if res.expectation_config.type == "expect_column_values_to_not_be_null":
            return f"{label}: {r['unexpected_count']:,} of {r.get('element_count', 0):,} rows are null"
        examples = ", ".join(f"{_fmt(c['value'])} x{c['count']}" for c in (r.get("partial_unexpected_counts") or [])[:5])
        text = f"{label}: {r['unexpected_count']:,} of {r.get('element_count', 0):,} rows fail ({r.get('unexpected_percent') or 0:.2f}%)"
        return text + (f", e.g. {examples}" if examples else "")
    if "observed_value" in r:
        return f"{label}: observed {r['observed_value']!r}"
    return f"{label}: failed"


def _fmt(value) -> str:
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return str(value)
    return repr(value)


def validate(table: str, df, expectations: list, rows_total: int) -> SuiteOutcome:
    gx, _ = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset(table)
        .add_batch_definition_whole_dataframe("frame")
        .get_batch(batch_parameters={"dataframe": df})
    )
    suite = gx.ExpectationSuite(name=table, expectations=expectations)
    result = batch.validate(suite, result_format="SUMMARY")
    outcome = SuiteOutcome(table, len(df), rows_total, len(result.results))
    failed = [r for r in result.results if not r.success]
    outcome.failures = [describe_failure(r) for r in failed]
    outcome.looks = [((r.expectation_config.meta or {}).get("look") or "select * from {table} limit 20").format(table=table)
                     for r in failed]
    return outcome


def read_frame(conn, table: str, select_list: str, max_rows: int):
    """The whole table, or a repeatable block sample of about max_rows when it is larger.

    Whole 2048-row vectors (`system` sampling; one thread, so the same seed picks the same
    vectors every run): a row-level reservoir reads every row of the table first (~3 s at
    10M rows). The dbt tests check every row; GX is the second look."""
    total = conn.execute(f"select count(*) from {table}").fetchall()[0][0]
    if total <= max_rows:
        return conn.sql(f"select {select_list} from {table}").to_arrow_table().to_pandas(), total
    threads = conn.execute("select current_setting('threads')").fetchall()[0][0]
    conn.execute("set threads = 1")
    try:
        sample = f"using sample {100.0 * max_rows / total:.6f}% (system, 42)"
        df = conn.sql(f"select {select_list} from {table} {sample}").to_arrow_table().to_pandas()
    finally:
        conn.execute(f"set threads = {int(threads)}")
    return df, total


def max_rows() -> int:
    return int(os.environ.get("FINOPS_GX_SAMPLE_ROWS", "100000"))


def suite_message(o: SuiteOutcome) -> str:
    scope = f"{o.rows_validated:,} rows" if o.rows_validated == o.rows_total else \
        f"a sample of {o.rows_validated:,} of {o.rows_total:,} rows"
    if o.success:
        return f"GX suite on {o.table}: all {o.expectations} expectations pass on {scope}"
    lines = [f"GX suite on {o.table}: {len(o.failures)} of {o.expectations} expectations fail on {scope}:"]
    lines += [f"- {f}" for f in o.failures]
    lines.append("The mart breaks the warehouse contract that BI tools read: fix the model (dbt_project/models/marts/) "
                 "or the source mapping that feeds it, then rerun.")
    lines.append(f"Look: {o.looks[0]}")
    return "\n".join(lines)


def _run(context, warehouse: FinopsWarehouse, name: str, key: dg.AssetKey, table: str, select_list: str, expectations_fn):
    _, gxe = _gx()
    with warehouse.connect() as conn:
        df, total = read_frame(conn, table, select_list, max_rows())
        outcome = validate(table, df, expectations_fn(gxe), total)
        message = suite_message(outcome)
        progress.say(f"check {name}: {'ok' if outcome.success else 'FAILED'} - {message.splitlines()[0]}")
        return record(conn, context, name, key.to_user_string(), "error", outcome.success, message,
                      {"rows_validated": outcome.rows_validated, "rows_total": outcome.rows_total,
                       "expectations": outcome.expectations, "failed": len(outcome.failures)},
                      subject=table)


@dg.asset_check(asset=FOCUS_COSTS, name="gx_focus_costs", blocking=True,
                description="Great Expectations: FOCUS keys not null, accepted FOCUS values, DECIMAL costs, periods ordered.")
def gx_focus_costs(context: dg.AssetCheckExecutionContext, warehouse: FinopsWarehouse) -> dg.AssetCheckResult:
    cols = ", ".join(f'"{c}"' for c in FOCUS_COLUMNS)
    return _run(context, warehouse, "gx_focus_costs", FOCUS_COSTS, "marts.focus_costs", cols, focus_expectations)


def _chargeback_select(period_col: str) -> str:
    return f"{period_col}, tenant, currency, variable_cost, common_cost, total_cost, variable_cost + common_cost as x_variable_plus_common"


@dg.asset_check(asset=CHARGEBACK_DAILY, name="gx_fct_chargeback_daily", blocking=True,
                description="Great Expectations: one row per day x tenant x currency, tenant not null, total = variable + common.")
def gx_fct_chargeback_daily(context: dg.AssetCheckExecutionContext, warehouse: FinopsWarehouse) -> dg.AssetCheckResult:
    return _run(context, warehouse, "gx_fct_chargeback_daily", CHARGEBACK_DAILY, "marts.fct_chargeback_daily",
                _chargeback_select("charge_date"), lambda gxe: chargeback_expectations(gxe, "charge_date"))


@dg.asset_check(asset=CHARGEBACK_MONTHLY, name="gx_fct_chargeback_monthly", blocking=True,
                description="Great Expectations: one row per month x tenant x currency, tenant not null, total = variable + common.")
def gx_fct_chargeback_monthly(context: dg.AssetCheckExecutionContext, warehouse: FinopsWarehouse) -> dg.AssetCheckResult:
    return _run(context, warehouse, "gx_fct_chargeback_monthly", CHARGEBACK_MONTHLY, "marts.fct_chargeback_monthly",
                _chargeback_select("billing_month"), lambda gxe: chargeback_expectations(gxe, "billing_month"))


gx_checks = [gx_focus_costs, gx_fct_chargeback_daily, gx_fct_chargeback_monthly]
