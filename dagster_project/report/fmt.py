"""Number formatting for people: Decimal in, text out, never through float."""

from __future__ import annotations

import html
from decimal import ROUND_HALF_UP, Decimal

# Used only when the warehouse has no reference.currencies seed.
DEFAULT_MINOR_UNITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0}


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def to_decimal(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    # floats only reach here from derived ratios; str() keeps their shortest repr
    return Decimal(str(value))


def fixed(value: object, places: int) -> str:
    """`value` rounded half-up to `places` decimals with thousands separators ('' for null)."""
    d = to_decimal(value)
    if d is None:
        return ""
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if q == 0:
        q = abs(q)  # no "-0.00"
    return f"{q:,.{places}f}"


def money(value: object, currency: str | None, minor_units: dict[str, int] | None = None) -> str:
    places = (minor_units or {}).get(currency or "", DEFAULT_MINOR_UNITS.get(currency or "", 2))
    return fixed(value, places)


def integer(value: object) -> str:
    return fixed(value, 0)


def percent(ratio: object, places: int = 1) -> str:
    d = to_decimal(ratio)
    return "" if d is None else fixed(d * 100, places) + "%"


def parse_number(text: str) -> Decimal:
    """Inverse of `fixed` for tests and readers of the HTML: '1,234.50' -> Decimal('1234.50')."""
    return Decimal(text.replace(",", "").replace("%", "").strip())
