"""Program weeks run Monday to Sunday: the one definition every area counts weeks by."""

from __future__ import annotations

from datetime import date, timedelta


def week_start(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def week_starts(last_day: date, count: int) -> list[date]:
    """The Mondays of `count` weeks ending with the week of `last_day`, oldest first."""
    last = week_start(last_day)
    return [last - timedelta(weeks=back) for back in range(count - 1, -1, -1)]
