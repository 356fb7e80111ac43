"""A wearable's days read from a CSV export's rows: dates, numbers as the exports write them, plausible
ranges, the same day twice; and the means the care team reads.

Plain Python, no Flask and no database: the client's import pages, the demo and the tests share it. The
file itself (text, delimiter, header, which column is which) is iop.clinical.wearable_files, with what we
assumed about each export.

Dates are read as written (the exporting phone's local day); a time after the date is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iop.clinical.wearable_files import Table

EARLIEST_DAY = date(2000, 1, 1)
SOURCES = {"apple_health": "Apple Health", "fitbit": "Fitbit", "garmin": "Garmin", "other": "Another device"}

# What a column can be; sleep comes in hours or in minutes (converted to hours).
TARGETS = ("day", "sleep_hours", "sleep_minutes", "resting_hr", "hrv_ms", "steps")
VALUE_TARGETS = TARGETS[1:]
TARGET_LABELS = {
    "day": "Date",
    "sleep_hours": "Sleep (hours)",
    "sleep_minutes": "Sleep (minutes)",
    "resting_hr": "Resting heart rate (bpm)",
    "hrv_ms": "Heart rate variability (ms)",
    "steps": "Steps",
}
# Plausible values, both ends included; anything outside is a row error, never stored.
RANGES = {
    "sleep_hours": (0, 24),
    "sleep_minutes": (0, 24 * 60),
    "resting_hr": (25, 220),
    "hrv_ms": (1, 300),
    "steps": (0, 100_000),
}
UNITS = {
    "sleep_hours": "hours",
    "sleep_minutes": "minutes",
    "resting_hr": "bpm",
    "hrv_ms": "ms",
    "steps": "steps",
}
WHAT = {
    "sleep_hours": "sleep",
    "sleep_minutes": "sleep",
    "resting_hr": "resting heart rate",
    "hrv_ms": "HRV",
    "steps": "steps",
}

DATE_FORMATS = {
    "auto": "Recognise the format",
    "ymd": "Year-month-day (2026-11-30)",
    "mdy": "Month/day/year (11/30/2026)",
    "dmy": "Day/month/year (30/11/2026 or 30.11.2026)",
}


@dataclass(frozen=True)
class WearableRow:
    line: int
    day: date
    sleep_hours: float | None = None
    resting_hr: float | None = None
    hrv_ms: float | None = None
    steps: int | None = None


@dataclass(frozen=True)
class RowError:
    line: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ParsedRows:
    rows: tuple[WearableRow, ...]
    errors: tuple[RowError, ...]
    date_format: str  # the format used (auto resolved to ymd, mdy or dmy)
    notes: tuple[str, ...] = field(default=())


def shorten(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- values ---------------------------------------------------------------------------------------

_MISSING = {"", "-", "--", "n/a", "na", "null", "none"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d+)?|\.\d+)$")
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d+$")
_DOT_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_UNIT_SUFFIX = re.compile(r"\s*(ms|bpm|steps|hrs?|hours?|h|min|mins|minutes)$", re.IGNORECASE)
_HOURS_MINUTES = re.compile(r"^(\d{1,2})\s*h(?:rs?|ours?)?\s*(?:(\d{1,2})\s*m(?:in(?:utes?|s)?)?)?$", re.I)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?$")


def parse_number(text: str, *, decimal_comma: bool = False) -> float | None:
    """A number as exports write it ("1,234", "45ms"; in semicolon files, from locales with a decimal
    comma, "7,5" and "8.123" for 8123); None when empty. ValueError when it is not a number."""
    value = text.strip().replace("\u00a0", " ")
    if value.lower() in _MISSING:
        return None
    value = _UNIT_SUFFIX.sub("", value).strip()
    if decimal_comma and _DOT_THOUSANDS.match(value):
        value = value.replace(".", "").replace(",", ".")
    elif decimal_comma and _DECIMAL_COMMA.match(value):
        value = value.replace(",", ".")
    elif _THOUSANDS.match(value):
        value = value.replace(",", "")
    if not _NUMBER.match(value):
        raise ValueError("not a number")
    # Digits only, so the one non-finite result is a number too long for a float: infinity, out of range.
    return float(value)


def parse_sleep_hours(text: str, *, decimal_comma: bool = False) -> float | None:
    """Hours of sleep: a number of hours, "7h 32min" (Garmin) or "7:32"; None when empty."""
    value = text.strip()
    for pattern in (_HOURS_MINUTES, _CLOCK):
        match = pattern.match(value)
        if match:
            minutes = int(match.group(2) or 0)
            if minutes >= 60:
                raise ValueError("not a duration")
            return int(match.group(1)) + minutes / 60
    return parse_number(value, decimal_comma=decimal_comma)


_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:$|[T ]\S)")
_SLASHED = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:$|[T ,]\s*\S)")
_NAMED = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})(?:$|[ ,T])")
_NAMED_DAY_FIRST = re.compile(r"^(\d{1,2})[ -]([A-Za-z]{3,9})\.?,?[ -](\d{4})(?:$|[ ,T])")
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for name in names
}


def parse_day(text: str, date_format: str = "auto") -> date:
    """The day a cell names: 2026-11-30 (with or without a time after it), 11/30/2026 or 30/11/2026
    (by `date_format`; "auto" reads a slashed date month first, as US exports write it), 30.11.2026,
    "Nov 30, 2026", "30 Nov 2026" or "30-Nov-2026". ValueError otherwise."""
    value = " ".join(text.strip().split())
    match = _ISO.match(value)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return date(year, month, day)
    match = _SLASHED.match(value)
    if match:
        first, second, year = (int(part) for part in match.groups())
        if date_format == "ymd":
            raise ValueError("not year-month-day")
        # Dotted dates (30.11.2026) are day first wherever they are written.
        day_first = date_format == "dmy" or value[len(match.group(1))] == "."
        return date(year, second, first) if day_first else date(year, first, second)
    for pattern, month_at in ((_NAMED, 0), (_NAMED_DAY_FIRST, 1)):
        match = pattern.match(value)
        if match:
            parts = match.groups()
            month = MONTHS.get(parts[month_at].lower())
            if month is None:
                raise ValueError("unknown month")
            return date(int(parts[2]), month, int(parts[1 - month_at]))
    raise ValueError("not a date")


def resolve_date_format(cells: list[str], date_format: str) -> str:
    """ "auto" becomes dmy when a slashed date in the column has a first part above 12 (it cannot be a
    month), else mdy; an explicit choice stays."""
    if date_format != "auto":
        return date_format
    for cell in cells:
        match = _SLASHED.match(" ".join(cell.strip().split()))
        if match and int(match.group(1)) > 12:
            return "dmy"
    return "mdy" if any(_SLASHED.match(cell.strip()) for cell in cells) else "ymd"


def _format_number(number: float) -> str:
    return f"{number:g}" if abs(number) < 1e15 else "a huge number"  # also infinity


def _value(target: str, cell: str, decimal_comma: bool) -> tuple[float | None, str | None]:
    """The value of one cell for a target, or the reason it cannot be used."""
    try:
        if target == "sleep_hours":
            number = parse_sleep_hours(cell, decimal_comma=decimal_comma)
        else:
            number = parse_number(cell, decimal_comma=decimal_comma)
    except ValueError:
        return None, f"{WHAT[target]} “{shorten(cell.strip())}” is not a number"
    if number is None:
        return None, None
    low, high = RANGES[target]
    if not low <= number <= high:
        return None, f"{WHAT[target]} is {_format_number(number)}, outside {low:,}–{high:,} {UNITS[target]}"
    return number, None


def parse_rows(
    table: Table, mapping: dict[str, int | None], today: date, date_format: str = "auto"
) -> ParsedRows:
    """Every data row as a day, or as an error with its line number and every reason.

    A row is all or nothing: one bad value keeps the whole day out. The same day twice in one file:
    the first row is imported and every later one is an error that names it.
    """

    def cell(cells: tuple[str, ...], target: str) -> str:
        column = mapping.get(target)
        return cells[column] if column is not None and column < len(cells) else ""

    used_format = resolve_date_format([cell(cells, "day") for _, cells in table.rows], date_format)
    rows: list[WearableRow] = []
    errors: list[RowError] = []
    first_line: dict[date, int] = {}
    for line, cells in table.rows:
        reasons: list[str] = []
        day = _day(cell(cells, "day"), used_format, today, reasons)
        values: dict[str, float | None] = {}
        for target in VALUE_TARGETS:
            if mapping.get(target) is None:
                continue
            values[target], reason = _value(target, cell(cells, target), table.decimal_comma)
            if reason:
                reasons.append(reason)
        if not reasons and all(value is None for value in values.values()):
            reasons.append("no sleep, heart rate, HRV or steps on this row")
        if day is not None and day in first_line:
            reasons.append(
                f"{day.isoformat()} is on row {first_line[day]} already; only row {first_line[day]} is used"
            )
        elif day is not None and not reasons:
            first_line[day] = line
        if reasons:
            errors.append(RowError(line, tuple(reasons)))
            continue
        minutes = values.get("sleep_minutes")
        sleep = values.get("sleep_hours") if minutes is None else minutes / 60
        steps = values.get("steps")
        rows.append(
            WearableRow(
                line,
                day,
                sleep_hours=None if sleep is None else round(sleep, 2),
                resting_hr=_rounded(values.get("resting_hr")),
                hrv_ms=_rounded(values.get("hrv_ms")),
                steps=None if steps is None else round(steps),
            )
        )
    return ParsedRows(tuple(rows), tuple(errors), used_format)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _day(text: str, date_format: str, today: date, reasons: list[str]) -> date | None:
    if not text.strip():
        reasons.append("no date")
        return None
    try:
        day = parse_day(text, date_format)
    except ValueError:
        reasons.append(f"the date “{shorten(text.strip())}” could not be read")
        return None
    if day > today:
        reasons.append(f"the date {day.isoformat()} is in the future")
    elif day < EARLIEST_DAY:
        reasons.append(f"the date {day.isoformat()} is before {EARLIEST_DAY.year}")
    return day


# --- what the care team reads ---------------------------------------------------------------------


@dataclass(frozen=True)
class WearableSummary:
    """A window of wearable days: how many have data, and the means (None, never 0, when none)."""

    days_with_data: int
    mean_sleep_hours: float | None
    mean_resting_hr: float | None
    mean_hrv_ms: float | None
    mean_steps: float | None


def summarise_wearable_days(days) -> WearableSummary:
    """The means of days with sleep_hours, resting_hr, hrv_ms and steps attributes (None ignored)."""
    days = list(days)

    def mean(name: str) -> float | None:
        values = [getattr(day, name) for day in days if getattr(day, name) is not None]
        return sum(values) / len(values) if values else None

    return WearableSummary(len(days), mean("sleep_hours"), mean("resting_hr"), mean("hrv_ms"), mean("steps"))
