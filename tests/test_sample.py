"""The sample generator: deterministic, AWS's layout and line item types, bounded memory."""

from __future__ import annotations

import hashlib
import resource
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.helpers import BIN, finops

LINE_ITEM_TYPES = {"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation",
                   "SavingsPlanRecurringFee", "RIFee", "Fee", "Tax", "Credit", "Refund"}


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_files(tmp_path):
    for name in ("a", "b"):
        finops("sample", "--out", str(tmp_path / name), "--month", "2026-10", "--seed", "5", "--rows", "2000", "--source", "aws_cur")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


def test_cur_layout_columns_and_line_item_types(tmp_path):
    finops("sample", "--out", str(tmp_path), "--month", "2026-10", "--seed", "5", "--rows", "2000", "--source", "aws_cur")
    files = sorted((tmp_path / "aws_cur").rglob("*.parquet"))
    assert files and all("/data/BILLING_PERIOD=2026-10/" in f.as_posix() for f in files)
    glob = str(tmp_path / "aws_cur" / "**" / "*.parquet")
    types = {r[0] for r in duckdb.sql(f"select distinct line_item_line_item_type from read_parquet('{glob}')").fetchall()}
    assert types == LINE_ITEM_TYPES
    currencies = {r[0] for r in duckdb.sql(f"select distinct line_item_currency_code from read_parquet('{glob}')").fetchall()}
    assert currencies == {"USD", "JPY"}
    tenants = {r[0] for r in duckdb.sql(
        f"select distinct resource_tags['user_tenant'] from read_parquet('{glob}') where resource_tags['user_tenant'] is not null").fetchall()}
    assert "需要予測" in tenants and "shared" in tenants and len(tenants) >= 6
    untagged = duckdb.sql(f"select count(*) from read_parquet('{glob}') where resource_tags['user_tenant'] is null and line_item_line_item_type = 'Usage'").fetchall()[0][0]
    assert untagged > 0


@pytest.mark.slow
def test_ten_million_rows_in_bounded_memory(tmp_path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([str(BIN / "finops"), "sample", "--out", str(tmp_path), "--month", "2026-10", "--seed", "1",
                    "--rows", "10000000", "--source", "aws_cur"], check=True, capture_output=True)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak_kb >= before
    assert peak_kb < 2 * 1024 * 1024, f"peak RSS {peak_kb / 1024:.0f} MB"
    glob = str(tmp_path / "aws_cur" / "platform-cur2" / "**" / "*.parquet")
    assert duckdb.sql(f"select count(*) from read_parquet('{glob}')").fetchall()[0][0] == 10_000_000
