"""A wearable's CSV export read into days: file checks, column recognition, dates, plausible ranges.

Plain Python, no Flask and no database: the client's import pages, the demo and the tests share it.

What we assumed about the exports (none of the three vendors documents a stable CSV schema; the header
names below come from real exports as users and open-source readers describe them, and anything else can
be mapped by hand on the preview page):

- **Fitbit**, the fitbit.com dashboard export ("Export your data", CSV): a title line ("Activities",
  "Sleep") above the header; quoted cells; steps with thousands separators ("10,234").
  Activities: ``Date, Calories Burned, Steps, Distance, Floors, Minutes Sedentary, …``; Sleep:
  ``Start Time, End Time, Minutes Asleep, Minutes Awake, Number of Awakenings, Time in Bed, …`` with times
  like "2026-11-03 11:12PM". A daily export with ``Resting Heart Rate`` is recognised too, and the
  Google Takeout files ``daily_resting_heart_rate`` (``timestamp, beats per minute``) and the daily HRV
  summary (``timestamp, rmssd, …``). A night's sleep counts on the day it ends (the "End Time"), the
  same day a check-in's "hours of sleep last night" is dated.
- **Garmin**, Garmin Connect's report exports (Reports → Sleep / HRV Status / Steps → Export): ``Date``,
  ``Resting Heart Rate``, a sleep ``Duration`` written "7h 32min", ``Overnight HRV`` ("45ms"), "--" for a
  missing value; third-party daily summaries (``calendar_date, total_steps, …``) too. We have not seen
  one official column list, so Garmin files rely on these names and on the manual mapping.
- **Apple Health** itself exports XML only; its CSV "summary" comes from exporter apps (Health Auto
  Export, QS Access): ``Date`` or ``Date/Time`` ("2026-11-03 00:00:00"), then a unit in the name:
  ``Step Count (count)``, ``Resting Heart Rate (count/min)``, ``Heart Rate Variability (ms)``,
  ``Sleep Analysis [Asleep] (hr)``; QS Access: ``Start, Finish, Steps (count)``.

Dates are read as written (the exporting phone's local day); a time after the date is ignored.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

MAX_FILE_BYTES = 1024 * 1024  # 1 MB
MAX_ROWS = 400  # days in one import: more than a year, far more than an IOP stay
MAX_COLUMNS = 200  # Apple Health exporters write a column per metric: often 100 or more
EARLIEST_DAY = date(2000, 1, 1)
HEADER_SEARCH_ROWS = 5  # a title line or two may stand above the header (Fitbit's "Activities")

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

# Known header names, normalised (lower case, single spaces, "_" as a space), best first per target:
# (name, target, the export it points to or None when every export uses it).
KNOWN_HEADERS: tuple[tuple[str, str, str | None], ...] = (
    ("date", "day", None),
    ("calendar date", "day", "garmin"),
    ("date/time", "day", "apple_health"),
    ("end time", "day", "fitbit"),
    ("timestamp", "day", "fitbit"),
    ("start", "day", "apple_health"),
    ("sleep analysis [asleep] (hr)", "sleep_hours", "apple_health"),
    ("sleep analysis [total] (hr)", "sleep_hours", "apple_health"),
    ("sleep analysis (hr)", "sleep_hours", "apple_health"),
    ("sleep analysis [asleep] (min)", "sleep_minutes", "apple_health"),
    ("sleep duration", "sleep_hours", "garmin"),
    ("duration", "sleep_hours", "garmin"),
    ("minutes asleep", "sleep_minutes", "fitbit"),
    ("resting heart rate", "resting_hr", None),
    ("resting heart rate (count/min)", "resting_hr", "apple_health"),
    ("resting heart rate (bpm)", "resting_hr", "apple_health"),
    ("beats per minute", "resting_hr", "fitbit"),
    ("heart rate variability (ms)", "hrv_ms", "apple_health"),
    ("overnight hrv", "hrv_ms", "garmin"),
    ("avg overnight hrv", "hrv_ms", "garmin"),
    ("rmssd", "hrv_ms", "fitbit"),
    ("steps", "steps", None),
    ("step count (count)", "steps", "apple_health"),
    ("steps (count)", "steps", "apple_health"),
    ("total steps", "steps", "garmin"),
)
# Other columns that only one of the exports writes: they tell which export a file is.
SIGNATURES = {
    "calories burned": "fitbit",
    "minutes sedentary": "fitbit",
    "minutes awake": "fitbit",
    "time in bed": "fitbit",
    "number of awakenings": "fitbit",
    "body battery": "garmin",
    "hrv status": "garmin",
    "7d avg": "garmin",
    "finish": "apple_health",
    "active energy (kcal)": "apple_health",
}
_KNOWN = {name: (rank, target, source) for rank, (name, target, source) in enumerate(KNOWN_HEADERS)}


class FileProblem(ValueError):
    """The file cannot be read as a table of days at all (the message says why, for the client)."""


@dataclass(frozen=True)
class Table:
    """The file as read: its header, its data rows with their line numbers, and how it was read."""

    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    header_line: int
    delimiter: str
    encoding: str  # "utf-8" or "windows-1252" (read as Windows text because it was not UTF-8)

    @property
    def decimal_comma(self) -> bool:
        # Semicolon files come from locales that write 7,5 for 7.5.
        return self.delimiter == ";"

    def sample(self, column: int) -> str:
        """The first non-empty value of a column, shortened, to show next to its name."""
        for _, cells in self.rows:
            if column < len(cells) and cells[column].strip():
                return shorten(cells[column].strip(), 16)
        return ""


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


# --- the file -------------------------------------------------------------------------------------


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:  # Excel's "Unicode text" is UTF-16 with a byte order mark
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise FileProblem("This file could not be read as text. Export it again as CSV.") from None
    if b"\x00" in raw:
        raise FileProblem("This is not a CSV text file (it holds binary data). Export it again as CSV.")
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        # Excel on Windows saves CSV in Windows-1252; the names and numbers we need are plain ASCII.
        return raw.decode("cp1252", errors="replace"), "windows-1252"


def _looks_binary(text: str) -> bool:
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\r\n")
    replaced = text.count("\ufffd")
    return controls > 0 or replaced > max(3, len(text) // 50)


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: first.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def decode_upload(raw: bytes) -> tuple[str, str]:
    """The uploaded bytes as text and the encoding read, or FileProblem: too large, empty, not text."""
    if len(raw) > MAX_FILE_BYTES:
        raise FileProblem("The file is larger than 1 MB. Export a shorter date range.")
    if not raw.strip():
        raise FileProblem("The file is empty.")
    text, encoding = _decode(raw)
    if _looks_binary(text):
        raise FileProblem("This is not a CSV text file (it holds binary data). Export it again as CSV.")
    return text, encoding


def read_table(raw: bytes) -> Table:
    """The rows of an uploaded CSV file, or FileProblem: empty, too large, not text, no data rows."""
    return table_from_text(*decode_upload(raw))


def table_from_text(text: str, encoding: str = "utf-8") -> Table:
    """The rows of a decoded CSV file (delimiter recognised), or FileProblem."""
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines: list[tuple[int, tuple[str, ...]]] = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                lines.append((reader.line_num, tuple(cells)))
            if len(lines) > MAX_ROWS + HEADER_SEARCH_ROWS + 1:
                break
    except csv.Error:
        raise FileProblem(
            f"Line {reader.line_num} could not be read as CSV (a quote left open, or a value far too long)."
        ) from None
    if not lines:
        raise FileProblem("The file is empty.")
    start = _header_index(lines)
    header_line, header = lines[start]
    if len(header) > MAX_COLUMNS:
        raise FileProblem(f"The file has {len(header)} columns; at most {MAX_COLUMNS} can be read.")
    rows = tuple(lines[start + 1 :])
    if not rows:
        raise FileProblem("The file has a header row but no days under it.")
    if len(rows) > MAX_ROWS:
        raise FileProblem(
            f"The file has more than {MAX_ROWS} rows. Export at most {MAX_ROWS} days at a time."
        )
    names = tuple(shorten(name.strip(), 60) or f"Column {number}" for number, name in enumerate(header, 1))
    return Table(names, rows, header_line, delimiter, encoding)


def _header_index(lines) -> int:
    """The first of the opening rows that names a column we know (else the very first row)."""
    for index, (_, cells) in enumerate(lines[:HEADER_SEARCH_ROWS]):
        if any(normalise(cell) in _KNOWN for cell in cells):
            return index
    return 0


# --- columns --------------------------------------------------------------------------------------


def normalise(name: str) -> str:
    return " ".join(name.replace("_", " ").lower().split())


def guess_mapping(header: tuple[str, ...]) -> dict[str, int | None]:
    """Each target's best column by the known header names (None where the file has none)."""
    best: dict[str, tuple[int, int]] = {}
    for column, name in enumerate(header):
        known = _KNOWN.get(normalise(name))
        if known is None:
            continue
        rank, target, _ = known
        if target not in best or rank < best[target][0]:
            best[target] = (rank, column)
    mapping = {target: best[target][1] if target in best else None for target in TARGETS}
    if mapping["sleep_hours"] is not None and mapping["sleep_minutes"] is not None:
        mapping["sleep_minutes"] = None  # one sleep column is enough; hours are the more direct
    return mapping


def guess_source(header: tuple[str, ...]) -> str:
    """Which export the header names point to: apple_health, fitbit, garmin, or other."""
    votes: dict[str, int] = {}
    for name in header:
        key = normalise(name)
        source = SIGNATURES.get(key) or (_KNOWN[key][2] if key in _KNOWN else None)
        if source is None and re.search(r"\((count|hr|ms|min|count/min|kcal|bpm)\)$", key):
            source = "apple_health"  # exporter apps write the unit into every metric's name
        if source:
            votes[source] = votes.get(source, 0) + 1
    return max(votes, key=lambda s: votes[s]) if votes else "other"


def mapping_problems(mapping: dict[str, int | None], columns: int) -> dict[str, str]:
    """What is wrong with a chosen mapping, by target ("day" needs a column, a column used once)."""
    problems = {}
    if mapping.get("day") is None:
        problems["day"] = "Choose the column with the date."
    if all(mapping.get(target) is None for target in VALUE_TARGETS):
        problems["steps"] = "Choose at least one column to import: sleep, heart rate, HRV or steps."
    if mapping.get("sleep_hours") is not None and mapping.get("sleep_minutes") is not None:
        problems["sleep_minutes"] = "Choose sleep in hours or in minutes, not both."
    seen: dict[int, str] = {}
    for target in TARGETS:
        column = mapping.get(target)
        if column is None:
            continue
        if not 0 <= column < columns:
            problems[target] = "Choose a column of this file."
        elif column in seen:
            problems[target] = f"This column is already used for {TARGET_LABELS[seen[column]].lower()}."
        else:
            seen[column] = target
    return problems


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
