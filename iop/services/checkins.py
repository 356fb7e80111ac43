"""The client's daily check-in: one per program day, sent by personal link, audited, never half-saved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache

from sqlalchemy import Select, bindparam, select

from iop import clock
from iop.clinical.checkins import (
    MAX_EXERCISE_MINUTES,
    MAX_SLEEP_HOURS,
    SCALE_KEYS,
    SCALE_MAX,
    SCALE_MIN,
    SOCIAL_CATEGORIES,
    CheckinDay,
)
from iop.extensions import db
from iop.models import Client, ClientLink, DailyCheckin
from iop.services.audit import record_event
from iop.services.once import ALREADY_USED, insert_once, stored_with_key
from iop.services.reads import Read

NOTE_MAX_LENGTH = 2000


class CheckinRefused(ValueError):
    """The check-in cannot be stored as sent; `errors` maps a field name to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class CheckinInput:
    scales: dict[str, int]
    sleep_hours: float | None = None
    exercise_minutes: int | None = None
    social_contact: bool = False
    social_with: str | None = None
    coping_skill: str | None = None
    note: str = ""


def todays_checkin(client: Client, day: date | None = None) -> DailyCheckin | None:
    """The client's check-in of that program day (default today), if sent."""
    day = day or client.program.today()
    return db.session.scalar(
        select(DailyCheckin).where(DailyCheckin.client_id == client.id, DailyCheckin.day == day)
    )


def _problems(client: Client, data: CheckinInput) -> dict[str, str]:
    errors = {}
    for key in SCALE_KEYS:
        value = data.scales.get(key)
        if not isinstance(value, int) or not SCALE_MIN <= value <= SCALE_MAX:
            errors[key] = f"Choose a number from {SCALE_MIN} to {SCALE_MAX}."
    if data.sleep_hours is not None and not 0 <= data.sleep_hours <= MAX_SLEEP_HOURS:
        errors["sleep_hours"] = f"Sleep is 0 to {MAX_SLEEP_HOURS} hours."
    if data.exercise_minutes is not None and not 0 <= data.exercise_minutes <= MAX_EXERCISE_MINUTES:
        errors["exercise_minutes"] = f"Exercise is 0 to {MAX_EXERCISE_MINUTES} minutes."
    if data.social_with and (not data.social_contact or data.social_with not in SOCIAL_CATEGORIES):
        errors["social_with"] = "Choose who from the list, or answer yes to contact first."
    if data.coping_skill and data.coping_skill not in client.program.coping_skills:
        errors["coping_skill"] = "Choose a skill from the list."
    if len(data.note) > NOTE_MAX_LENGTH:
        errors["note"] = f"Keep the note under {NOTE_MAX_LENGTH} characters."
    return errors


def submit_checkin(
    link: ClientLink, data: CheckinInput, submission_key: str, *, day: date | None = None
) -> tuple[DailyCheckin, bool]:
    """Store today's check-in; returns it and whether it is new.

    The same form posted twice (same key) gives back the first check-in; a second check-in on one
    day is refused with a message, so a day never holds two. `day` (default the program's today) lets
    the demo write earlier days since the consent; it is never in the future.
    """
    client = link.client
    existing = stored_with_key(DailyCheckin, submission_key)
    if existing is not None:
        if existing.client_id != client.id:
            raise CheckinRefused({"form": ALREADY_USED})
        return existing, False
    errors = _problems(client, data)
    if errors:
        raise CheckinRefused(errors)
    today = client.program.today()
    if day is not None and not link.consent_on <= day <= today:
        raise CheckinRefused({"form": "A check-in is dated since the consent, never ahead."})
    submitted_at = _noon(client, day) if day else clock.now()
    today = day or today
    if todays_checkin(client, today) is not None:
        raise CheckinRefused({"form": "You already checked in today. Thank you! Come back tomorrow."})
    checkin = DailyCheckin(
        client_id=client.id,
        link_id=link.id,
        day=today,
        submitted_at=submitted_at,
        sleep_hours=data.sleep_hours,
        exercise_minutes=data.exercise_minutes,
        social_contact=data.social_contact,
        social_with=data.social_with if data.social_contact else None,
        coping_skill=data.coping_skill or None,
        note=data.note.strip(),
        submission_key=submission_key,
        **{key: data.scales[key] for key in SCALE_KEYS},
    )
    stored, created = insert_once(checkin)
    if not created:
        if stored is None:  # a check-in of the same day, sent alongside this one with another key
            raise CheckinRefused({"form": "You already checked in today. Thank you! Come back tomorrow."})
        return stored, False
    record_event(
        "checkin.submit",
        "daily_checkin",
        checkin.id,
        client.id,
        details={
            "link_id": link.id,
            "day": today,
            "scales": {key: data.scales[key] for key in SCALE_KEYS},
            "sleep_hours": checkin.sleep_hours,
            "exercise_minutes": checkin.exercise_minutes,
            "social_contact": checkin.social_contact,
            "social_with": checkin.social_with,
            "coping_skill_given": checkin.coping_skill is not None,
            "has_note": bool(checkin.note),
        },
    )
    return checkin, True


def _noon(client: Client, day: date) -> datetime:
    return datetime.combine(day, time(12), client.program.zone).astimezone(UTC)


def checkin_days(client_ids, start: date, end: date) -> dict[int, list[CheckinDay]]:
    """The check-ins of these clients dated start…end, by client, oldest first (one query)."""
    ids = list(dict.fromkeys(client_ids))
    if not ids:
        return {}
    return checkin_days_from(ids, checkin_days_statement(ids, start, end).run())


def checkin_days_statement(client_ids: list[int], start: date, end: date) -> Read:
    """The read behind checkin_days."""
    return Read(_checkin_days_sql(), {"client_ids": list(client_ids), "start": start, "end": end})


@cache
def _checkin_days_sql() -> Select:
    return (
        select(
            DailyCheckin.client_id,
            DailyCheckin.day,
            DailyCheckin.mood,
            DailyCheckin.anxiety,
            DailyCheckin.cravings,
            DailyCheckin.stress,
            DailyCheckin.sleep_hours,
        )
        .where(
            DailyCheckin.client_id.in_(bindparam("client_ids", expanding=True)),
            DailyCheckin.day >= bindparam("start"),
            DailyCheckin.day <= bindparam("end"),
        )
        .order_by(DailyCheckin.client_id, DailyCheckin.day)
    )


def checkin_days_from(client_ids: list[int], rows) -> dict[int, list[CheckinDay]]:
    """checkin_days from the rows of its statement."""
    result: dict[int, list[CheckinDay]] = {client_id: [] for client_id in client_ids}
    for client_id, *values in rows:
        result[client_id].append(CheckinDay(*values))
    return result
