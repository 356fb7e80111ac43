"""Medication adherence: dose-log rate with its coverage, proportion of days covered (PDC) from fills."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType

# A partial day (some of the day's doses) counts half; missed and refused doses count nothing.
DOSE_STATUS_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"taken": 1.0, "partial": 0.5, "missed": 0.0, "refused": 0.0}
)
ADHERENT_THRESHOLD = 0.80  # the PQA convention for PDC, used for dose logs too

ADHERENT = "adherent"
NOT_ADHERENT = "not adherent"
NOT_ENOUGH_DATA = "not enough data"


@dataclass(frozen=True)
class MedicationCourse:
    """A medication as prescribed: `doses_per_day` every day from `start` to `end` (None = ongoing)."""

    medication_id: Hashable
    doses_per_day: int
    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        if not _is_positive_int(self.doses_per_day):
            raise ValueError(
                f"medication {self.medication_id}: doses per day must be a positive whole number"
            )
        _check_date(self.start, f"medication {self.medication_id} start")
        if self.end is not None:
            _check_date(self.end, f"medication {self.medication_id} end")
            if self.end < self.start:
                raise ValueError(f"medication {self.medication_id} ends ({self.end}) before it starts")


@dataclass(frozen=True)
class DoseEntry:
    """One day's record for one medication: "taken", "partial", "missed" or "refused"."""

    medication_id: Hashable
    day: date
    status: str

    def __post_init__(self) -> None:
        _check_date(self.day, "dose log day")
        if self.status not in DOSE_STATUS_WEIGHTS:
            allowed = ", ".join(DOSE_STATUS_WEIGHTS)
            raise ValueError(f"dose log status {self.status!r} is not one of {allowed}")


@dataclass(frozen=True)
class DoseLogRate:
    """Dose-log adherence over a window, counted in medication-days (one medication on one day)."""

    rate: float | None  # None when nothing was logged: no data, not zero adherence
    coverage: float  # logged_days ÷ active_days
    taken: float
    scheduled: int
    logged_days: int
    active_days: int


def dose_log_rate(
    courses: Iterable[MedicationCourse], entries: Iterable[DoseEntry], start: date, end: date
) -> DoseLogRate:
    """Doses taken ÷ doses scheduled on logged days in start..end, with how much of the window was logged."""
    _check_window(start, end)
    courses_by_id: dict[Hashable, MedicationCourse] = {}
    for course in courses:
        if course.medication_id in courses_by_id:
            raise ValueError(f"medication {course.medication_id} is listed twice")
        courses_by_id[course.medication_id] = course

    status_by_medication_day: dict[tuple[Hashable, date], str] = {}
    for entry in entries:
        if not start <= entry.day <= end:
            continue
        course = courses_by_id.get(entry.medication_id)
        if course is None:
            raise ValueError(f"dose log for unknown medication {entry.medication_id}")
        if not _is_active(course, entry.day):
            continue  # nothing was scheduled that day, so there is nothing to adhere to
        # A later entry for the same medication and day is a correction and replaces the earlier one.
        status_by_medication_day[(entry.medication_id, entry.day)] = entry.status

    taken = 0.0
    scheduled = 0
    for (medication_id, _day), status in status_by_medication_day.items():
        doses_per_day = courses_by_id[medication_id].doses_per_day
        taken += doses_per_day * DOSE_STATUS_WEIGHTS[status]
        scheduled += doses_per_day
    active_days = sum(_active_days_in_window(course, start, end) for course in courses_by_id.values())
    logged_days = len(status_by_medication_day)
    return DoseLogRate(
        rate=taken / scheduled if scheduled else None,
        coverage=logged_days / active_days if active_days else 0.0,
        taken=taken,
        scheduled=scheduled,
        logged_days=logged_days,
        active_days=active_days,
    )


def pdc(fills: Iterable[tuple[date, int]], start: date, end: date) -> float:
    """Proportion of days in start..end (both included) covered by pharmacy fills, at most 1.0."""
    _check_window(start, end)
    checked = [_checked_fill(fill_date, days_supply) for fill_date, days_supply in fills]
    window_first, window_last = start.toordinal(), end.toordinal()
    covered_days = 0
    last_supplied_day: int | None = None
    # Day ordinals instead of dates so a huge days' supply cannot overflow the calendar.
    for fill_date, days_supply in sorted(checked, key=lambda fill: fill[0]):
        first = fill_date.toordinal()
        if last_supplied_day is not None and first <= last_supplied_day:
            first = last_supplied_day + 1  # an early refill is used up after the supply on hand
        last = first + days_supply - 1
        last_supplied_day = last
        covered_days += max(0, min(last, window_last) - max(first, window_first) + 1)
    # Shifted fills never overlap, so this cannot exceed 1; min() states the promise explicitly.
    return min(1.0, covered_days / (window_last - window_first + 1))


def is_adherent(value: float | None) -> bool:
    """True when an adherence proportion reaches ADHERENT_THRESHOLD; no data (None) is never adherent."""
    if value is None:
        return False
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"adherence must be a proportion from 0 to 1, got {value!r}")
    return value >= ADHERENT_THRESHOLD


def adherence_label(result: DoseLogRate | float | None, min_coverage: float = 0.5) -> str:
    """ "adherent", "not adherent" or "not enough data" for a dose-log result or a PDC value."""
    if not 0 <= min_coverage <= 1:
        raise ValueError(f"min_coverage must be from 0 to 1, got {min_coverage!r}")
    if isinstance(result, DoseLogRate):
        # A rate from a handful of logged days says little, so too thin a record is reported as such.
        if result.rate is None or result.coverage < min_coverage:
            return NOT_ENOUGH_DATA
        result = result.rate
    if result is None:
        return NOT_ENOUGH_DATA
    return ADHERENT if is_adherent(result) else NOT_ADHERENT


def _checked_fill(fill_date: date, days_supply: int) -> tuple[date, int]:
    _check_date(fill_date, "fill date")
    if not _is_positive_int(days_supply):
        raise ValueError(
            f"fill on {fill_date}: days' supply must be a positive whole number, got {days_supply!r}"
        )
    return fill_date, days_supply


def _check_window(start: date, end: date) -> None:
    _check_date(start, "window start")
    _check_date(end, "window end")
    if end < start:
        raise ValueError(f"window ends ({end}) before it starts ({start})")


def _check_date(value: object, what: str) -> None:
    # datetime is a date subclass, but mixing the two breaks comparisons and day counting.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"{what} must be a date, got {value!r}")


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_active(course: MedicationCourse, day: date) -> bool:
    return course.start <= day and (course.end is None or day <= course.end)


def _active_days_in_window(course: MedicationCourse, start: date, end: date) -> int:
    first = max(course.start, start)
    last = end if course.end is None else min(course.end, end)
    return max(0, (last - first).days + 1)
