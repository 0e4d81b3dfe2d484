"""The report as one HTML string: inline CSS and SVG, no script, no network at view time.

The sections live in their own modules (`sections`, `containers`, `quality`, `tokens`, `llm`,
`tei`); the page's CSS and shared helpers in `layout`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from dagster_project.report.containers import container_jobs
from dagster_project.report.fmt import esc
from dagster_project.report.layout import CSS, FONT_STACK, Ctx, long_text, not_available, num_td
from dagster_project.report.llm import llm_bill_section
from dagster_project.report.quality import data_quality
from dagster_project.report.sections import balance_status, chargeback_table, cost_by_tenant, overview, tenant_colors
from dagster_project.report.svg import PALETTE
from dagster_project.report.tei import tei_section
from dagster_project.report.tokens import model_switch, token_economics

# names other modules and earlier callers import from here
__all__ = [
    "CSS", "FONT_STACK", "PALETTE", "SECTIONS", "Ctx", "balance_status", "chargeback_table", "container_jobs",
    "cost_by_tenant", "data_quality", "llm_bill", "long_text", "model_switch", "not_available", "num_td", "overview",
    "render", "tei_section", "tenant_colors", "token_economics",
]


def llm_bill(c: Ctx) -> str:
    return llm_bill_section(c)


SECTIONS = [
    ("overview", "Overview", overview),
    ("cost-by-tenant", "Cost by tenant over time", cost_by_tenant),
    ("chargeback", "This month's chargeback", chargeback_table),
    ("containers", "Container jobs and idle capacity", container_jobs),
    ("balance", "Zero balance per day", balance_status),
    ("quality", "Data quality and open alerts", data_quality),
    ("tokens", "Token unit economics", token_economics),
    ("llm-bill", "LLM: estimated vs billed", llm_bill),
    ("whatif", "Model-switch what-if", model_switch),
    ("tei", "Total Economic Impact", tei_section),
]


def render(conn: duckdb.DuckDBPyConnection, warehouse: Path, on_section=None) -> str:
    c = Ctx(conn)
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = []
    for sid, title, fn in SECTIONS:
        if on_section:
            on_section(title)
        parts.append(f'<section id="{sid}"><h2>{esc(title)}</h2>{fn(c)}</section>')
    nav = "".join(f'<a href="#{sid}">{esc(title)}</a>' for sid, title, _ in SECTIONS)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="finops report">
<title>FinOps report</title>
<link rel="icon" href="data:,">
<style>{CSS}</style>
</head>
<body>
<header><h1>FinOps report</h1><p>Warehouse {esc(warehouse)} · generated {generated} · amounts exactly as in the marts,
rounded to the currency's minor unit</p></header>
<nav>{nav}</nav>
<main>
{"".join(parts)}
</main>
<footer>Built by <code>finops report</code> from the public marts (docs/bi.md). Self-contained: no scripts, no network.</footer>
</body>
</html>
"""
