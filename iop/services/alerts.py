"""Safety alerts: raised at once, acknowledged with a note, escalated to admins after 30 minutes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from iop import clock
from iop.extensions import db
from iop.models import (
    ESCALATION_MINUTES,
    Alert,
    AssessmentResponse,
    Client,
    FamilyObservation,
    ProgramRole,
    User,
)
from iop.queue import defer
from iop.services.audit import record_event

NOTE_MIN_LENGTH = 5
NOTE_MAX_LENGTH = 500


class AlertRefused(ValueError):
    """The alert cannot be acknowledged as asked."""


def raise_alert(response: AssessmentResponse, kind: str, actor: User | None) -> Alert:
    """Open an alert for a response (actor None: the client sent it by personal link); the caller
    commits, then enqueues the escalation check."""
    alert = Alert(client_id=response.client_id, kind=kind, response_id=response.id)
    db.session.add(alert)
    db.session.flush()
    record_event(
        "alert.raise",
        "alert",
        alert.id,
        response.client_id,
        actor_id=actor.id if actor else None,
        details={"kind": kind, "response_id": response.id},
    )
    return alert


def raise_family_alert(observation: FamilyObservation, actor: User) -> Alert:
    """Open a safety alert for a family member's safety concern, as for PHQ-9 item 9; escalation is
    checked once the window has passed (deferred until the commit)."""
    alert = Alert(client_id=observation.client_id, kind="family_safety", observation_id=observation.id)
    db.session.add(alert)
    db.session.flush()
    record_event(
        "alert.raise",
        "alert",
        alert.id,
        observation.client_id,
        actor_id=actor.id,
        details={"kind": alert.kind, "observation_id": observation.id},
    )
    defer(
        "iop.jobs.escalate_alert",
        alert.id,
        job_id=f"escalate-alert-{alert.id}",
        delay=timedelta(minutes=ESCALATION_MINUTES, seconds=30),
    )
    return alert


def acknowledge_alert(alert: Alert, note: str, actor: User) -> Alert:
    """Record who dealt with the alert and what they did; the note is required."""
    note = (note or "").strip()
    if not alert.is_open:
        raise AlertRefused("This alert was already acknowledged.")
    if not may_acknowledge(actor, alert):
        raise AlertRefused("Program admins can acknowledge an alert once it has been escalated to them.")
    if len(note) < NOTE_MIN_LENGTH:
        raise AlertRefused(
            "Say briefly what was done (for example: safety plan reviewed, crisis line given)."
        )
    if len(note) > NOTE_MAX_LENGTH:
        raise AlertRefused(f"Keep the note under {NOTE_MAX_LENGTH} characters.")
    alert.acknowledged_at = clock.now()
    alert.acknowledged_by_id = actor.id
    alert.acknowledgement_note = note
    db.session.flush()
    record_event(
        "alert.acknowledge",
        "alert",
        alert.id,
        alert.client_id,
        actor_id=actor.id,
        details={"fields": ["acknowledgement_note"]},
    )
    return alert


def may_acknowledge(user: User, alert: Alert) -> bool:
    """The care team may acknowledge any open alert; a program admin one escalated to them."""
    program_id = alert.client.program_id
    return user.has_role("clinician", "case_manager", program=program_id) or (
        user.has_role("admin", program=program_id) and alert.escalated_at is not None
    )


def escalation_due_at(alert: Alert):
    """When an unacknowledged alert goes to the program admins."""
    return alert.created_at + timedelta(minutes=ESCALATION_MINUTES)


def escalate_overdue_alerts(now=None, alert_ids: list[int] | None = None) -> int:
    """Escalate every open alert older than the escalation window to its program's admins. Idempotent."""
    now = now or clock.now()
    cutoff = now - timedelta(minutes=ESCALATION_MINUTES)
    query = select(Alert).where(
        Alert.acknowledged_at.is_(None), Alert.escalated_at.is_(None), Alert.created_at <= cutoff
    )
    if alert_ids is not None:
        query = query.where(Alert.id.in_(alert_ids))
    overdue = db.session.scalars(query.order_by(Alert.id)).all()
    if not overdue:
        return 0
    admins = _program_admins({alert.client.program_id for alert in overdue})
    for alert in overdue:
        alert.escalated_at = now
        names = admins.get(alert.client.program_id, [])
        record_event(
            "alert.escalate",
            "alert",
            alert.id,
            alert.client_id,
            details={
                "kind": alert.kind,
                "minutes_open": int((now - alert.created_at).total_seconds() // 60),
                "admin_ids": [user_id for user_id, _ in names],
            },
        )
    db.session.flush()
    return len(overdue)


def _program_admins(program_ids: set[int]) -> dict[int, list[tuple[int, str]]]:
    rows = db.session.execute(
        select(ProgramRole.program_id, User.id, User.full_name)
        .join(User, User.id == ProgramRole.user_id)
        .where(ProgramRole.program_id.in_(program_ids), ProgramRole.role == "admin", User.active.is_(True))
        .order_by(User.full_name)
    )
    admins: dict[int, list[tuple[int, str]]] = {}
    for program_id, user_id, name in rows:
        admins.setdefault(program_id, []).append((user_id, name))
    return admins


def visible_alerts_query(user: User):
    """Open alerts the user should see: in programs where they are on the care team every open one,
    in programs where they are only an admin the escalated ones."""
    care_programs = user.program_ids_with("clinician", "case_manager")
    admin_programs = user.program_ids_with("admin") - care_programs
    return (
        select(Alert)
        .join(Client, Client.id == Alert.client_id)
        .where(
            Alert.acknowledged_at.is_(None),
            or_(
                Client.program_id.in_(care_programs),
                and_(Client.program_id.in_(admin_programs), Alert.escalated_at.is_not(None)),
            ),
        )
    )


# What an alert card shows (the response or the family observation behind it), joined into the same
# query: a page of alerts is one statement however many alerts are open.
CARD_OPTIONS = (joinedload(Alert.response), joinedload(Alert.observation), joinedload(Alert.acknowledged_by))


def open_alerts_for(user: User) -> list[Alert]:
    """The user's open alerts, oldest first (the longest-waiting needs attention first)."""
    return list(
        db.session.scalars(
            visible_alerts_query(user).options(*CARD_OPTIONS).order_by(Alert.created_at, Alert.id)
        )
    )


def open_alert_count(user: User) -> int:
    """How many open alerts the user should see, for the nav badge."""
    subquery = visible_alerts_query(user).with_only_columns(Alert.id).subquery()
    return db.session.scalar(select(func.count()).select_from(subquery)) or 0


def alerts_of_client(client: Client) -> list[Alert]:
    """Every alert of a client, open and acknowledged, oldest first."""
    return list(
        db.session.scalars(
            select(Alert)
            .where(Alert.client_id == client.id)
            .options(*CARD_OPTIONS)
            .order_by(Alert.created_at, Alert.id)
        )
    )


def acknowledged_alerts_for(user: User, limit: int = 50) -> list[Alert]:
    """Alerts of the user's programs acknowledged already, the latest first (the history)."""
    return list(
        db.session.scalars(
            select(Alert)
            .join(Client, Client.id == Alert.client_id)
            .where(Alert.acknowledged_at.is_not(None), Client.program_id.in_(user.program_ids))
            .options(*CARD_OPTIONS)
            .order_by(Alert.acknowledged_at.desc(), Alert.id.desc())
            .limit(limit)
        )
    )
