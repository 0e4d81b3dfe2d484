"""CSV exports neutralize spreadsheet formula prefixes; numbers and plain text are untouched."""

from __future__ import annotations

import csv

import duckdb

from dagster_project.export import export


def test_csv_export_neutralizes_formula_prefixes(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("create schema marts")
        conn.execute("create table marts.fct_chargeback_monthly (tenant varchar, note varchar, total_cost decimal(38, 10))")
        conn.executemany("insert into marts.fct_chargeback_monthly values (?, ?, ?)", [
            ("payments", '=HYPERLINK("http://evil","x")', -5),
            ("payments", "+1+1", 1),
            ("payments", "-2", 2),
            ("payments", "@SUM(A1)", 3),
            ("payments", "\tTAB", 4),
            ("payments", "plain, text", 5),
        ])
    out = tmp_path / "out"
    done = export(warehouse, out, None, "csv")
    assert [e.table for e in done] == ["fct_chargeback_monthly"]
    with open(out / "fct_chargeback_monthly" / "data.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["note"] for r in rows] == ["'=HYPERLINK(\"http://evil\",\"x\")", "'+1+1", "'-2", "'@SUM(A1)", "'\tTAB", "plain, text"]
    assert next(r["total_cost"] for r in rows).startswith("-5")  # numbers keep their sign
    assert all(r["tenant"] == "payments" for r in rows)
