"""Messages to people: mail and text messages through the outbox, and in-app notifications for staff.

A message is stored first and delivered by a job after the commit, so a request never waits on a
mail server and nothing is sent for work that rolled back. Without a configured transport (the
demo and the tests) a message is held in the outbox, where the program's admins can read it.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import func, select, update
from werkzeug.utils import import_string

from iop import clock
from iop.extensions import db
from iop.models import CHANNELS, Notification, OutboxMessage, User
from iop.queue import defer
from iop.services.audit import record_event


class Transport(Protocol):
    """Something that hands a message to the outside world, or raises with a short reason."""

    def send(self, message: OutboxMessage) -> None: ...


class SmtpTransport:
    """Mail through the server named by IOP_SMTP_URL: smtp://user:password@host:587 (STARTTLS) or smtps://."""

    def __init__(self, url: str, sender: str):
        self.parts = urlsplit(url)
        self.sender = sender

    def send(self, message: OutboxMessage) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail.set_content(message.body or "")
        parts = self.parts
        context = ssl.create_default_context()
        if parts.scheme == "smtps":
            server = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, context=context, timeout=20)
        else:
            server = smtplib.SMTP(parts.hostname, parts.port or 587, timeout=20)
        with server:
            if parts.scheme == "smtp" and server.has_extn("starttls"):
                server.starttls(context=context)
            if parts.username:
                server.login(unquote(parts.username), unquote(parts.password or ""))
            server.send_message(mail)


def transport_for(channel: str) -> Transport | None:
    """The configured transport of a channel, or None: the message is then held in the outbox."""
    config = current_app.config
    if channel == "email" and config.get("IOP_SMTP_URL"):
        return SmtpTransport(config["IOP_SMTP_URL"], config["IOP_MAIL_FROM"])
    if channel == "sms" and config.get("IOP_SMS_BACKEND"):
        # A class with send(message): an adapter for the clinic's SMS gateway.
        return import_string(config["IOP_SMS_BACKEND"])()
    return None


def send_message(
    recipient: str,
    subject: str,
    body: str,
    *,
    purpose: str,
    channel: str = "email",
    program_id: int | None = None,
    client_id: int | None = None,
    actor: User | None = None,
) -> OutboxMessage:
    """Store a message and deliver it after the commit. Keep PHI out of bodies: send links, not details."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    message = OutboxMessage(
        channel=channel,
        recipient=recipient.strip(),
        subject=subject,
        body=body,
        purpose=purpose,
        program_id=program_id,
    )
    db.session.add(message)
    db.session.flush()
    record_event(
        "message.queue",
        "outbox_message",
        message.id,
        client_id,
        actor_id=actor.id if actor else None,
        details={"purpose": purpose, "channel": channel},
    )
    defer("iop.jobs.deliver_message", message.id, job_id=f"deliver-message-{message.id}")
    return message


def deliver(message: OutboxMessage) -> str:
    """Hand a queued message to its transport; returns the new status. Idempotent once delivered."""
    if message.status != "queued":
        return message.status
    transport = transport_for(message.channel)
    if transport is None:
        message.status = "held"
        return message.status
    try:
        transport.send(message)
    except (OSError, smtplib.SMTPException) as error:
        # Keep the reason short and free of the body; RQ retries the job, which tries again.
        message.error = f"{type(error).__name__}: {error}"[:200]
        raise
    message.status = "sent"
    message.sent_at = clock.now()
    message.body = None  # delivered: nothing left here to leak
    message.error = None
    return message.status


def outbox_for_programs(program_ids: Iterable[int], limit: int = 100):
    """A select() of the newest messages about these programs, for admins to read."""
    return (
        select(OutboxMessage)
        .where(OutboxMessage.program_id.in_(list(program_ids)))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )


def notify(user_ids: Iterable[int], kind: str, text: str, link: str | None = None) -> list[Notification]:
    """Leave an in-app notice for each staff member (once each, however often an id is listed)."""
    notices = [
        Notification(user_id=user_id, kind=kind, text=text, link=link) for user_id in dict.fromkeys(user_ids)
    ]
    db.session.add_all(notices)
    db.session.flush()
    return notices


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def recent_notifications(user: User, limit: int = 50, unread_only: bool = False) -> list[Notification]:
    """The user's newest notices (only the unread ones if asked)."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(
        db.session.scalars(
            query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
        )
    )


def mark_all_read(user: User) -> int:
    """Mark every unread notice of the user as read; returns how many changed."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    return result.rowcount
