"""The adherence read model: dose logs and fills of any number of clients in two queries, handed as
plain data to iop.clinical.adherence, so the medications tab, the overview charts and the cohort roster
all count adherence the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from sqlalchemy import Select, and_, bindparam, or_, select

from iop.clinical.adherence import (
    DoseEntry,
    DoseLogRate,
    MedicationCourse,
    adherence_label,
    dose_log_rate,
    pdc,
)
from iop.models import Client, DoseLog, Fill, Medication
from iop.services.reads import Read

ADHERENCE_WINDOW_DAYS = 14


@dataclass(frozen=True)
class AdherenceSummary:
    """Adherence of one client over start..end (both included), as plain data."""

    start: date
    end: date
    dose_log: DoseLogRate
    dose_log_label: str  # "adherent", "not adherent" or "not enough data"
    # PDC per medication with fills, each over the days it was prescribed inside the window.
    pdc_by_medication: dict[int, float] = field(default_factory=dict)

    @property
    def pdc(self) -> float | None:
        """Mean PDC of the medications with fills; None when no fill is recorded."""
        values = list(self.pdc_by_medication.values())
        return sum(values) / len(values) if values else None

    @property
    def pdc_label(self) -> str | None:
        return None if self.pdc is None else adherence_label(self.pdc)

    @property
    def has_medications(self) -> bool:
        return self.dose_log.active_days > 0


@dataclass(frozen=True)
class WeekAdherence:
    """Adherence of one client in one Monday–Sunday week (clipped at `today` when given)."""

    week_start: date
    summary: AdherenceSummary


@dataclass
class _Evidence:
    medications: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    entries: dict[int, list[DoseEntry]] = field(default_factory=lambda: defaultdict(list))
    fills: dict[int, list[tuple[date, int]]] = field(default_factory=lambda: defaultdict(list))


def adherence_window(today: date, days: int = ADHERENCE_WINDOW_DAYS) -> tuple[date, date]:
    """The last `days` days up to and including today."""
    return today - timedelta(days=days - 1), today


def adherence_summaries(client_ids: Iterable[int], start: date, end: date) -> dict[int, AdherenceSummary]:
    """Adherence over start..end for several clients in two queries; every id gets a summary."""
    ids = sorted(set(client_ids))
    evidence = _load_evidence(ids, start, end)
    return {client_id: _summarize(evidence, client_id, start, end) for client_id in ids}


def adherence_summary(client: Client | int, start: date, end: date) -> AdherenceSummary:
    """Adherence of one client over start..end (both included)."""
    client_id = client if isinstance(client, int) else client.id
    return adherence_summaries([client_id], start, end)[client_id]


def weekly_adherence(
    client_ids: Iterable[int], week_starts: Sequence[date], *, today: date | None = None
) -> dict[int, list[WeekAdherence]]:
    """Adherence per Monday–Sunday week for several clients in two queries.

    `week_starts` are Mondays; with `today`, a week still under way ends today and weeks that have
    not begun are left out, so days not yet lived never count as unlogged.
    """
    ids = sorted(set(client_ids))
    windows = []
    for week_start in sorted(set(week_starts)):
        week_end = week_start + timedelta(days=6)
        if today is not None:
            if week_start > today:
                continue
            week_end = min(week_end, today)
        windows.append((week_start, week_end))
    result: dict[int, list[WeekAdherence]] = {client_id: [] for client_id in ids}
    if not windows or not ids:
        return result
    evidence = _load_evidence(ids, windows[0][0], max(end for _, end in windows))
    for client_id in ids:
        result[client_id] = [
            WeekAdherence(start, _summarize(evidence, client_id, start, end)) for start, end in windows
        ]
    return result


def adherence_statements(client_ids: list[int], start: date, end: date) -> tuple[Read, Read]:
    """The two reads of adherence over start..end: the medications prescribed in the window, each with
    its dose logs in it (one row per log, or one without), and every fill of them up to its end."""
    courses, fills = _adherence_sql()
    params = {"client_ids": list(client_ids), "start": start, "end": end}
    return Read(courses, params), Read(fills, params)


@cache
def _adherence_sql() -> tuple[Select, Select]:
    start, end = bindparam("start"), bindparam("end")
    in_window = (
        Medication.client_id.in_(bindparam("client_ids", expanding=True)),
        # Taken as needed: no schedule, so it neither helps nor hurts adherence.
        Medication.as_needed.is_(False),
        Medication.started_on <= end,
        or_(Medication.ended_on.is_(None), Medication.ended_on >= start),
    )
    courses = (
        select(
            Medication.id,
            Medication.client_id,
            Medication.doses_per_day,
            Medication.started_on,
            Medication.ended_on,
            DoseLog.day,
            DoseLog.status,
        )
        .outerjoin(DoseLog, and_(DoseLog.medication_id == Medication.id, DoseLog.day.between(start, end)))
        .where(*in_window)
        .order_by(Medication.id)
    )
    # Every earlier fill counts: supply carried forward from long ago can still cover the window.
    fills = (
        select(Fill.medication_id, Fill.filled_on, Fill.days_supply)
        .join(Medication, Medication.id == Fill.medication_id)
        .where(*in_window, Fill.filled_on <= end)
    )
    return courses, fills


def _load_evidence(client_ids: list[int], start: date, end: date) -> _Evidence:
    """Medications prescribed in the window, their dose logs in it, and every fill up to its end."""
    if not client_ids:
        return _Evidence()
    courses, fills = adherence_statements(client_ids, start, end)
    return _evidence_from(courses.run(), fills.run())


def adherence_summaries_from(
    client_ids: list[int], course_rows, fill_rows, start: date, end: date
) -> dict[int, AdherenceSummary]:
    """adherence_summaries from the rows of adherence_statements."""
    evidence = _evidence_from(course_rows, fill_rows)
    return {client_id: _summarize(evidence, client_id, start, end) for client_id in sorted(set(client_ids))}


def _evidence_from(course_rows, fill_rows) -> _Evidence:
    evidence = _Evidence()
    last_id = None
    for medication_id, client_id, doses_per_day, started_on, ended_on, day, status in course_rows:
        if medication_id != last_id:
            # Plain data with the attributes a course needs: no ORM objects for a read of many clients.
            evidence.medications[client_id].append(
                _Course(medication_id, doses_per_day, started_on, ended_on)
            )
            last_id = medication_id
        if day is not None:
            evidence.entries[client_id].append(DoseEntry(medication_id, day, status))
    for medication_id, filled_on, days_supply in fill_rows:
        evidence.fills[medication_id].append((filled_on, days_supply))
    return evidence


@dataclass(frozen=True)
class _Course:
    id: int
    doses_per_day: int
    started_on: date
    ended_on: date | None


def _summarize(evidence: _Evidence, client_id: int, start: date, end: date) -> AdherenceSummary:
    return summarize_adherence(
        evidence.medications.get(client_id, []),
        evidence.entries.get(client_id, []),
        evidence.fills,
        start,
        end,
    )


def summarize_adherence(
    medications: Iterable[Medication],
    entries: Iterable[DoseEntry],
    fills_by_medication: dict[int, list[tuple[date, int]]],
    start: date,
    end: date,
) -> AdherenceSummary:
    """Adherence over start..end from already loaded rows (no queries)."""
    courses = []
    pdc_by_medication = {}
    for medication in medications:
        course = MedicationCourse(
            medication.id, medication.doses_per_day, medication.started_on, medication.ended_on
        )
        courses.append(course)
        first = max(start, medication.started_on)
        last = end if medication.ended_on is None else min(end, medication.ended_on)
        fills = [fill for fill in fills_by_medication.get(medication.id, []) if fill[0] <= end]
        if fills and first <= last:
            # PDC over the days it was prescribed: a course begun last week is not "uncovered" before it.
            pdc_by_medication[medication.id] = pdc(fills, first, last)
    known = {course.medication_id for course in courses}
    dose_log = dose_log_rate(courses, [e for e in entries if e.medication_id in known], start, end)
    return AdherenceSummary(start, end, dose_log, adherence_label(dose_log), pdc_by_medication)
