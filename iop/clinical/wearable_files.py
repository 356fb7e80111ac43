"""A wearable's CSV export as a table: file checks (size, text, delimiter, rows) and column recognition.

Plain Python, no Flask and no database. Reading the rows into days is iop.clinical.wearables.

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
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass

from iop.clinical.wearables import TARGET_LABELS, TARGETS, VALUE_TARGETS, shorten

MAX_FILE_BYTES = 1024 * 1024  # 1 MB
MAX_ROWS = 400  # days in one import: more than a year, far more than an IOP stay
MAX_COLUMNS = 200  # Apple Health exporters write a column per metric: often 100 or more
HEADER_SEARCH_ROWS = 5  # a title line or two may stand above the header (Fitbit's "Activities")

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
