"""The app's one clock: every "now" and "today" in Stepwise comes from here.

Tests, the demo and time-travel runs move this clock (time-machine patches what it reads), so the
pages, the jobs and the seed always agree on what day it is. Nothing else reads the system time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def today(zone: tzinfo) -> date:
    """Today's date in a time zone (a program's zone: "today" is always somebody's local day)."""
    return now().astimezone(zone).date()
