"""The report page's CSS and the helpers every section uses: the context (connection, minor
units), numeric cells, the "not available" note and long texts folded behind a click."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from dagster_project.report import queries as q
from dagster_project.report.fmt import esc, money

FONT_STACK = ("'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Hiragino Kaku Gothic ProN', 'Yu Gothic', "
              "'Meiryo', system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif")

CSS = f"""
:root {{ --ok: #2e9d5b; --bad: #d1495b; --warn: #c98a00; --muted: #666; --line: #e3e3e3; }}
* {{ box-sizing: border-box; }}
body {{ font-family: {FONT_STACK}; margin: 0; color: #1d1d1f; background: #fafafa; line-height: 1.45; }}
header {{ background: #1f3a5f; color: #fff; padding: 20px 32px; }}
header h1 {{ margin: 0 0 4px; font-size: 1.5rem; }}
header p {{ margin: 0; opacity: .85; font-size: .9rem; }}
nav {{ padding: 8px 32px; background: #fff; border-bottom: 1px solid var(--line); font-size: .9rem; position: sticky; top: 0; }}
nav a {{ margin-right: 16px; color: #1f3a5f; text-decoration: none; }}
main {{ padding: 8px 24px 48px; max-width: 1320px; }}
section {{ overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 18px 0; }}
h2 {{ margin: 0 0 8px; font-size: 1.2rem; }}
h3 {{ font-size: 1rem; margin: 18px 0 6px; }}
p.note {{ color: var(--muted); font-size: .85rem; margin: 4px 0 10px; }}
p.na {{ color: var(--muted); font-style: italic; }}
table {{ border-collapse: collapse; font-size: .85rem; margin: 6px 0 10px; }}
th, td {{ padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }}
th {{ background: #f3f5f8; font-weight: 600; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
td.neg {{ color: var(--bad); }}
tr.total td {{ font-weight: 700; border-top: 2px solid #999; }}
tr.best td {{ background: #eef8f1; }}
td.nowrap {{ white-space: nowrap; }}
div.sub {{ font-size: .75rem; color: var(--muted); white-space: normal; }}
details summary {{ cursor: pointer; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0; }}
.card {{ border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 150px; background: #fff; }}
.card .label {{ color: var(--muted); font-size: .8rem; }}
.card .value {{ font-size: 1.25rem; font-weight: 700; font-variant-numeric: tabular-nums; }}
.ok {{ color: var(--ok); }} .bad {{ color: var(--bad); }} .warn {{ color: var(--warn); }}
.badge {{ display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: .78rem; font-weight: 700; }}
.badge.ok {{ background: var(--ok); color: #fff; }} .badge.bad {{ background: var(--bad); color: #fff; }}
.badge.warn {{ background: var(--warn); color: #fff; }}
.days {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(74px, 1fr)); gap: 6px; margin: 8px 0; }}
.day {{ border-radius: 6px; padding: 6px; color: #fff; font-size: .78rem; text-align: center; }}
.day.ok {{ background: var(--ok); }} .day.bad {{ background: var(--bad); }}
.day b {{ display: block; font-size: .9rem; }}
.legend {{ display: flex; flex-wrap: wrap; gap: 14px; font-size: .85rem; margin: 6px 0; }}
.legend span.sw {{ display: inline-block; width: 12px; height: 12px; margin-right: 2px; vertical-align: -1px; border-radius: 2px; }}
svg.chart {{ width: 100%; height: auto; max-width: 980px; display: block; }}
svg.chart .grid {{ stroke: #eee; stroke-width: 1; }}
svg.chart .zero {{ stroke: #888; stroke-width: 1; }}
svg.chart text.tick {{ font-size: 11px; fill: #555; font-family: {FONT_STACK}; }}
footer {{ color: var(--muted); font-size: .8rem; padding: 0 32px 32px; }}
@media print {{ nav {{ position: static; }} section {{ break-inside: avoid; }} }}
"""


class Ctx:
    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn
        self.units = q.minor_units(conn)

    def has(self, table: str, schema: str = "marts") -> bool:
        return q.has_table(self.conn, schema, table)

    def money(self, v, cur) -> str:
        return money(v, cur, self.units)


def num_td(text: str, value=None, col: str | None = None) -> str:
    neg = value is not None and Decimal(value) < 0
    attr = f' data-col="{esc(col)}"' if col else ""
    return f'<td class="num{" neg" if neg else ""}"{attr}>{esc(text)}</td>'


def not_available(table: str) -> str:
    return f'<p class="na">Not available yet: <code>{esc(table)}</code> is not in this warehouse.</p>'


def long_text(text: str | None, limit: int = 220) -> str:
    """Check and alert messages can run to pages: the first lines, the rest behind a click (no script)."""
    if text is None or len(text) <= limit:
        return esc(text)
    return f"<details><summary>{esc(text[:limit])}…</summary>{esc(text[limit:])}</details>"
