"""`finops report`: the numbers in the HTML are the marts' numbers, it is self-contained,
Japanese tenant names survive, and headless Chromium renders it without console errors."""

from __future__ import annotations

import re
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from dagster_project.report import build_report
from dagster_project.report.fmt import fixed, money, parse_number
from tests.helpers import REPO, finops, query

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


class Cells(HTMLParser):
    """Every <td>/<th> with its table id, row attributes and own attributes; every <div> card."""

    def __init__(self):
        super().__init__()
        self.cells: list[dict] = []
        self.divs: list[dict] = []
        self.tags: list[tuple[str, dict]] = []
        self._table = self._row = self._cell = None
        self._div_stack: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table":
            self._table = a
        elif tag == "tr":
            self._row = a
        elif tag in ("td", "th"):
            self._cell = {"table": (self._table or {}).get("id"), "table_attrs": self._table, "row": self._row,
                          "attrs": a, "tag": tag, "text": ""}
        elif tag == "div":
            d = {"attrs": a, "text": ""}
            self._div_stack.append(d)
            self.divs.append(d)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._cell["text"] = self._cell["text"].strip()
            self.cells.append(self._cell)
            self._cell = None
        elif tag == "table":
            self._table = None
        elif tag == "div" and self._div_stack:
            self._div_stack.pop()

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data
        for d in self._div_stack:
            d["text"] += data


@pytest.fixture(scope="module")
def report(demo) -> dict:
    out = demo["root"] / "report" / "report.html"
    proc = finops("report", "--warehouse", str(demo["warehouse"]), "--out", str(out))
    assert str(out) in proc.stdout, proc.stdout
    html = out.read_text(encoding="utf-8")
    parser = Cells()
    parser.feed(html)
    return {"path": out, "html": html, "cells": parser.cells, "divs": parser.divs, "tags": parser.tags, "warehouse": demo["warehouse"]}


def q2(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_chargeback_table_equals_the_mart(report):
    wh = report["warehouse"]
    month, currency = query(wh, "select max(billing_month), any_value(currency) from marts.fct_chargeback_monthly")[0]
    mart = {t: (v, c, tot) for t, v, c, tot in query(
        wh, "select tenant, variable_cost, common_cost, total_cost from marts.fct_chargeback_monthly where billing_month = ?", [month])}
    cells = [c for c in report["cells"] if c["table"] == f"chargeback-monthly-{currency}" and c["tag"] == "td"]
    assert cells, "chargeback table missing"
    assert cells[0]["table_attrs"]["data-month"] == f"{month:%Y-%m}"
    seen: dict[str, dict] = {}
    for c in cells:
        col = c["attrs"].get("data-col")
        if col:
            seen.setdefault(c["row"]["data-tenant"], {})[col] = c["text"]
    totals = seen.pop("")
    assert set(seen) == set(mart)
    for tenant, (variable, common, total) in mart.items():
        row = seen[tenant]
        assert parse_number(row["variable_cost"]) == q2(variable), tenant
        assert parse_number(row["common_cost"]) == q2(common), tenant
        assert parse_number(row["total_cost"]) == q2(total), tenant
        assert row["total_cost"] == money(total, currency)  # thousands separators, 2 decimals
    platform_cost = query(wh, "select platform_cost from marts.fct_platform_balance_monthly where billing_month = ?", [month])[0][0]
    assert parse_number(totals["total_cost"]) == q2(platform_cost)


def test_japanese_tenant_and_self_contained(report):
    html = report["html"]
    assert "需要予測" in html
    assert '<meta charset="utf-8">' in html
    assert "'Noto Sans CJK JP'" in html and "'Hiragino Sans'" in html and "'Yu Gothic'" in html
    # nothing fetched at view time: no scripts, no external stylesheets, images or links
    for tag, attrs in report["tags"]:
        assert tag != "script"
        for key in ("src", "href"):
            value = attrs.get(key)
            if value is not None:
                assert value.startswith(("#", "data:")), (tag, attrs)
    assert "<svg" in html


def test_balance_days_follow_the_mart(report):
    wh = report["warehouse"]
    mart = {f"{d:%Y-%m-%d}": bal for d, bal in query(wh, "select charge_date, balance from marts.fct_platform_balance_daily")}
    days = {d["attrs"]["data-date"]: d["attrs"]["class"] for d in report["divs"] if "data-date" in d["attrs"]}
    assert set(days) == set(mart)
    for day, balance in mart.items():
        assert days[day] == ("day ok" if balance == 0 else "day bad"), day


def test_tei_figures(report):
    wh = report["warehouse"]
    aid, cur, npv, roi, payback, pv_b, pv_c = query(
        wh, "select analysis_id, currency, npv, roi, payback_months, pv_benefits, pv_costs from marts.tei_summary where analysis_id = 'mlops_model_org'")[0]
    cards = {d["attrs"]["data-metric"]: d["text"].strip() for d in report["divs"] if "data-metric" in d["attrs"]}
    assert "7,721,613" in report["html"]
    assert cards["npv"].endswith(f"{money(npv, cur)} {cur}")
    assert money(npv, cur) == "7,721,613.45"
    assert cards["roi"].endswith(fixed(roi * 100, 1) + "%")
    assert cards["payback_months"].endswith(f"{payback} months")
    # the PV column's total in the benefit and cost tables is the summary's PV
    for kind, expected in (("benefits", pv_b), ("costs", pv_c)):
        pv_total = [c for c in report["cells"] if c["table"] == f"tei-{kind}-{aid}" and c["attrs"].get("data-col") == "present_value"
                    and (c["row"] or {}).get("class") == "total"]
        assert parse_number(pv_total[0]["text"]) == q2(expected), kind
    # cash flow: every cumulative figure as in the mart
    cum = [parse_number(c["text"]) for c in report["cells"]
           if c["table"] == f"tei-cash-flow-{aid}" and c["attrs"].get("data-col") == "cumulative_net"]
    assert cum == [q2(v) for (v,) in query(wh, "select cumulative_net from marts.tei_cash_flow where analysis_id = ? order by period", [aid])]


def test_token_and_whatif_sections(report):
    wh = report["warehouse"]
    has = {t for (t,) in query(wh, "select table_name from information_schema.tables where table_schema = 'marts'")}
    if "fct_token_usage_daily" in has:
        mart = dict(query(wh, "select provider || '/' || model, sum(cost) from marts.fct_token_usage_daily group by all "
                              "having sum(cost) is not null"))
        shown = {f'{c["row"]["data-provider"]}/{c["row"]["data-model"]}': parse_number(c["text"]) for c in report["cells"]
                 if c["table"] == "token-economics" and c["attrs"].get("data-col") == "cost" and c["text"]}
        assert shown == {k: q2(v) for k, v in mart.items()}
    else:
        assert "Not available yet: <code>marts.fct_token_usage_daily</code>" in report["html"]
    if "fct_model_switch_whatif" in has:
        mart = {key[:4]: key[4] for key in query(wh, """
            select provider, model, alternative_provider, alternative_model,
                case when count(saving) = count(*) then sum(saving) end
            from marts.fct_model_switch_whatif group by all""")}
        keys = ("data-provider", "data-model", "data-alternative-provider", "data-alternative")
        shown = {tuple(c["row"][k] for k in keys): c["text"] for c in report["cells"]
                 if c["table"] == "model-switch" and c["attrs"].get("data-col") == "saving"}
        assert set(shown) == set(mart)
        for key, saving in mart.items():
            assert shown[key] == ("" if saving is None else money(saving, "USD")), key
    else:
        assert "Not available yet: <code>marts.fct_model_switch_whatif</code>" in report["html"]


def test_sections_without_marts_say_not_available(tmp_path):
    wh = tmp_path / "empty.duckdb"
    duckdb.connect(str(wh)).close()
    html = build_report(wh, tmp_path / "r.html").read_text(encoding="utf-8")
    for table in ("marts.fct_chargeback_daily", "marts.fct_chargeback_monthly", "marts.tei_summary", "ops.alerts"):
        assert f"Not available yet: <code>{table}</code>" in html


def test_missing_warehouse_is_a_readable_error(tmp_path):
    proc = finops("report", "--warehouse", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path / "r.html"), check=False)
    assert proc.returncode == 1
    assert "does not exist" in proc.stderr and "finops run" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_money_formatting():
    assert money(Decimal("1234567.005"), "USD") == "1,234,567.01"
    assert money(Decimal("1234567.5"), "JPY", {"JPY": 0}) == "1,234,568"
    assert money(Decimal("-0.001"), "USD") == "0.00"
    assert money(Decimal("-735000.0000000000"), "USD") == "-735,000.00"
    assert fixed(Decimal("0.1") + Decimal("0.2"), 2) == "0.30"


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not exe:
        pytest.skip("Chromium not found: on Debian `apt-get install -y chromium fonts-noto-cjk` (the Makefile's browser step)")
    return exe


def _chromium_run(exe: str, page: Path, profile: Path, *mode: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *mode, page.as_uri()],
        check=False, capture_output=True, text=True, timeout=120,
    )


def _console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_renders_in_headless_chromium(report, tmp_path):
    exe = _chromium()
    # The detector itself: a page with a console error must be caught, or this test proves nothing.
    canary = tmp_path / "canary.html"
    canary.write_text('<!DOCTYPE html><html><body><script>console.error("canary")</script></body></html>', encoding="utf-8")
    proc = _chromium_run(exe, canary, tmp_path / "profile-canary", "--dump-dom")
    assert any("canary" in line for line in _console_lines(proc.stderr)), proc.stderr[-3000:]

    proc = _chromium_run(exe, report["path"], tmp_path / "profile-dom", "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _console_lines(proc.stderr) == []
    dom = proc.stdout
    assert "需要予測" in dom and "Total Economic Impact" in dom and "<svg" in dom
    assert re.search(r'id="chargeback-monthly-\w+"', dom)

    shot = REPO / "build" / "report.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.unlink(missing_ok=True)
    proc = _chromium_run(exe, report["path"], tmp_path / "profile-shot", "--window-size=1440,5600", f"--screenshot={shot}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _console_lines(proc.stderr) == []
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_llm_estimated_vs_billed_section_follows_the_reconciliation(report):
    wh = report["warehouse"]
    # per provider and day, straight from the mart (the report's own query is not used here)
    mart = {(str(d), p): (q2(est), q2(billed) if billed_day else None) for d, p, est, billed, billed_day in query(wh, """
        select usage_date, provider, sum(estimated_cost), sum(billed_cost), bool_or(is_billed_day)
        from marts.fct_llm_cost_reconciliation group by 1, 2""")}
    cells = [c for c in report["cells"] if c["table"] == "llm-bill-daily" and c["tag"] == "td" and c["attrs"].get("data-col")]
    seen: dict[tuple, dict] = {}
    for c in cells:
        seen.setdefault((c["row"]["data-day"], c["row"]["data-provider"]), {})[c["attrs"]["data-col"]] = c["text"]
    assert set(seen) == set(mart)
    # the sample bills every day of the month: each day has its bill
    assert all(billed is not None for _, billed in mart.values())
    for key, (estimated, billed) in mart.items():
        assert parse_number(seen[key]["estimated"]) == estimated, key
        assert parse_number(seen[key]["billed"]) == billed, key
    assert "estimated vs billed per day" in report["html"]
    assert '<table id="tenant-token-cost">' in report["html"]
