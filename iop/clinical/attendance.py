"""Attendance rules of DESIGN.md §5.4: scheduled vs attended hours and rates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

# The one list of attendance statuses (DESIGN.md §4): the model's CHECK constraint, the forms and the
# grid's labels all derive from it. Each status: its full name, and the short label the dense grid prints.
STATUS_LABELS = {
    "present": "Present",
    "late": "Late",
    "left_early": "Left early",
    "absent_excused": "Absent (excused)",
    "absent_unexcused": "Absent (unexcused)",
    "technical_problem": "Technical problem",
}
STATUS_SHORT_LABELS = {
    "present": "In",
    "late": "Late",
    "left_early": "Left",
    "absent_excused": "Exc",
    "absent_unexcused": "Abs",
    "technical_problem": "Tech",
}
STATUSES = tuple(STATUS_LABELS)
# The statuses of a client who was not in the group: no participation rating, no minutes by default.
ABSENT = frozenset({"absent_excused", "absent_unexcused"})
# Starting points the clinician edits: a late arrival or early leave usually costs about a quarter of
# the group, a dropped video connection about half of it.
_DEFAULT_SHARE = {
    "present": 1.0,
    "late": 0.75,
    "left_early": 0.75,
    "technical_problem": 0.5,
    "absent_excused": 0.0,
    "absent_unexcused": 0.0,
}


def status_check_sql(column: str = "status") -> str:
    """The CHECK constraint's condition: no status yet (a row with only a note), or one of STATUSES."""
    listed = ", ".join(f"'{status}'" for status in STATUSES)
    return f"{column} IS NULL OR {column} IN ({listed})"


def default_minutes(status: str, duration_minutes: int) -> int:
    """Minutes attended to suggest for a status, rounded down to 5 minutes."""
    if status not in _DEFAULT_SHARE:
        raise ValueError(f"unknown attendance status {status!r}")
    minutes = int(duration_minutes * _DEFAULT_SHARE[status])
    return minutes if minutes in (0, duration_minutes) else minutes - minutes % 5


def takes_participation(status: str) -> bool:
    """Only a client who was in the group can be rated."""
    return status not in ABSENT


@dataclass(frozen=True)
class ScheduledSession:
    """A held or scheduled session while the client was enrolled; attended_minutes None = not recorded."""

    session_date: date
    duration_minutes: int
    attended_minutes: int | None


@dataclass(frozen=True)
class AttendanceSummary:
    scheduled_hours: float
    attended_hours: float
    sessions: int
    recorded: int

    @property
    def rate(self) -> float | None:
        """Attended ÷ scheduled hours; None when nothing was scheduled (no data is not 0 %)."""
        if self.scheduled_hours == 0:
            return None
        return self.attended_hours / self.scheduled_hours


def summarise(sessions: Iterable[ScheduledSession], start: date, end: date) -> AttendanceSummary:
    """Totals over sessions dated start…end (both included); cancelled sessions must not be passed."""
    scheduled = attended = count = recorded = 0
    for session in sessions:
        if not start <= session.session_date <= end:
            continue
        count += 1
        scheduled += session.duration_minutes
        if session.attended_minutes is not None:
            recorded += 1
            attended += session.attended_minutes
    return AttendanceSummary(scheduled / 60, attended / 60, count, recorded)


def week_start(day: date) -> date:
    """The Monday of the program week containing day."""
    return day - timedelta(days=day.weekday())


def week_end_of(day: date) -> date:
    """The Sunday that ends the program week containing day."""
    return week_start(day) + timedelta(days=6)


def last_completed_week_end(today: date) -> date:
    """The Sunday of the latest week that is over by `today` (yesterday when today is a Monday)."""
    return week_start(today) - timedelta(days=1)


def review_weeks(week_end: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """(first, last) days of the week before and of the reviewed week, the two weeks ending at week_end."""
    reviewed = (week_end - timedelta(days=6), week_end)
    before = (week_end - timedelta(days=13), week_end - timedelta(days=7))
    return before, reviewed


def meets_minimum(summary: AttendanceSummary, min_weekly_hours: float) -> bool:
    """The week meets the level-of-care minimum when attended hours reach the program's minimum."""
    return summary.attended_hours >= min_weekly_hours
