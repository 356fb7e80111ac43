"""Consents to share with a family member, and the single-use invitations that let them in.

A consent names one person; an invitation is a link to that person's email, valid 72 hours and
once; accepting it creates their family account (or links an existing one) to the consent.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update

from iop import clock
from iop.extensions import db
from iop.models import INVITATION_HOURS, RELATIONSHIPS, AuditEvent, Client, Consent, Invitation, User
from iop.services.accounts import normalise_email
from iop.services.audit import record_event
from iop.services.messaging import send_message
from iop.services.passwords import hash_password, password_problem


class ConsentRefused(ValueError):
    """The consent change breaks a rule; the message is shown to the user."""


@dataclass(frozen=True)
class ConsentInput:
    recipient_name: str
    relationship: str
    recipient_email: str
    purpose: str
    scope_attendance_summary: bool
    granted_on: date
    expires_on: date
    signature_on_file: bool
    signed_on: date | None


def record_consent(client: Client, data: ConsentInput, actor: User) -> Consent:
    """Record the client's consent to share with one named person."""
    today = client.program.today()
    if data.relationship not in RELATIONSHIPS:
        raise ConsentRefused("Choose one of the listed relationships.")
    if data.granted_on > today:
        raise ConsentRefused("The consent cannot be granted in the future.")
    if data.expires_on <= data.granted_on:
        raise ConsentRefused("The expiry must come after the date it was granted.")
    if data.signature_on_file and (data.signed_on is None or data.signed_on > today):
        raise ConsentRefused("Give the date the client signed (not in the future).")
    consent = Consent(
        client_id=client.id,
        recipient_name=data.recipient_name.strip(),
        relationship_kind=data.relationship,
        recipient_email=normalise_email(data.recipient_email),
        purpose=data.purpose.strip(),
        scope_observations=True,
        scope_attendance_summary=data.scope_attendance_summary,
        granted_on=data.granted_on,
        expires_on=data.expires_on,
        signature_on_file=data.signature_on_file,
        signed_on=data.signed_on if data.signature_on_file else None,
        recorded_by_id=actor.id,
    )
    db.session.add(consent)
    db.session.flush()
    record_event(
        "consent.record",
        "consent",
        consent.id,
        client.id,
        actor_id=actor.id,
        details={
            "relationship": consent.relationship_kind,
            "granted_on": consent.granted_on,
            "expires_on": consent.expires_on,
            "signature_on_file": consent.signature_on_file,
            "attendance_summary": consent.scope_attendance_summary,
        },
    )
    return consent


def revoke_consent(consent: Consent, reason: str, actor: User) -> Consent:
    """Revoke with a reason; the family member's open sessions end now and their invitations die."""
    from iop.security import end_all_sessions

    reason = (reason or "").strip()
    if consent.revoked_at is not None:
        raise ConsentRefused("This consent was already revoked.")
    if len(reason) < 5:
        raise ConsentRefused("Say why the consent is revoked (for example: the client withdrew it).")
    now = clock.now()
    consent.revoked_at = now
    consent.revoked_by_id = actor.id
    consent.revoke_reason = reason[:300]
    _withdraw_open_invitations(consent, now)
    if consent.family_user_id is not None:
        end_all_sessions(consent.family_user_id, "access_ended")
    db.session.flush()
    record_event("consent.revoke", "consent", consent.id, consent.client_id, actor_id=actor.id)
    return consent


def client_consents(client: Client) -> list[Consent]:
    """Every consent of a client, newest first, revoked and expired ones too."""
    return list(
        db.session.scalars(
            select(Consent)
            .where(Consent.client_id == client.id)
            .order_by(Consent.granted_on.desc(), Consent.id.desc())
        )
    )


def consent_histories(consents: Iterable[Consent]) -> dict[int, list[tuple[AuditEvent, str | None]]]:
    """What happened to each consent (recorded, invited, accepted, revoked) and by whom, oldest first,
    in one query."""
    ids = {str(consent.id): consent.id for consent in consents}
    histories: dict[int, list[tuple[AuditEvent, str | None]]] = {
        consent_id: [] for consent_id in ids.values()
    }
    if not ids:
        return histories
    rows = db.session.execute(
        select(AuditEvent, User.full_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == "consent", AuditEvent.object_id.in_(list(ids)))
        .where(AuditEvent.action.like("consent.%"))
        .order_by(AuditEvent.id)
    )
    for event, actor_name in rows:
        histories[ids[event.object_id]].append((event, actor_name))
    return histories


def active_consents_of(user: User) -> list[Consent]:
    """The consents naming this family account that allow sharing today (each in its program's time)."""
    rows = db.session.scalars(
        select(Consent)
        .where(Consent.family_user_id == user.id, Consent.revoked_at.is_(None))
        .order_by(Consent.id)
    )
    return [consent for consent in rows if consent.is_active(consent.client.program.today())]


# Invitations ---------------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _withdraw_open_invitations(consent: Consent, now) -> None:
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.consent_id == consent.id,
            Invitation.accepted_at.is_(None),
            Invitation.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=now)
    )


def invite(consent: Consent, actor: User, accept_url: Callable[[str], str]) -> Invitation:
    """Mail the consent's recipient a single-use link (72 h); an earlier unused link stops working."""
    if not consent.is_active(consent.client.program.today()):
        raise ConsentRefused("Only an active consent can be used to invite someone.")
    now = clock.now()
    _withdraw_open_invitations(consent, now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        consent_id=consent.id,
        token_hash=_hash_token(token),
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(hours=INVITATION_HOURS),
    )
    db.session.add(invitation)
    db.session.flush()
    # No client details in the mail: the link leads to a page that says who invited them.
    send_message(
        consent.recipient_email,
        "You are invited to share how things are going at home",
        f"Hello {consent.recipient_name},\n\n"
        "A care team using Stepwise invites you to share short weekly observations, with the\n"
        "consent of the person you support. Open this link within 72 hours to set your password:\n\n"
        f"{accept_url(token)}\n\n"
        "The link works once. If you did not expect this message, you can ignore it.\n",
        purpose="family_invitation",
        program_id=consent.client.program_id,
        client_id=consent.client_id,
        actor=actor,
    )
    record_event(
        "consent.invite",
        "consent",
        consent.id,
        consent.client_id,
        actor_id=actor.id,
        details={"invitation_id": invitation.id, "expires_at": invitation.expires_at},
    )
    return invitation


class InvitationProblem(ValueError):
    """Why a link cannot be used: unknown, used, expired, withdrawn or consent_ended."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def open_invitation(token: str) -> Invitation:
    """The invitation behind a link, or InvitationProblem saying why it cannot be used."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _hash_token(token or ""))
    )
    if invitation is None:
        raise InvitationProblem("unknown")
    if invitation.accepted_at is not None:
        raise InvitationProblem("used")
    if invitation.withdrawn_at is not None:
        raise InvitationProblem("withdrawn")
    if clock.now() >= invitation.expires_at:
        raise InvitationProblem("expired")
    consent = invitation.consent
    if not consent.is_active(consent.client.program.today()):
        raise InvitationProblem("consent_ended")
    return invitation


def existing_account(invitation: Invitation) -> User | None:
    """The account that already uses the invited email, if any."""
    return db.session.scalar(select(User).where(User.email == invitation.consent.recipient_email))


def accept_invitation(
    invitation: Invitation, *, password: str, full_name: str | None = None, ip: str | None = None
) -> User:
    """Use the link once: create the family account, or link the existing one after checking its password."""
    from iop.services.accounts import check_credentials

    consent = invitation.consent
    user = existing_account(invitation)
    if user is None:
        problem = password_problem(
            password, email=consent.recipient_email, full_name=full_name or consent.recipient_name
        )
        if problem:
            raise ConsentRefused(problem)
        user = User(
            email=consent.recipient_email,
            full_name=(full_name or consent.recipient_name).strip()[:120],
            password_hash=hash_password(password),
            kind="family",
        )
        db.session.add(user)
        db.session.flush()
        record_event("user.create", "user", user.id, actor_id=user.id, details={"kind": "family"})
        created = True
    else:
        if user.kind != "family" or not user.active:
            raise ConsentRefused("This email belongs to an account that cannot be linked; ask the care team.")
        # Throttled, counted and audited exactly like the sign-in form (this form checks the same password).
        result = check_credentials(user.email, password, ip)
        if result.throttled:
            raise ConsentRefused("Too many attempts. Wait 15 minutes and try again.")
        if result.user is None or result.user.id != user.id:
            raise ConsentRefused("That is not the password of your existing account.")
        created = False
    invitation.accepted_at = clock.now()
    invitation.accepted_by_id = user.id
    consent.family_user_id = user.id
    db.session.flush()
    record_event(
        "consent.accept",
        "consent",
        consent.id,
        consent.client_id,
        actor_id=user.id,
        details={"invitation_id": invitation.id, "account": "created" if created else "linked"},
    )
    return user
