"""Reading a video platform's participant report (Zoom or Microsoft Teams) and matching its rows to people.

Plain data in, plain data out (no Flask, no database), so the import service and the tests share it.

What the files look like (assumptions, from the platforms' exports as users download them):
- **Zoom**, Reports → Usage → a meeting's Participants → Export: a UTF-8 CSV (often with a BOM). With
  "Export with meeting data" ticked, a meeting block comes first ("Meeting ID","Topic","Start Time",
  "End Time","User Email" (the host's), "Duration (Minutes)","Participants", one row of values), a blank
  line, then the participant table. The table's header is "Name (Original Name)","User Email","Join Time",
  "Leave Time","Duration (Minutes)","Guest", and in newer exports "Recording Consent","In Waiting Room"
  (spelling and case vary: "Email", "Join time"). One row per join: a participant who dropped out and came
  back has several rows. "Name (Original Name)" holds the name shown in the meeting and, when the
  participant renamed themselves, the name they joined with in parentheses. "Guest" is "No" for someone
  signed in to the host's Zoom account (the clinic's staff). Time in the waiting room has its own rows with
  "In Waiting Room" = "Yes" and is not time in the group. Times look like "12/07/2026 09:01:12 AM".
- **Teams**, the meeting's Attendance tab → Download: a file named .csv that is UTF-16 with a BOM and
  tab-separated; numbered sections "1. Summary" (key–value rows: title, start and end time, ...),
  "2. Participants" ("Name","First Join","Last Leave","In-Meeting Duration","Email","Participant ID (UPN)",
  "Role") and "3. In-Meeting Activities" ("Name","Join Time","Leave Time","Duration","Email","Role"), one
  row per join. The activities, when present, are used (they show rejoins); otherwise the participants
  table (one stretch from first join to last leave). "Role" is "Organizer", "Co-organizer", "Presenter" or
  "Attendee"; by default everyone may present, so only organizers are taken for staff. Times look like
  "12/7/26, 9:01:12 AM" (US locale) or "07.12.2026, 09:01:12" (dotted, day first).
- Times carry no zone in either export: they are read in the program's time zone (the zone the clinic's
  accounts report in). Slashed dates are read month first (US); dotted dates day first; ISO 8601 as is.
  The older Teams "meetingAttendanceList" (one row per Joined/Left action) is not read.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

MAX_BYTES = 512 * 1024
MAX_ROWS = 500
NAME_MAX, EMAIL_MAX = 200, 254


class ReportError(ValueError):
    """The file is not a participant report this import can read; the message says why, for the user."""


@dataclass(frozen=True)
class ParticipantRow:
    """One row of the report: a join (or, in a Teams participants table, a first join to a last leave)."""

    line: int
    name: str
    email: str
    joined: datetime | None
    left: datetime | None
    # "organizer" (Teams organizer or co-organizer), "internal" (Zoom: signed in to the host's account), "".
    role: str = ""
    waiting_room: bool = False
    # Why the row's times cannot be used (None when they can).
    problem: str | None = None

    @property
    def counts(self) -> bool:
        """Whether the row's time is time in the group."""
        return self.problem is None and not self.waiting_room

    def to_json(self) -> dict:
        data = asdict(self)
        data["joined"] = self.joined.isoformat() if self.joined else None
        data["left"] = self.left.isoformat() if self.left else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> ParticipantRow:
        times = {key: datetime.fromisoformat(data[key]) if data[key] else None for key in ("joined", "left")}
        return cls(**{**data, **times})


@dataclass(frozen=True)
class Report:
    source: str  # "zoom" or "teams"
    rows: tuple[ParticipantRow, ...]
    host_email: str = ""

    @property
    def source_label(self) -> str:
        return "Zoom" if self.source == "zoom" else "Microsoft Teams"

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "host_email": self.host_email,
            "rows": [row.to_json() for row in self.rows],
        }

    @classmethod
    def from_json(cls, data: dict) -> Report:
        rows = tuple(ParticipantRow.from_json(row) for row in data["rows"])
        return cls(data["source"], rows, data.get("host_email", ""))


# ---- decoding ------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a BOM) or UTF-16 (with a BOM, or plainly ASCII-ish)."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ReportError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise ReportError(
            f"The file is larger than {MAX_BYTES // 1024} KB; a participant report is far smaller."
        )
    if data.startswith(codecs.BOM_UTF8):
        encoding, data = "utf-8", data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif len(data) >= 4 and data[1::2][:64].count(0) > len(data[1::2][:64]) * 0.9:
        encoding = "utf-16-le"  # UTF-16 saved without its BOM: every other byte of Latin text is NUL
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise ReportError(
            "The file is not UTF-8 or UTF-16 text. Export the report again from Zoom or Teams "
            "without opening and re-saving it in a spreadsheet."
        ) from None
    if "\x00" in text:
        raise ReportError("The file contains NUL bytes: it is not a text report (is it a spreadsheet file?).")
    return text.lstrip("\ufeff")


# ---- tables --------------------------------------------------------------------------------------

_COLUMNS = {
    "name": ("name (original name)", "name", "participant", "full name", "display name", "user name"),
    "email": ("user email", "email", "attendee email", "participant id (upn)"),
    "join": ("join time", "first join", "joined"),
    "leave": ("leave time", "last leave", "left"),
    "guest": ("guest",),
    "role": ("role",),
    "waiting": ("in waiting room",),
}


def _cell(value: str) -> str:
    return " ".join(value.replace("\ufeff", "").split()).casefold()


def _header(cells: list[str]) -> dict[str, int] | None:
    """Column positions when the row is a participant table's header, else None."""
    normalised = [_cell(cell) for cell in cells]
    found = {}
    for key, names in _COLUMNS.items():
        for name in names:
            if name in normalised:
                found[key] = normalised.index(name)
                break
    return found if {"name", "join", "leave"} <= found.keys() else None


def _meeting_host(rows: list[list[str]]) -> str:
    """The host's email from Zoom's meeting block (the row after a header naming Meeting ID and Topic)."""
    for index, cells in enumerate(rows[:-1]):
        normalised = [_cell(cell) for cell in cells]
        if "topic" in normalised and ("meeting id" in normalised or "id" in normalised):
            for name in ("user email", "host email"):
                if name in normalised and normalised.index(name) < len(rows[index + 1]):
                    return rows[index + 1][normalised.index(name)].strip().casefold()[:EMAIL_MAX]
    return ""


@dataclass
class _Table:
    columns: dict[str, int]
    # Teams' participants table: one row per person, first join to last leave.
    once_per_person: bool
    body: list[tuple[int, list[str]]]


def _tables(text: str) -> tuple[list[list[str]], list[_Table]]:
    """All rows, and each participant table found: its columns and its (line, cells) rows."""
    for delimiter in ("\t", ","):
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error:
            raise ReportError(
                "The file is not a readable CSV: a field is malformed or far too long."
            ) from None
        tables: list[_Table] = []
        current = None
        for line, cells in enumerate(rows, start=1):
            header = _header(cells)
            if header:
                current = _Table(header, _cell(cells[header["join"]]) == "first join", [])
                tables.append(current)
            elif current is not None and sum(1 for cell in cells if cell.strip()) >= 2:
                current.body.append((line, cells))
            elif current is not None and not any(cell.strip() for cell in cells):
                current = None  # a blank line ends a section
        if tables:
            return rows, tables
    raise ReportError(
        "This is not a Zoom participant report or a Teams attendance report: no columns named "
        "Join Time and Leave Time (Zoom) or First Join and Last Leave (Teams) were found."
    )


# ---- times ---------------------------------------------------------------------------------------

_FORMATS = (
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%m/%d/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
)


def parse_time(value: str, zone: ZoneInfo) -> datetime:
    """A report's time as an aware UTC datetime; ValueError when it is not one."""
    text = " ".join(value.replace(",", " ").split())
    if not text or len(text) > 40:
        raise ValueError("not a time")
    parsed = None
    for fmt in _FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)  # noqa: DTZ007 - the zone is attached below
            break
        except ValueError:
            continue
    if parsed is None:
        parsed = datetime.fromisoformat(value.strip())
    if not 2000 <= parsed.year <= 2100:
        raise ValueError("not a date of a group")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


# ---- rows ----------------------------------------------------------------------------------------


def _get(cells: list[str], columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _row(line: int, cells: list[str], columns: dict[str, int], zone: ZoneInfo) -> ParticipantRow:
    name = " ".join(_get(cells, columns, "name").split())[:NAME_MAX]
    email = _get(cells, columns, "email").casefold()[:EMAIL_MAX]
    role = _get(cells, columns, "role").casefold()
    guest = _get(cells, columns, "guest").casefold()
    marker = "organizer" if role in ("organizer", "co-organizer") else "internal" if guest == "no" else ""
    times, problem = {}, None
    for key, label in (("join", "join"), ("leave", "leave")):
        try:
            times[key] = parse_time(_get(cells, columns, key), zone)
        except (ValueError, OverflowError):
            times[key], problem = None, problem or f"its {label} time could not be read"
    if problem is None and times["leave"] < times["join"]:
        problem = "it leaves before it joins"
    return ParticipantRow(
        line,
        name,
        email,
        times["join"],
        times["leave"],
        role=marker,
        waiting_room=_get(cells, columns, "waiting").casefold() == "yes",
        problem=problem,
    )


def parse_report(data: bytes, zone: ZoneInfo) -> Report:
    """The report in `data`; ReportError, with a message for the user, when it cannot be read."""
    rows, tables = _tables(decode(data))
    teams = any(table.once_per_person or "role" in table.columns for table in tables)
    # Teams' per-join activities beat its one-row-per-person participants table; Zoom has one table.
    per_join = [table for table in tables if not table.once_per_person]
    table = (per_join or tables)[-1] if teams else tables[0]
    if not table.body:
        raise ReportError("The report lists no participants.")
    if len(table.body) > MAX_ROWS:
        raise ReportError(
            f"The report has more than {MAX_ROWS} participant rows; is it the report of one group?"
        )
    parsed = tuple(_row(line, cells, table.columns, zone) for line, cells in table.body)
    if not any(row.name or row.email for row in parsed):
        raise ReportError("The report's participant rows have no names or emails.")
    return Report("teams" if teams else "zoom", parsed, "" if teams else _meeting_host(rows))


# ---- names ---------------------------------------------------------------------------------------

_DEVICES = {
    "iphone",
    "ipad",
    "android",
    "galaxy",
    "phone",
    "pixel",
    "laptop",
    "macbook",
    "pc",
    "tablet",
    "mobile",
}
_TAGS = {"guest", "host", "cohost", "co host", "external", "unverified", "participant", "attendee"}
_PRONOUNS = {"she", "her", "hers", "he", "him", "his", "they", "them", "theirs", "ze", "zir", "xe", "xem"}


def normalise_name(text: str) -> str:
    """A name reduced to what identifies it: no accents, case, punctuation, device or pronoun suffixes,
    middle initials; "Last, First" turned around. Empty when nothing is left."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    text = re.sub(r"['’`]s\s+(" + "|".join(_DEVICES) + r")\b.*$", "", text)  # "Maria's iPhone"
    if text.count(",") == 1:
        last, first = text.split(",")
        text = f"{first} {last}"
    text = re.sub(r"['’`]", "", text)  # O'Brien is obrien
    tokens = [token for token in re.sub(r"[\W_\d]+", " ", text).split()]
    while tokens and (tokens[-1] in _DEVICES | _TAGS | _PRONOUNS):
        tokens.pop()
    if len(tokens) > 2:
        tokens = [tokens[0], *(t for t in tokens[1:-1] if len(t) > 1), tokens[-1]]
    return " ".join(tokens)


def display_names(display: str) -> frozenset[str]:
    """The full names a report's name cell may stand for: the name shown, and a name in parentheses (Zoom's
    original name). A single word ("Maria", a device name) identifies nobody for certain and is dropped."""
    parts = [re.sub(r"\([^()]*\)|\[[^\]]*\]", " ", display), *re.findall(r"\(([^()]*)\)", display)]
    names = (normalise_name(part) for part in parts)
    return frozenset(name for name in names if len(name.split()) >= 2)


def person_names(first: str, last: str, preferred: str = "") -> frozenset[str]:
    """A person's full names as a report may show them: first and last, preferred and last."""
    names = {normalise_name(f"{first} {last}")}
    if preferred:
        names.add(normalise_name(f"{preferred} {last}"))
    return frozenset(name for name in names if name)


# ---- matching ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone a row may belong to: a member (key = enrollment id) or a staff member (key = user id)."""

    key: int
    names: frozenset[str]
    email: str = ""


@dataclass(frozen=True)
class RowMatch:
    row: ParticipantRow
    # "member", "staff" or "unmatched"
    kind: str
    key: int | None = None
    # How: "email" or "name" for a member; for staff "email", "name", "host", "organizer", "internal";
    # for an unmatched row why ("ambiguous" or "unknown").
    how: str = "unknown"


def _by_email(people: Iterable[Person], email: str) -> list[Person]:
    return [person for person in people if email and person.email and person.email.casefold() == email]


def _by_name(people: Iterable[Person], names: frozenset[str]) -> list[Person]:
    return [person for person in people if person.names & names]


def match_row(
    row: ParticipantRow, members: list[Person], staff: list[Person], host_email: str = ""
) -> RowMatch:
    """Who the row is: a member by exact email (case ignored), else by full name; ambiguity is no match."""
    names = display_names(row.name)
    found = _by_email(members, row.email)
    if len(found) > 1:
        found = _by_name(found, names)  # a shared email: its name must single out one member
        if len(found) != 1:
            return RowMatch(row, "unmatched", how="ambiguous")
    if len(found) == 1:
        return RowMatch(row, "member", found[0].key, "email")
    if _by_email(staff, row.email) or (host_email and row.email == host_email):
        return RowMatch(row, "staff", how="email")
    found = _by_name(members, names)
    if len(found) > 1:
        return RowMatch(row, "unmatched", how="ambiguous")
    if found:
        return RowMatch(row, "member", found[0].key, "name")
    if _by_name(staff, names):
        return RowMatch(row, "staff", how="name")
    if row.role:
        return RowMatch(row, "staff", how=row.role)
    return RowMatch(row, "unmatched", how="unknown")


def match_rows(report: Report, members: list[Person], staff: list[Person]) -> list[RowMatch]:
    """Every row of the report, matched."""
    return [match_row(row, members, staff, report.host_email) for row in report.rows]
