"""Medications, the weekly dose grid, fills and side effects, and the adherence read model.

The read model loads a fixed number of queries (one per table) for any number of clients and hands
plain data to iop.clinical.adherence, so the client page, the overview charts and the cohort roster
all count adherence the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from iop.clinical.adherence import (
    DoseEntry,
    DoseLogRate,
    MedicationCourse,
    adherence_label,
    dose_log_rate,
    pdc,
)
from iop.extensions import db
from iop.models import DOSE_CYCLE, Client, DoseLog, Fill, Medication, SideEffect, User
from iop.services.audit import record_event

ADHERENCE_WINDOW_DAYS = 14


class MedicationRefused(ValueError):
    """The change cannot be made as asked (a future day, a day the medication was not prescribed, ...)."""


# --- the adherence read model ---------------------------------------------------------------------


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
    medications: dict[int, list[Medication]] = field(default_factory=lambda: defaultdict(list))
    entries: dict[int, list[DoseEntry]] = field(default_factory=lambda: defaultdict(list))
    fills: dict[int, list[tuple[date, int]]] = field(default_factory=lambda: defaultdict(list))


def adherence_window(today: date, days: int = ADHERENCE_WINDOW_DAYS) -> tuple[date, date]:
    """The last `days` days up to and including today."""
    return today - timedelta(days=days - 1), today


def adherence_summaries(client_ids: Iterable[int], start: date, end: date) -> dict[int, AdherenceSummary]:
    """Adherence over start..end for several clients in three queries; every id gets a summary."""
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
    """Adherence per Monday–Sunday week for several clients in three queries.

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


def _load_evidence(client_ids: list[int], start: date, end: date) -> _Evidence:
    """Medications prescribed in the window, their dose logs in it, and every fill up to its end."""
    evidence = _Evidence()
    if not client_ids:
        return evidence
    in_window = (
        Medication.client_id.in_(client_ids),
        Medication.started_on <= end,
        or_(Medication.ended_on.is_(None), Medication.ended_on >= start),
    )
    for medication in db.session.scalars(select(Medication).where(*in_window).order_by(Medication.id)):
        evidence.medications[medication.client_id].append(medication)
    dose_rows = db.session.execute(
        select(Medication.client_id, DoseLog.medication_id, DoseLog.day, DoseLog.status)
        .join(DoseLog.medication)
        .where(*in_window, DoseLog.day.between(start, end))
    )
    for client_id, medication_id, day, status in dose_rows:
        evidence.entries[client_id].append(DoseEntry(medication_id, day, status))
    # Every earlier fill counts: supply carried forward from long ago can still cover the window.
    fill_rows = db.session.execute(
        select(Fill.medication_id, Fill.filled_on, Fill.days_supply)
        .join(Fill.medication)
        .where(*in_window, Fill.filled_on <= end)
    )
    for medication_id, filled_on, days_supply in fill_rows:
        evidence.fills[medication_id].append((filled_on, days_supply))
    return evidence


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


# --- the medications tab --------------------------------------------------------------------------


@dataclass(frozen=True)
class DoseCell:
    medication: Medication
    day: date
    status: str | None
    # Why the cell cannot be tapped: "future", "not prescribed", or None when it can.
    locked: str | None

    @property
    def next_status(self) -> str | None:
        return next_dose_status(self.status)


@dataclass(frozen=True)
class MedicationTab:
    medications: list[Medication]
    week_days: list[date]
    grid: list[tuple[Medication, list[DoseCell]]]
    fills: dict[int, list[Fill]]
    side_effects: dict[int, list[SideEffect]]
    summary: AdherenceSummary


def week_start_of(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def next_dose_status(current: str | None) -> str | None:
    """One tap: taken → partial → missed → refused → cleared (None) → taken."""
    if current is None:
        return DOSE_CYCLE[0]
    position = DOSE_CYCLE.index(current)
    return DOSE_CYCLE[position + 1] if position + 1 < len(DOSE_CYCLE) else None


def dose_cell(medication: Medication, day: date, status: str | None, today: date) -> DoseCell:
    """One cell of the grid, locked on future days and days the medication was not prescribed."""
    locked = "future" if day > today else None if medication.is_active_on(day) else "not prescribed"
    return DoseCell(medication, day, status, locked)


def medication_tab(client: Client, week_start: date, today: date) -> MedicationTab:
    """Everything the medications tab shows, in four queries whatever the length of the history."""
    medications = db.session.scalars(
        select(Medication)
        .where(Medication.client_id == client.id)
        .order_by(Medication.ended_on.is_not(None), Medication.name, Medication.id)
    ).all()
    week_days = [week_start + timedelta(days=offset) for offset in range(7)]
    window_start, window_end = adherence_window(today)
    first, last = min(week_start, window_start), max(week_days[-1], window_end)
    statuses: dict[tuple[int, date], str] = {}
    for medication_id, day, status in db.session.execute(
        select(DoseLog.medication_id, DoseLog.day, DoseLog.status)
        .join(DoseLog.medication)
        .where(Medication.client_id == client.id, DoseLog.day.between(first, last))
    ):
        statuses[(medication_id, day)] = status
    fills: dict[int, list[Fill]] = defaultdict(list)
    for fill in db.session.scalars(
        select(Fill).join(Fill.medication).where(Medication.client_id == client.id).order_by(Fill.filled_on)
    ):
        fills[fill.medication_id].append(fill)
    side_effects: dict[int, list[SideEffect]] = defaultdict(list)
    for report in db.session.scalars(
        select(SideEffect)
        .join(SideEffect.medication)
        .where(Medication.client_id == client.id)
        .order_by(SideEffect.reported_on.desc(), SideEffect.id.desc())
    ):
        side_effects[report.medication_id].append(report)

    in_week = [m for m in medications if any(m.is_active_on(day) for day in week_days)]
    grid = [(m, [dose_cell(m, day, statuses.get((m.id, day)), today) for day in week_days]) for m in in_week]
    in_window = [
        m
        for m in medications
        if m.started_on <= window_end and (m.ended_on is None or m.ended_on >= window_start)
    ]
    entries = [
        DoseEntry(medication_id, day, status)
        for (medication_id, day), status in statuses.items()
        if window_start <= day <= window_end
    ]
    fill_pairs = {mid: [(f.filled_on, f.days_supply) for f in rows] for mid, rows in fills.items()}
    summary = summarize_adherence(in_window, entries, fill_pairs, window_start, window_end)
    return MedicationTab(list(medications), week_days, grid, fills, side_effects, summary)


# --- the verbs ------------------------------------------------------------------------------------


def add_medication(
    client: Client,
    *,
    name: str,
    dose: str,
    doses_per_day: int,
    prescriber: str,
    started_on: date,
    ended_on: date | None,
    actor: User,
) -> Medication:
    """Add a prescribed medication to the client's list."""
    if not 1 <= doses_per_day <= 12:
        raise MedicationRefused("Doses per day run from 1 to 12.")
    if ended_on is not None and ended_on < started_on:
        raise MedicationRefused("The end date cannot come before the start date.")
    medication = Medication(
        client_id=client.id,
        name=name.strip(),
        dose=dose.strip(),
        doses_per_day=doses_per_day,
        prescriber=prescriber.strip(),
        started_on=started_on,
        ended_on=ended_on,
        created_by_id=actor.id,
    )
    db.session.add(medication)
    db.session.flush()
    record_event(
        "medication.create",
        "medication",
        medication.id,
        client.id,
        actor_id=actor.id,
        details={"name": medication.name, "dose": medication.dose, "started_on": started_on},
    )
    return medication


def end_medication(medication: Medication, ended_on: date, actor: User) -> None:
    """Stop a medication from a date (included); dose logs after it no longer count."""
    if medication.ended_on is not None:
        raise MedicationRefused(f"{medication.name} already ended on {medication.ended_on:%b %d, %Y}.")
    if ended_on < medication.started_on:
        raise MedicationRefused(
            f"The end date cannot come before the start ({medication.started_on:%b %d, %Y})."
        )
    medication.ended_on = ended_on
    db.session.flush()
    record_event(
        "medication.end",
        "medication",
        medication.id,
        medication.client_id,
        actor_id=actor.id,
        details={"ended_on": ended_on},
    )


def set_dose(
    medication: Medication, day: date, status: str | None, actor: User, today: date
) -> DoseLog | None:
    """Record one day's status for one medication; None clears the day. Returns the row (or None)."""
    if day > today:
        raise MedicationRefused("Doses cannot be logged for a day still to come.")
    if not medication.is_active_on(day):
        raise MedicationRefused(f"{medication.name} was not prescribed on {day:%b %d}.")
    if status is not None and status not in DOSE_CYCLE:
        raise MedicationRefused(f"Unknown dose status {status!r}.")
    row = _dose_row(medication, day)
    before = row.status if row else None
    if before == status:
        return row  # a repeated tap (double click) changes nothing
    if status is None:
        db.session.delete(row)
        row = None
    elif row is None:
        row = DoseLog(medication_id=medication.id, day=day, status=status, recorded_by_id=actor.id)
        try:
            # A savepoint: a simultaneous first tap elsewhere wins the insert, and we update its row.
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            row = _dose_row(medication, day)
            row.status, row.recorded_by_id = status, actor.id
    else:
        row.status, row.recorded_by_id = status, actor.id
    db.session.flush()
    record_event(
        "dose.record",
        "medication",
        medication.id,
        medication.client_id,
        actor_id=actor.id,
        details={"day": day, "before": before, "after": status},
    )
    return row


def dose_status(medication: Medication, day: date) -> str | None:
    """The stored status of one grid cell, or None when the day is not logged."""
    row = _dose_row(medication, day)
    return row.status if row else None


def _dose_row(medication: Medication, day: date) -> DoseLog | None:
    return db.session.scalar(
        select(DoseLog).where(DoseLog.medication_id == medication.id, DoseLog.day == day)
    )


def add_fill(medication: Medication, filled_on: date, days_supply: int, actor: User, today: date) -> Fill:
    """Record a pharmacy fill: it covers filled_on … filled_on + days_supply − 1."""
    if filled_on > today:
        raise MedicationRefused("The fill date cannot be in the future.")
    if not 1 <= days_supply <= 365:
        raise MedicationRefused("Days' supply runs from 1 to 365.")
    fill = Fill(
        medication_id=medication.id, filled_on=filled_on, days_supply=days_supply, recorded_by_id=actor.id
    )
    db.session.add(fill)
    db.session.flush()
    record_event(
        "medication.fill",
        "medication",
        medication.id,
        medication.client_id,
        actor_id=actor.id,
        details={"fill_id": fill.id, "filled_on": filled_on, "days_supply": days_supply},
    )
    return fill


def add_side_effect(
    medication: Medication, reported_on: date, description: str, severity: int, actor: User, today: date
) -> SideEffect:
    """Record a side effect the client reports, with its severity 0–10."""
    if reported_on > today:
        raise MedicationRefused("The date cannot be in the future.")
    if not 0 <= severity <= 10:
        raise MedicationRefused("Severity runs from 0 to 10.")
    report = SideEffect(
        medication_id=medication.id,
        reported_on=reported_on,
        description=description.strip(),
        severity=severity,
        recorded_by_id=actor.id,
    )
    db.session.add(report)
    db.session.flush()
    record_event(
        "medication.side_effect",
        "medication",
        medication.id,
        medication.client_id,
        actor_id=actor.id,
        details={"side_effect_id": report.id, "severity": severity},
    )
    return report
