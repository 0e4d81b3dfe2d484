"""Names shared by every source's sample generator, so tenants line up across sources, and the
billing month's bounds they all write."""

from __future__ import annotations

import calendar
import datetime as dt

# The `tenant` tag value each tenant's resources carry (one name is Japanese on purpose).
TENANT_TAGS = ("payments", "search", "ml-research", "analytics", "需要予測")


def month_bounds(month: str) -> tuple[dt.date, dt.date, int]:
    """(first day, first day of the next month, days in the month) of 'YYYY-MM'."""
    year, mon = (int(x) for x in month.split("-"))
    ndays = calendar.monthrange(year, mon)[1]
    start = dt.date(year, mon, 1)
    end = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return start, end, ndays
