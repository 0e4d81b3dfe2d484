"""Deterministic AWS CUR 2.0 (Data Exports) sample for a multi-tenant batch platform.

Writes parquet in AWS's layout: <out>/aws_cur/<export>/data/BILLING_PERIOD=YYYY-MM/<export>-0000N.snappy.parquet
Money columns are doubles, as AWS writes them; every generated amount has at most ten
decimals so the warehouse's DECIMAL(38,10) reads it back exactly.

The columns and products are in aws_cur_schema.py, the bulk usage in aws_cur_bulk.py, the
commitments, fees, credits and taxes in aws_cur_special.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from dagster_project.sample.aws_cur_bulk import _bulk_usage, _catalog
from dagster_project.sample.aws_cur_schema import (
    EXPORTS,
    GPU_PRODUCT,
    PRODUCTS,
    REGION_PREFIX,
    SCHEMA,
    SHARED_PRODUCTS,
    TAGS_TYPE,
    Export,
    _sku,
    _ts,
    hash_str,
)
from dagster_project.sample.aws_cur_special import _special_rows
from dagster_project.sample.common import month_bounds

__all__ = [
    "CHUNK_ROWS", "EXPORTS", "GPU_PRODUCT", "PRODUCTS", "REGION_PREFIX", "ROWS_PER_FILE", "SCHEMA", "SHARED_PRODUCTS",
    "SOURCE_NAME", "TAGS_TYPE", "Export", "_month_bounds", "_sku", "generate", "hash_str",
]

CHUNK_ROWS = 500_000
ROWS_PER_FILE = 2_000_000


_month_bounds = month_bounds  # the name focus.py and gcp_billing.py import

SOURCE_NAME = "aws_cur"


def generate(out: Path, month: str, seed: int, rows: int = 20_000) -> list[Path]:
    """Write both exports for `month`; `rows` sizes the main export's usage volume."""
    written: list[Path] = []
    for i, export in enumerate(EXPORTS):
        export_rows = rows if i == 0 else max(200, rows // 20)
        written += _generate_export(out, export, month, seed + i, export_rows)
    return written


def _generate_export(out: Path, export: Export, month: str, seed: int, rows: int) -> list[Path]:
    rng = np.random.default_rng(seed)
    start, end, ndays = _month_bounds(month)
    folder = out / "aws_cur" / export.name / "data" / f"BILLING_PERIOD={month}"
    folder.mkdir(parents=True, exist_ok=True)
    period_start, period_end = _ts(start), _ts(end)
    common = dict(
        bill_bill_type="Anniversary",
        bill_billing_entity="AWS",
        bill_billing_period_start_date=period_start,
        bill_billing_period_end_date=period_end,
        bill_invoicing_entity=export.invoicing_entity,
        bill_invoice_id=f"{export.payer_id[-4:]}{month.replace('-', '')}INV",
        bill_payer_account_id=export.payer_id,
        bill_payer_account_name=export.payer_name,
        line_item_currency_code=export.currency,
        line_item_legal_entity=export.invoicing_entity,
        pricing_currency=export.currency,
    )
    special = _special_rows(export, rng, start, ndays, common)
    n_bulk = max(rows - special.num_rows, 0)
    paths = []
    writer = None
    part = 0
    written_in_part = 0

    def open_writer():
        nonlocal writer, part, written_in_part
        if writer is not None:
            writer.close()
        part += 1
        written_in_part = 0
        path = folder / f"{export.name}-{part:05d}.snappy.parquet"
        writer = pq.ParquetWriter(path, SCHEMA, compression="snappy")
        paths.append(path)

    open_writer()
    writer.write_table(special)
    written_in_part += special.num_rows
    catalog = _catalog(export, rng)
    done = 0
    while done < n_bulk:
        n = min(CHUNK_ROWS, n_bulk - done)
        if written_in_part >= ROWS_PER_FILE:
            open_writer()
        writer.write_table(_bulk_usage(export, catalog, rng, start, ndays, done, n, common))
        written_in_part += n
        done += n
    writer.close()
    return paths
