"""The client's personal link: enabled by a clinician with the client's consent, sent by mail or text
message, stored as a hash, revocable in one click, renewed before it expires, optionally guarded by a
PIN or the date of birth (throttled). Opening it starts a client session held in the database.

Everything the client does is audited with no staff actor and the link's id in the details.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, g, session
from sqlalchemy import Select, select, update

from iop import clock
from iop.extensions import db
from iop.models import CHANNELS, SECOND_FACTORS, Client, ClientLink, ClientLinkSession, User
from iop.services.audit import record_event
from iop.services.messaging import send_message
from iop.services.passwords import DUMMY_HASH, hash_password, verify_password
from iop.services.throttle import counter_key, take_attempt

LINK_DAYS = 30
# The scheduled renewal sends a fresh link this long before the current one expires.
RENEW_BEFORE = timedelta(days=3)
# Second-factor guesses allowed per link in one throttle window.
SECOND_FACTOR_ATTEMPTS = 5
PIN_DIGITS = (4, 8)
SESSION_KEY = "client_sid"


class LinkRefused(ValueError):
    """The link cannot be enabled or changed as asked; the message is shown to the clinician."""


class LinkProblem(ValueError):
    """Why a link or client session cannot be used: unknown, revoked, expired, replaced, throttled."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class EnableInput:
    purpose: str
    consent_on: date
    channel: str
    second_factor: str = "none"
    pin: str = ""


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def destination(client: Client, channel: str) -> str:
    """Where a link is sent: the client's email or mobile number from the client record."""
    return (client.email if channel == "email" else client.phone).strip()


def active_link(client: Client) -> ClientLink | None:
    """The client's link that works now, if any."""
    now = clock.now()
    return db.session.scalar(
        select(ClientLink)
        .where(
            ClientLink.client_id == client.id,
            ClientLink.revoked_at.is_(None),
            ClientLink.replaced_by_id.is_(None),
            ClientLink.expires_at > now,
        )
        .order_by(ClientLink.id.desc())
        .limit(1)
    )


def client_links_query(client: Client) -> Select:
    """Every link the client was sent, newest first."""
    return select(ClientLink).where(ClientLink.client_id == client.id).order_by(ClientLink.id.desc())


def _check(client: Client, data: EnableInput) -> None:
    if not data.purpose.strip():
        raise LinkRefused("Say what the client agreed to use check-ins for.")
    if data.consent_on > client.program.today():
        raise LinkRefused("The consent date cannot be in the future.")
    if data.channel not in CHANNELS:
        raise LinkRefused("Choose email or text message.")
    if not destination(client, data.channel):
        where = "email address" if data.channel == "email" else "mobile number"
        raise LinkRefused(f"The client record has no {where}; add it on the Enrollment tab first.")
    if data.second_factor not in SECOND_FACTORS:
        raise LinkRefused("Choose a second step from the list.")
    if data.second_factor == "dob" and client.date_of_birth is None:
        raise LinkRefused("The client record has no date of birth; choose a PIN or no second step.")
    low, high = PIN_DIGITS
    if data.second_factor == "pin" and not (
        data.pin.isascii() and data.pin.isdigit() and low <= len(data.pin) <= high
    ):
        raise LinkRefused(f"A PIN is {low} to {high} digits.")


def enable_checkins(
    client: Client, data: EnableInput, actor: User, link_url: Callable[[str], str]
) -> ClientLink:
    """Record the client's consent and send them a personal link; an earlier link stops working."""
    _check(client, data)
    pin_hash = hash_password(data.pin) if data.second_factor == "pin" else None
    return _issue(
        client,
        data.purpose.strip(),
        data.consent_on,
        data.channel,
        data.second_factor,
        pin_hash,
        actor,
        link_url,
    )


def _issue(client, purpose, consent_on, channel, second_factor, pin_hash, actor, link_url) -> ClientLink:
    now = clock.now()
    previous = active_link(client)
    token = secrets.token_urlsafe(32)
    link = ClientLink(
        client_id=client.id,
        token_hash=_hash_token(token),
        purpose=purpose,
        consent_on=consent_on,
        channel=channel,
        second_factor=second_factor,
        pin_hash=pin_hash,
        created_by_id=actor.id if actor else None,
        created_at=now,
        expires_at=now + timedelta(days=LINK_DAYS),
    )
    db.session.add(link)
    db.session.flush()
    if previous is not None:
        previous.replaced_by_id = link.id
        _end_sessions(previous, "replaced")
    # No PHI in the message: no program, no diagnosis, just the link.
    send_message(
        destination(client, channel),
        "Your personal check-in link",
        "Your care team set up short daily check-ins for you.\n"
        f"Open your personal link (it works for {LINK_DAYS} days):\n\n{link_url(token)}\n\n"
        "Keep it to yourself: anyone with it can open your check-ins. A newer link replaces this one.\n",
        purpose="client_link",
        channel=channel,
        program_id=client.program_id,
        client_id=client.id,
        actor=actor,
    )
    record_event(
        "client_link.renew" if actor is None else "client_link.enable",
        "client_link",
        link.id,
        client.id,
        actor_id=actor.id if actor else None,
        details={
            "channel": channel,
            "second_factor": second_factor,
            "replaces": previous.id if previous else None,
            "expires_at": link.expires_at,
        },
    )
    return link


def revoke_link(link: ClientLink, actor: User) -> ClientLink:
    """A lost link stops working at once, and every browser that opened it is signed out."""
    if link.revoked_at is not None:
        raise LinkRefused("That link was already revoked.")
    link.revoked_at = clock.now()
    link.revoked_by_id = actor.id
    ended = _end_sessions(link, "revoked")
    record_event(
        "client_link.revoke",
        "client_link",
        link.id,
        link.client_id,
        actor_id=actor.id,
        details={"sessions_ended": ended},
    )
    return link


def renew_expiring_links(link_url: Callable[[str], str]) -> int:
    """The schedule: each link expiring within three days gets a fresh one (same consent and second
    step), sent the same way. Idempotent: a renewed link is replaced, so it is not renewed twice."""
    now = clock.now()
    expiring = db.session.scalars(
        select(ClientLink).where(
            ClientLink.revoked_at.is_(None),
            ClientLink.replaced_by_id.is_(None),
            ClientLink.expires_at > now,
            ClientLink.expires_at <= now + RENEW_BEFORE,
        )
    ).all()
    for link in expiring:
        _issue(
            link.client,
            link.purpose,
            link.consent_on,
            link.channel,
            link.second_factor,
            link.pin_hash,
            None,
            link_url,
        )
    return len(expiring)


def _end_sessions(link: ClientLink, reason: str) -> int:
    return db.session.execute(
        update(ClientLinkSession)
        .where(ClientLinkSession.link_id == link.id, ClientLinkSession.ended_at.is_(None))
        .values(ended_at=clock.now(), end_reason=reason)
    ).rowcount


# The client's side -----------------------------------------------------------------------------


def open_link(token: str) -> ClientLink:
    """The link behind a token, or LinkProblem saying why it cannot be used."""
    link = db.session.scalar(select(ClientLink).where(ClientLink.token_hash == _hash_token(token or "")))
    if link is None:
        raise LinkProblem("unknown")
    state = link.state(clock.now())
    if state != "active":
        record_event("client_link.refused", "client_link", link.id, link.client_id, details={"state": state})
        raise LinkProblem(state)
    return link


def check_second_factor(link: ClientLink, answer: str | date | None) -> bool:
    """True when the PIN or date of birth matches; LinkProblem("throttled") after too many guesses."""
    if not take_attempt(counter_key("client_link", str(link.id)), SECOND_FACTOR_ATTEMPTS):
        record_event("client_link.throttled", "client_link", link.id, link.client_id)
        raise LinkProblem("throttled")
    if link.second_factor == "pin":
        matches = verify_password(link.pin_hash or DUMMY_HASH, str(answer or ""))
    else:
        matches = answer is not None and answer == link.client.date_of_birth
    if not matches:
        record_event(
            "client_link.second_factor_failed",
            "client_link",
            link.id,
            link.client_id,
            details={"second_factor": link.second_factor},
        )
    return matches


def start_client_session(link: ClientLink) -> ClientLinkSession:
    """Sign this browser in to the client's pages; the cookie holds a random token, the database its hash."""
    session.pop(SESSION_KEY, None)
    token = secrets.token_urlsafe(32)
    record = ClientLinkSession(link_id=link.id, token_hash=_hash_token(token))
    db.session.add(record)
    link.last_used_at = clock.now()
    db.session.flush()
    session[SESSION_KEY] = token
    session.permanent = True
    record_event(
        "client_link.open",
        "client_link",
        link.id,
        link.client_id,
        details={"session_id": record.id, "second_factor": link.second_factor},
    )
    return record


def current_client_session() -> ClientLinkSession | None:
    """The live client session behind the cookie; one that timed out, or whose link stopped working,
    is ended here and gives None."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    record = db.session.scalar(
        select(ClientLinkSession).where(ClientLinkSession.token_hash == _hash_token(token))
    )
    if record is None or record.ended_at is not None:
        session.pop(SESSION_KEY, None)
        return None
    now = clock.now()
    config = current_app.config
    reason = None
    if record.link.state(now) != "active":
        reason = record.link.state(now)
    elif now - record.created_at > config["IOP_ABSOLUTE_TIMEOUT"]:
        reason = "absolute_timeout"
    elif now - record.last_seen_at > config["IOP_IDLE_TIMEOUT"]:
        reason = "idle_timeout"
    if reason:
        record.ended_at, record.end_reason = now, reason
        db.session.commit()
        session.pop(SESSION_KEY, None)
        return None
    if (now - record.last_seen_at).total_seconds() > 60:
        record.last_seen_at = now
        db.session.commit()
    return record


def end_client_session(record: ClientLinkSession) -> None:
    """The client signs out of this browser."""
    record.ended_at, record.end_reason = clock.now(), "signed_out"
    record_event("client_link.sign_out", "client_link", record.link_id, record.link.client_id)
    session.pop(SESSION_KEY, None)


def record_client_view(page: str) -> None:
    """Audit a page the client opened; the caller commits."""
    link: ClientLink = g.client_link
    record_event("client.self_view", "client_link", link.id, link.client_id, details={"page": page})
