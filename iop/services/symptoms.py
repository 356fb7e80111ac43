"""Logging counted symptoms and exposure exercises, and reading a client's log back.

The care team logs them on the client's tab (`actor`), the client on their own pages (`link`): one
verb each, the same checks, the entry marked by who recorded it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from iop.clinical.exposure import Exercise, SituationProgress, exposure_progress
from iop.clinical.symptoms import (
    COMMON_SYMPTOMS,
    SymptomCount,
    SymptomWeeks,
    symptom_key,
    weekly_counts,
)
from iop.clinical.weeks import week_starts
from iop.extensions import db
from iop.models import Client, ClientLink, ExposureEvent, SymptomEvent, User
from iop.services.audit import record_event
from iop.services.once import ALREADY_USED, insert_once, stored_with_key

SUMMARY_WEEKS = 6
_CANONICAL = {symptom_key(name): name for name in COMMON_SYMPTOMS}


class EventRefused(ValueError):
    """The entry cannot be logged as given (e.g. a date in the future)."""


def _tidy(text: str) -> str:
    return " ".join(text.split())


def _recorder(client: Client, actor: User | None, link: ClientLink | None) -> dict:
    """Who records the entry: a staff member, or the client through their own link (never both)."""
    if (actor is None) == (link is None):
        raise ValueError("an entry is recorded by a staff member or by the client's link")
    if link is not None and link.client_id != client.id:
        raise EventRefused("That link is not this client's.")
    return {"recorded_by_id": actor.id if actor else None, "client_link_id": link.id if link else None}


def _logged(client: Client, event: SymptomEvent | ExposureEvent, day: date, action: str, details: dict):
    """What both quick logs share: the day may not be in the future; add, flush, audit. A client's form
    carries a one-time key: posted again, it stores nothing and answers with the entry stored first."""
    if event.submission_key is not None and (earlier := stored_with_key(type(event), event.submission_key)):
        return _of_client(earlier, client)
    if day > client.program.today():
        raise EventRefused("The date cannot be in the future.")
    stored, created = insert_once(event)
    if not created:  # the same key, stored by a request that ran alongside this one
        return _of_client(stored, client)
    object_type = "symptom_event" if isinstance(event, SymptomEvent) else "exposure_event"
    if event.client_link_id is not None:
        details = {**details, "link_id": event.client_link_id}
    record_event(action, object_type, event.id, client.id, actor_id=event.recorded_by_id, details=details)
    return event


def _of_client(earlier: SymptomEvent | ExposureEvent, client: Client) -> SymptomEvent | ExposureEvent:
    if earlier.client_id != client.id:
        raise EventRefused(ALREADY_USED)
    return earlier


def log_symptom(
    client: Client,
    *,
    symptom: str,
    recorded_on: date,
    occurrences: int,
    severity: int | None,
    note: str,
    actor: User | None = None,
    link: ClientLink | None = None,
    submission_key: str | None = None,
) -> SymptomEvent:
    """Log how often a symptom happened (and its worst severity 0–10); common names get one spelling."""
    name = _tidy(symptom)
    name = _CANONICAL.get(symptom_key(name), name)
    event = SymptomEvent(
        client_id=client.id,
        symptom=name,
        recorded_on=recorded_on,
        occurrences=occurrences,
        severity=severity,
        note=note.strip(),
        submission_key=submission_key,
        **_recorder(client, actor, link),
    )
    # Common symptoms are a fixed list; a name typed in is free text and stays out of the trail.
    coded = symptom_key(name) if symptom_key(name) in _CANONICAL else "other"
    details = {"symptom": coded, "on": recorded_on, "count": occurrences, "severity": severity}
    return _logged(client, event, recorded_on, "symptom.log", details)


def log_exposure(
    client: Client,
    *,
    situation: str,
    done_on: date,
    anxiety_before: int,
    anxiety_after: int,
    note: str,
    actor: User | None = None,
    link: ClientLink | None = None,
    submission_key: str | None = None,
) -> ExposureEvent:
    """Log an exposure exercise with anxiety (0–100) rated before and after it."""
    event = ExposureEvent(
        client_id=client.id,
        situation=_tidy(situation),
        done_on=done_on,
        anxiety_before=anxiety_before,
        anxiety_after=anxiety_after,
        note=note.strip(),
        submission_key=submission_key,
        **_recorder(client, actor, link),
    )
    details = {"on": done_on, "before": anxiety_before, "after": anxiety_after}
    return _logged(client, event, done_on, "exposure.log", details)


@dataclass(frozen=True)
class SymptomLog:
    """Everything the symptoms tab shows, newest first, with the weekly table and exposure progress."""

    symptoms: list[SymptomEvent]
    exposures: list[ExposureEvent]
    weeks: list[date]
    weekly: list[SymptomWeeks]
    progress: list[SituationProgress]
    recorders: dict[int, str]

    @property
    def symptom_names(self) -> list[str]:
        """The common symptoms, then the client's own, for the name field's suggestions."""
        names = {symptom_key(name): name for name in COMMON_SYMPTOMS}
        for event in self.symptoms:
            names.setdefault(symptom_key(event.symptom), event.symptom)
        return list(names.values())

    @property
    def situations(self) -> list[str]:
        """Situations practised before, so the same one is written the same way."""
        return [item.situation for item in sorted(self.progress, key=lambda item: item.situation.casefold())]


def client_symptom_log(client: Client) -> SymptomLog:
    """The client's symptom counts and exposure exercises, and who logged them, in three queries."""
    symptoms = list(
        db.session.scalars(
            select(SymptomEvent)
            .where(SymptomEvent.client_id == client.id)
            .order_by(SymptomEvent.recorded_on.desc(), SymptomEvent.id.desc())
        )
    )
    exposures = list(
        db.session.scalars(
            select(ExposureEvent)
            .where(ExposureEvent.client_id == client.id)
            .order_by(ExposureEvent.done_on.desc(), ExposureEvent.id.desc())
        )
    )
    oldest_first = list(reversed(symptoms))
    weeks = week_starts(_summary_end(client, symptoms), SUMMARY_WEEKS)
    counts = [SymptomCount(e.symptom, e.recorded_on, e.occurrences, e.severity) for e in oldest_first]
    exercises = [
        Exercise(e.situation, e.done_on, e.anxiety_before, e.anxiety_after) for e in reversed(exposures)
    ]
    user_ids = {e.recorded_by_id for e in [*symptoms, *exposures] if e.recorded_by_id is not None}
    recorders = (
        dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).all())
        if user_ids
        else {}
    )
    return SymptomLog(
        symptoms, exposures, weeks, weekly_counts(counts, weeks), exposure_progress(exercises), recorders
    )


def _summary_end(client: Client, symptoms: list[SymptomEvent]) -> date:
    """This week, unless the client's last entry is older than the table: then the week of that entry."""
    today = client.program.today()
    latest = symptoms[0].recorded_on if symptoms else today
    first_shown = week_starts(today, SUMMARY_WEEKS)[0]
    return today if latest >= first_shown else latest
