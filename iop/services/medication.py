"""Medications, the weekly dose grid, fills and side effects (adherence itself: iop.services.adherence)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from iop.clinical.adherence import (
    DoseEntry,
)
from iop.extensions import db
from iop.models import DOSE_CYCLE, MEDICATION_ROUTES, Client, DoseLog, Fill, Medication, SideEffect, User
from iop.services.adherence import AdherenceSummary, adherence_window, summarize_adherence
from iop.services.audit import record_event


class MedicationRefused(ValueError):
    """The change cannot be made as asked (a future day, a day the medication was not prescribed, ...)."""


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
    route: str = "oral",
    as_needed: bool = False,
) -> Medication:
    """Add a prescribed medication to the client's list."""
    if route not in MEDICATION_ROUTES:
        raise MedicationRefused("Choose how the medication is taken.")
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
        route=route,
        as_needed=as_needed,
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
        details={
            "fields": ["name", "dose", "doses_per_day", "prescriber", "route", "as_needed"],
            "started_on": started_on,
            "route": route,
            "as_needed": as_needed,
        },
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


def undo_end(medication: Medication, actor: User) -> None:
    """Take back an end date entered by mistake: the medication continues as before."""
    if medication.ended_on is None:
        raise MedicationRefused(f"{medication.name} has not ended.")
    ended_on, medication.ended_on = medication.ended_on, None
    db.session.flush()
    record_event(
        "medication.undo_end",
        "medication",
        medication.id,
        medication.client_id,
        actor_id=actor.id,
        details={"ended_on": ended_on},
    )


def restart_medication(medication: Medication, started_on: date, actor: User) -> Medication:
    """Start an ended medication again as a new course; the old course keeps its dates and logs."""
    if medication.ended_on is None:
        raise MedicationRefused(f"{medication.name} has not ended.")
    if started_on <= medication.ended_on:
        last = medication.ended_on
        raise MedicationRefused(f"A new course starts after the last one ended ({last:%b} {last.day}).")
    return add_medication(
        medication.client,
        name=medication.name,
        dose=medication.dose,
        doses_per_day=medication.doses_per_day,
        prescriber=medication.prescriber,
        started_on=started_on,
        ended_on=None,
        actor=actor,
        route=medication.route,
        as_needed=medication.as_needed,
    )


def set_dose(medication: Medication, day: date, status: str | None, actor: User, today: date) -> DoseCell:
    """Record one day's status for one medication; None clears the day. Returns the grid cell."""
    if day > today:
        raise MedicationRefused("Doses cannot be logged for a day still to come.")
    if not medication.is_active_on(day):
        raise MedicationRefused(f"{medication.name} was not prescribed on {day:%b %d}.")
    if status is not None and status not in DOSE_CYCLE:
        raise MedicationRefused(f"Unknown dose status {status!r}.")
    row = _dose_row(medication, day)
    before = row.status if row else None
    if before == status:
        return dose_cell(medication, day, status, today)  # a repeated tap (double click) changes nothing
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
    return dose_cell(medication, day, status, today)


def stored_dose_cell(medication: Medication, day: date, today: date) -> DoseCell:
    """One grid cell as it is stored (after a refused tap, the cell comes back unchanged)."""
    row = _dose_row(medication, day)
    return dose_cell(medication, day, row.status if row else None, today)


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
