"""Family observations: submitted under an active consent, immutable, corrected by a new one.

Also what the care team reads of them (timeline, weekly averages beside PHQ-9/GAD-7, who from
the family looked at or sent what) and the concerns the weekly review takes as evidence.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from sqlalchemy import Select, bindparam, or_, select

from iop import clock
from iop.clinical.evidence import FAMILY_CONCERNS
from iop.clinical.weeks import week_start
from iop.extensions import db
from iop.models import (
    RATING_FIELDS,
    AssessmentResponse,
    AuditEvent,
    Client,
    Consent,
    FamilyObservation,
    User,
)
from iop.services.alerts import raise_family_alert
from iop.services.audit import record_event
from iop.services.once import ALREADY_USED, insert_once, stored_with_key
from iop.services.reads import Read

NOTE_MAX_LENGTH = 2000


class ObservationRefused(ValueError):
    """The observation cannot be stored as sent; the message is shown to the family member."""


@dataclass(frozen=True)
class ObservationInput:
    ratings: dict[str, int]
    concerns: frozenset[str] = frozenset()
    note: str = ""


def submit_observation(
    consent: Consent,
    author: User,
    data: ObservationInput,
    submission_key: str,
    corrects: FamilyObservation | None = None,
    *,
    observed_on: date | None = None,
) -> tuple[FamilyObservation, bool]:
    """Store this week's observation (or a correction); returns it and whether it is new.

    The same form posted twice (same submission key) gives back the first observation. A safety
    concern raises a safety alert for the care team in the same transaction. `observed_on` (default
    the program's today) lets the demo write earlier weeks; it is never in the future.
    """
    existing = stored_with_key(FamilyObservation, submission_key)
    if existing is not None:
        if existing.author_id != author.id:
            raise ObservationRefused(ALREADY_USED)
        return existing, False
    today = consent.client.program.today()
    if observed_on is not None and not consent.granted_on <= observed_on <= today:
        raise ObservationRefused("An observation is dated while the consent is active, never ahead.")
    today = observed_on or today
    _check(consent, author, data, corrects, week_start(today))
    observation = FamilyObservation(
        consent_id=consent.id,
        client_id=consent.client_id,
        author_id=author.id,
        week_start=corrects.week_start if corrects else week_start(today),
        observed_on=today,
        submitted_at=_noon(consent, today) if observed_on else clock.now(),
        note=data.note.strip(),
        submission_key=submission_key,
        corrects_id=corrects.id if corrects else None,
        **data.ratings,
        **{f"concern_{name}": name in data.concerns for name in FAMILY_CONCERNS},
    )
    stored, created = insert_once(observation)
    if not created:
        return stored, False
    if corrects is not None:
        corrects.superseded_by_id = observation.id  # the one change an observation ever takes
    record_event(
        "family_observation.submit",
        "family_observation",
        observation.id,
        consent.client_id,
        actor_id=author.id,
        details={
            "consent_id": consent.id,
            "ratings": data.ratings,
            "concerns": sorted(data.concerns),
            "has_note": bool(observation.note),
            "corrects": corrects.id if corrects else None,
        },
    )
    if observation.concern_safety:
        raise_family_alert(observation, author)
    db.session.flush()
    return observation, True


def _noon(consent: Consent, day: date) -> datetime:
    return datetime.combine(day, time(12), consent.client.program.zone).astimezone(UTC)


def _check(
    consent: Consent, author: User, data: ObservationInput, corrects: FamilyObservation | None, monday: date
) -> None:
    if set(data.ratings) != set(RATING_FIELDS) or not all(
        isinstance(value, int) and 1 <= value <= 5 for value in data.ratings.values()
    ):
        raise ObservationRefused("Rate each of the five areas from 1 to 5.")
    if not data.concerns <= set(FAMILY_CONCERNS):
        raise ObservationRefused("Choose concerns from the list.")
    if len(data.note) > NOTE_MAX_LENGTH:
        raise ObservationRefused(f"Keep the note under {NOTE_MAX_LENGTH} characters.")
    if corrects is None:
        if this_weeks_observation(consent, author, monday) is not None:
            raise ObservationRefused("You already sent this week's observation; send a correction instead.")
        return
    if corrects.consent_id != consent.id or corrects.author_id != author.id:
        raise ObservationRefused("You can only correct your own observations.")
    if corrects.is_superseded:
        raise ObservationRefused("That observation was already corrected; correct the newest one.")


def this_weeks_observation(
    consent: Consent, author: User, monday: date | None = None
) -> FamilyObservation | None:
    """The author's current observation of this program week (or the week of `monday`), if they sent one."""
    monday = monday or week_start(consent.client.program.today())
    return db.session.scalar(
        select(FamilyObservation).where(
            FamilyObservation.consent_id == consent.id,
            FamilyObservation.author_id == author.id,
            FamilyObservation.week_start == monday,
            FamilyObservation.superseded_by_id.is_(None),
        )
    )


def own_observations(consent: Consent, author: User) -> list[FamilyObservation]:
    """What this family member sent under this consent, newest first (corrections and originals)."""
    return list(
        db.session.scalars(
            select(FamilyObservation)
            .where(FamilyObservation.consent_id == consent.id, FamilyObservation.author_id == author.id)
            .order_by(FamilyObservation.submitted_at.desc(), FamilyObservation.id.desc())
        )
    )


def client_observations(client: Client) -> list[FamilyObservation]:
    """Every family observation of a client, newest first, for the care team's timeline."""
    return list(
        db.session.scalars(
            select(FamilyObservation)
            .where(FamilyObservation.client_id == client.id)
            .order_by(FamilyObservation.submitted_at.desc(), FamilyObservation.id.desc())
        )
    )


def family_concerns(client_ids: Iterable[int], start: date, end: date) -> dict[int, list[tuple[date, str]]]:
    """Per client, the (day, concern) pairs of family observations sent in [start, end], from one query.

    Concerns are names of iop.clinical.evidence.FAMILY_CONCERNS. A corrected observation counts
    through its correction only; every client asked about has a list, empty when nothing was sent.
    """
    ids = list(dict.fromkeys(client_ids))
    if not ids:
        return {}
    return family_concerns_from(ids, family_concerns_statement(ids, start, end).run())


def family_concerns_statement(client_ids: list[int], start: date, end: date) -> Read:
    """The read behind family_concerns: the observations with a concern ticked, oldest first."""
    return Read(_family_concerns_sql(), {"client_ids": list(client_ids), "start": start, "end": end})


@cache
def _family_concerns_sql() -> Select:
    flags = [getattr(FamilyObservation, f"concern_{name}") for name in FAMILY_CONCERNS]
    return (
        select(FamilyObservation.client_id, FamilyObservation.observed_on, *flags)
        .where(
            FamilyObservation.client_id.in_(bindparam("client_ids", expanding=True)),
            FamilyObservation.observed_on >= bindparam("start"),
            FamilyObservation.observed_on <= bindparam("end"),
            FamilyObservation.superseded_by_id.is_(None),
            or_(*flags),
        )
        .order_by(FamilyObservation.client_id, FamilyObservation.observed_on, FamilyObservation.id)
    )


def family_concerns_from(client_ids: list[int], rows) -> dict[int, list[tuple[date, str]]]:
    """family_concerns from the rows of its statement."""
    result: dict[int, list[tuple[date, str]]] = {client_id: [] for client_id in client_ids}
    for client_id, day, *ticked in rows:
        result[client_id].extend((day, name) for name, on in zip(FAMILY_CONCERNS, ticked, strict=True) if on)
    return result


@dataclass
class FamilyWeek:
    week_start: date
    observations: int = 0
    means: dict[str, float] = field(default_factory=dict)
    overall: float | None = None
    concerns: list[str] = field(default_factory=list)
    phq9: int | None = None
    gad7: int | None = None


def weekly_summary(client: Client, observations: list[FamilyObservation]) -> list[FamilyWeek]:
    """Each week with observations: mean ratings (current versions only) beside that week's latest
    PHQ-9 and GAD-7 totals, newest week first."""
    current = [o for o in observations if not o.is_superseded]
    by_week: dict[date, list[FamilyObservation]] = defaultdict(list)
    for observation in current:
        by_week[observation.week_start].append(observation)
    if not by_week:
        return []
    first, last = min(by_week), max(by_week) + timedelta(days=6)
    scores = db.session.execute(
        select(AssessmentResponse.instrument, AssessmentResponse.administered_on, AssessmentResponse.total)
        .where(
            AssessmentResponse.client_id == client.id,
            AssessmentResponse.instrument.in_(("phq9", "gad7")),
            AssessmentResponse.superseded_by_id.is_(None),
            AssessmentResponse.administered_on.between(first, last),
        )
        .order_by(AssessmentResponse.administered_on, AssessmentResponse.id)
    )
    latest: dict[tuple[date, str], int] = {}
    for instrument, day, total in scores:
        latest[week_start(day), instrument] = total  # ordered by day: the last one wins
    weeks = []
    for monday in sorted(by_week, reverse=True):
        rows = by_week[monday]
        means = {key: sum(getattr(o, key) for o in rows) / len(rows) for key in RATING_FIELDS}
        concerns = sorted({name for o in rows for name in o.concerns}, key=FAMILY_CONCERNS.index)
        weeks.append(
            FamilyWeek(
                monday,
                len(rows),
                means,
                sum(means.values()) / len(means),
                concerns,
                latest.get((monday, "phq9")),
                latest.get((monday, "gad7")),
            )
        )
    return weeks


def family_access_log(client: Client, limit: int = 100) -> list[tuple[AuditEvent, User, dict]]:
    """What family members did about this client (pages viewed, observations sent), newest first,
    each event with its actor and its decoded details."""
    rows = db.session.execute(
        select(AuditEvent, User)
        .join(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.client_id == client.id, User.kind == "family")
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    ).tuples()
    return [(event, user, json.loads(event.details or "{}")) for event, user in rows]


def record_family_view(consent: Consent, page: str) -> None:
    """Audit a family portal page view; the caller commits."""
    record_event("family.view", "consent", consent.id, consent.client_id, details={"page": page})
