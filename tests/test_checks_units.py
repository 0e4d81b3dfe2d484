"""Pure helpers of the data-quality checks, Slack delivery against a real local server, the run-failure sensor."""

from __future__ import annotations

import datetime as dt
import html
import json
from decimal import Decimal

import duckdb
import pytest

from dagster_project.alerting import Alert, raise_alert
from dagster_project.checks.late_data import DayRows, find_late_days
from dagster_project.checks.schema_drift import FileColumns, column_drift, unknown_types
from dagster_project.warehouse import open_warehouse
from tests.fake_slack import FakeSlack, closed_port_url

OCT = dt.date(2026, 10, 1)
NOV = dt.date(2026, 11, 1)


def _days(export: str, counts: dict[int, int], source: str = "aws_cur") -> list[DayRows]:
    return [DayRows(source, export, OCT, NOV, dt.date(2026, 10, d), n, Decimal(n) * 10, "USD") for d, n in counts.items()]


def test_a_missing_day_in_the_middle_and_at_the_tail_is_late():
    full = _days("aws_cur/a", dict.fromkeys(range(1, 32), 20))
    gappy = _days("aws_cur/b", {d: 20 for d in range(1, 30) if d != 15})
    found = find_late_days(full + gappy)
    assert [(f.export_key, f.kind, str(f.day)) for f in found] == [("aws_cur/b", "missing", "2026-10-15")]
    assert "no rows for 2026-10-15, 2026-10-30..2026-10-31 (3 of 31 expected days" in found[0].text
    assert "a typical day has 20 rows and 200.00 USD billed" in found[0].text


def test_a_day_far_below_its_trailing_level_is_late_but_normal_noise_is_not():
    counts = {d: 20 + (d % 3) for d in range(1, 32)}
    counts[20] = 5
    found = find_late_days(_days("aws_cur/a", counts))
    assert [(f.kind, str(f.day)) for f in found] == [("thin", "2026-10-20")]
    # trailing median of 10-13..10-19: 20,21,22,20,21,22,20 -> 21
    assert ("2026-10-20 has 5 rows and 50.00 USD billed: 24% of the trailing 7-day median of 21 rows and 210.00 USD a day"
            in found[0].text)
    # few rows but the usual cost (bigger line items that day): not late
    quiet = _days("aws_cur/a", counts)
    quiet[19] = DayRows("aws_cur", "aws_cur/a", OCT, NOV, dt.date(2026, 10, 20), 5, Decimal(300), "USD")
    assert find_late_days(quiet) == []


def test_a_monthly_file_a_sparse_export_and_an_export_that_ends_with_all_others_are_not_late():
    monthly = _days("aws_cur/fees", {1: 3})
    sparse = _days("focus/oci", {d: 2 for d in range(1, 21) if d not in (3, 7)})
    mid_month = _days("aws_cur/a", dict.fromkeys(range(1, 21), 10)) + _days("gcp/x", dict.fromkeys(range(1, 21), 10), "gcp_billing")
    assert find_late_days(monthly + sparse + mid_month) == []


def test_column_drift_compares_with_the_previous_file_of_the_same_export_only():
    t = dt.datetime(2026, 11, 1)
    files = [
        FileColumns("aws_cur/a/p=09/x.parquet", "aws_cur/a", ("id", "cost", "instance_type"), t),
        FileColumns("aws_cur/b/p=10/y.parquet", "aws_cur/b", ("id", "cost"), t + dt.timedelta(seconds=1)),
        FileColumns("aws_cur/a/p=10/x.parquet", "aws_cur/a", ("id", "Cost", "new_col"), t + dt.timedelta(seconds=2)),
    ]
    drifts = column_drift(files, since=None)
    assert [(d.path, d.previous_path, d.added, d.missing) for d in drifts] == [
        ("aws_cur/a/p=10/x.parquet", "aws_cur/a/p=09/x.parquet", ("new_col",), ("instance_type",))]
    # reported once: a later check that saw this file already stays quiet
    assert column_drift(files, since=t + dt.timedelta(seconds=5)) == []


def test_unknown_line_item_types_are_judged_per_source_case_insensitively():
    rows = [("aws_cur", "Usage", "Usage"), ("aws_cur", "MarketplaceFee", "Adjustment"), ("gcp_billing", "REGULAR", "Usage"),
            ("my_new_source", "whatever", "Usage")]
    assert unknown_types(rows) == [("aws_cur", "MarketplaceFee", "Adjustment")]


@pytest.fixture
def ops_conn(tmp_path):
    with open_warehouse(tmp_path / "w.duckdb") as conn:
        yield conn


def _alert() -> Alert:
    return Alert(check_name="late_data", severity="warn", message="aws_cur: no rows for 2026-10-15 (a <> b & c)",
                 subject="aws_cur: export", details={"n": 1}, run_id="r1")


def test_slack_delivery_retries_then_succeeds_and_escapes_text(ops_conn, monkeypatch):
    with FakeSlack(fail_first=2) as slack:
        monkeypatch.setenv("FINOPS_SLACK_WEBHOOK_URL", slack.url)
        assert raise_alert(ops_conn, _alert()) == "delivered"
        assert slack.attempts == 3
        [text] = slack.texts
    assert "a &lt;&gt; b &amp; c" in text
    assert html.unescape(text).splitlines()[:3] == [
        ":warning: *late_data* (warn)", "aws_cur: no rows for 2026-10-15 (a <> b & c)", "Subject: aws_cur: export"]
    assert ops_conn.execute("select delivery_status, delivery_error from ops.alerts").fetchall() == [("delivered", None)]


def test_slack_delivery_gives_up_after_bounded_retries_and_records_it(ops_conn, monkeypatch):
    with FakeSlack(fail_first=100, fail_status=503) as slack:
        monkeypatch.setenv("FINOPS_SLACK_WEBHOOK_URL", slack.url)
        assert raise_alert(ops_conn, _alert()) == "failed"
        assert slack.attempts == 3
    assert ops_conn.execute("select delivery_status, delivery_error from ops.alerts").fetchall() == [
        ("failed", "HTTP 503 after 3 attempts")]


def test_an_unreachable_webhook_is_recorded_without_the_url(ops_conn, monkeypatch):
    url = closed_port_url()
    monkeypatch.setenv("FINOPS_SLACK_WEBHOOK_URL", url)
    assert raise_alert(ops_conn, _alert()) == "failed"
    [(status, error, message, details)] = ops_conn.execute(
        "select delivery_status, delivery_error, message, details_json from ops.alerts").fetchall()
    assert status == "failed" and "after 3 attempts" in error and "refused" in error.lower()
    assert FakeSlack.SECRET_PATH not in error + message + details and "127.0.0.1" not in error


def test_run_failure_sensor_writes_and_posts_an_alert(tmp_path, monkeypatch):
    import dagster as dg

    from dagster_project.sensors import run_failure_alert_sensor

    @dg.op
    def load_bill():
        raise ValueError("bill file unreadable")

    @dg.job
    def nightly_job():
        load_bill()

    warehouse = tmp_path / "w.duckdb"
    monkeypatch.setenv("FINOPS_WAREHOUSE", str(warehouse))
    with FakeSlack() as slack, dg.instance_for_test() as instance:
        monkeypatch.setenv("FINOPS_SLACK_WEBHOOK_URL", slack.url)
        result = nightly_job.execute_in_process(instance=instance, raise_on_error=False)
        assert not result.success
        failure = next(ev for ev in result.all_events if ev.event_type == dg.DagsterEventType.RUN_FAILURE)
        context = dg.build_run_status_sensor_context(
            sensor_name="run_failure_alert_sensor", dagster_event=failure, dagster_instance=instance,
            dagster_run=result.dagster_run).for_run_failure()
        run_failure_alert_sensor(context)
        [text] = slack.texts
        # the same alert from `finops run`, which executes in process without the sensor daemon
        from dagster_project.sensors import alert_in_process_failure
        from dagster_project.settings import Settings

        assert alert_in_process_failure(Settings.from_env(), result) == "delivered"
        assert slack.texts[1].splitlines()[2] == "- step load_bill: ValueError: bill file unreadable"
    run_id = result.run_id
    assert html.unescape(text).splitlines()[:3] == [
        ":red_circle: *run_failed* (error)",
        f"Run {run_id[:8]} of nightly_job failed: Execution of run for \"nightly_job\" failed. Steps failed: ['load_bill'].",
        "- step load_bill: ValueError: bill file unreadable",
    ]
    conn = duckdb.connect(str(warehouse), read_only=True)
    [(check, severity, subject, status, details), _] = conn.execute(
        "select check_name, severity, subject, delivery_status, details_json from ops.alerts order by raised_at").fetchall()
    conn.close()
    assert (check, severity, subject, status) == ("run_failed", "error", "nightly_job", "delivered")
    assert json.loads(details)["failed_steps"] == ["load_bill"]


def _spike_warehouse(path) -> None:
    with open_warehouse(path) as conn:
        conn.execute("create schema if not exists marts")
        conn.execute("create schema if not exists reference")
        conn.execute("""create table marts.focus_costs (ChargePeriodStart timestamp, x_source varchar, ServiceName varchar,
            x_tenant varchar, x_allocation_pool varchar, BillingCurrency varchar, EffectiveCost decimal(38, 10),
            ChargeCategory varchar, ChargeClass varchar)""")
        conn.execute("create schema if not exists intermediate")
        # int_fx_rates_ranged's shape: USD 1 on every day, JPY from one rate valid all month (open-ended)
        conn.execute("""create table intermediate.int_fx_rates_ranged (currency varchar, rate_date date, valid_from date,
            valid_to date, usd_per_unit decimal(38, 12), rate_source varchar)""")
        conn.execute("""insert into intermediate.int_fx_rates_ranged values
            ('USD', null, null, null, 1, 'identity'), ('JPY', '2026-10-01', '2026-10-01', null, 0.0067, 'test')""")
        for day in range(1, 11):
            # search: ~100 USD a day, 420 on the 8th (4.2x the median, 320 above it); a small service triples (under the floor)
            ec2 = {8: "420"}.get(day, str(100 + day % 3))
            conn.execute("insert into marts.focus_costs values (?, 'aws_cur', 'EC2', 'search', null, 'USD', ?, 'Usage', null)",
                         [dt.datetime(2026, 10, day, 3), Decimal(ec2)])
            conn.execute("insert into marts.focus_costs values (?, 'aws_cur', 'S3', 'search', null, 'USD', ?, 'Usage', null)",
                         [dt.datetime(2026, 10, day, 3), Decimal("90" if day == 9 else "10")])
            # a common pool in yen: 150,000 JPY (~1,000 USD) on the 9th against ~15,000
            conn.execute("insert into marts.focus_costs values (?, 'aws_cur', 'VPC', null, 'shared_platform', 'JPY', ?, 'Usage', null)",
                         [dt.datetime(2026, 10, day, 3), Decimal("150000" if day == 9 else "15000")])
            # a credit is not usage
            conn.execute("insert into marts.focus_costs values (?, 'aws_cur', 'EC2', 'search', null, 'USD', ?, 'Credit', null)",
                         [dt.datetime(2026, 10, day, 3), Decimal("-5000" if day == 7 else "-1")])


def test_daily_cost_spikes_finds_spikes_above_the_floor_and_alerts_each_once(tmp_path, monkeypatch):
    import dagster as dg

    from dagster_project.checks.spikes import daily_cost_spikes
    from dagster_project.resources import FinopsWarehouse

    w = tmp_path / "w.duckdb"
    _spike_warehouse(w)
    warehouse = FinopsWarehouse(warehouse=str(w))
    with FakeSlack() as slack:
        monkeypatch.setenv("FINOPS_SLACK_WEBHOOK_URL", slack.url)
        first = daily_cost_spikes(dg.build_asset_check_context(), warehouse=warehouse)
        second = daily_cost_spikes(dg.build_asset_check_context(), warehouse=warehouse)
        texts = [html.unescape(t).splitlines() for t in slack.texts]
    assert not first.passed and second.passed
    assert len(texts) == 1
    assert texts[0][1:4] == [
        "2 daily cost spike(s) (> 3x the trailing 7-day median and >= 200 USD above it):",
        "- 2026-10-08 EC2 for tenant search (aws_cur): 420.00 USD, 4.2x the trailing median of 101.00 USD (7 prior days)",
        ("- 2026-10-09 VPC for tenant common pool shared_platform (aws_cur): 150,000.00 JPY, 10.0x the trailing median of "
        "15,000.00 JPY (7 prior days)"),
    ]
    assert second.description == ("no new daily cost spikes (> 3x the trailing 7-day median and >= 200 USD above it) "
                                  "(2 spike(s) seen before were already alerted)")


def test_gx_chargeback_suite_names_each_broken_rule_with_counts(tmp_path, monkeypatch):
    import dagster as dg

    from dagster_project.checks.gx_suites import gx_fct_chargeback_daily
    from dagster_project.resources import FinopsWarehouse
    from tests.helpers import REPO

    w = tmp_path / "w.duckdb"
    with open_warehouse(w) as conn:
        conn.execute("create schema marts")
        conn.execute("""create table marts.fct_chargeback_daily (charge_date date, billing_month date, tenant varchar,
            currency varchar, variable_cost decimal(38, 10), common_cost decimal(38, 10), total_cost decimal(38, 10))""")
        conn.execute("""insert into marts.fct_chargeback_daily values
            ('2026-10-01', '2026-10-01', 'search', 'USD', 10.00, 2.50, 12.50),
            ('2026-10-01', '2026-10-01', null, 'USD', 1.00, 0, 1.00),
            ('2026-10-02', '2026-10-01', 'search', 'USD', 10.00, 2.50, 13.50),
            ('2026-10-02', '2026-10-01', 'search', 'USD', 1.00, 0, 1.00)""")
    monkeypatch.delenv("FINOPS_SLACK_WEBHOOK_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    result = gx_fct_chargeback_daily(dg.build_asset_check_context(), warehouse=FinopsWarehouse(warehouse=str(w)))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.description.splitlines()[:4] == [
        "GX suite on marts.fct_chargeback_daily: 3 of 12 expectations fail on 4 rows:",
        "- tenant is not null: 1 of 4 rows are null",
        "- total_cost = variable_cost + common_cost: 1 of 4 rows fail (25.00%), e.g. (13.5, 12.5) x1",
        "- one row per charge_date x tenant x currency: 2 of 4 rows fail (50.00%), e.g. (2026-10-02, 'search', 'USD') x2",
    ]
    assert "Look: select * from marts.fct_chargeback_daily where tenant is null limit 20" in result.description
    with duckdb.connect(str(w), read_only=True) as conn:
        assert conn.execute("select check_name, severity, delivery_status from ops.alerts").fetchall() == [
            ("gx_fct_chargeback_daily", "error", "not_configured")]
    # the ephemeral context writes nothing
    assert list(tmp_path.iterdir()) == [w] and not (REPO / "gx").exists()
