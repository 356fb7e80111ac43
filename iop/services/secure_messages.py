"""Secure messages: an asynchronous thread between a client (by personal link) and the care team.

No message leaves the building: the care team is told in the app, the client by a mail (or text
message) that only says a message is waiting. Messages are never edited or deleted; the care team
marks a thread handled, and the client's next message opens it again. Every send and every read is
audited with ids and lengths, never the text.
"""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from iop import clock
from iop.extensions import db
from iop.models import Client, ClientLink, MessageThread, Notification, ProgramRole, SecureMessage, User
from iop.services.audit import record_event
from iop.services.client_links import active_link, destination
from iop.services.messaging import notify, send_message
from iop.services.once import ALREADY_USED, insert_once, stored_with_key

MESSAGE_MAX_LENGTH = 2000
# However many replies the care team sends, the client gets at most one "new message" mail an hour.
MAIL_AT_MOST_EVERY = timedelta(hours=1)
CARE_TEAM_ROLES = ("clinician", "case_manager")
NOTIFICATION_KIND = "client_message"
# No PHI at all: no text, no program, no names. The client reads the message behind their own link.
NEW_MESSAGE_SUBJECT = "A new message from your care team"
NEW_MESSAGE_BODY = (
    "You have a new message from your care team.\n"
    "Open your personal link to read it and to reply.\n\n"
    "If you are in danger right now, call 911. For a mental health crisis, call or text 988.\n"
)


class MessageRefused(ValueError):
    """The message cannot be stored as sent; the message is shown to whoever wrote it."""


def check_body(body: str) -> str:
    """The text to store: trimmed, not empty, not too long, no control characters (NUL included)."""
    body = (body or "").strip()
    if not body:
        raise MessageRefused("Write a message first.")
    if len(body) > MESSAGE_MAX_LENGTH:
        raise MessageRefused(f"Keep a message under {MESSAGE_MAX_LENGTH} characters.")
    if any(ord(char) < 32 and char not in "\n\r\t" for char in body):
        raise MessageRefused("Remove the control characters from the message.")
    return body


def thread_messages(client: Client) -> list[SecureMessage]:
    """Every message of the client's thread, newest first, with who wrote and who read it (one query)."""
    return list(
        db.session.scalars(
            select(SecureMessage)
            .where(SecureMessage.client_id == client.id)
            .options(joinedload(SecureMessage.author), joinedload(SecureMessage.read_by))
            .order_by(SecureMessage.sent_at.desc(), SecureMessage.id.desc())
        )
    )


def thread_of(client: Client) -> MessageThread | None:
    """The thread's state (handled, last mailed), or None before its first message."""
    return db.session.get(MessageThread, client.id, options=[joinedload(MessageThread.handled_by)])


def _thread(client_id: int) -> MessageThread:
    thread = db.session.get(MessageThread, client_id)
    if thread is not None:
        return thread
    try:
        with db.session.begin_nested():
            thread = MessageThread(client_id=client_id)
            db.session.add(thread)
            db.session.flush()
    except IntegrityError:  # another request opened the thread first
        thread = db.session.get(MessageThread, client_id, populate_existing=True)
    return thread


def _store(client_id: int, body: str, submission_key: str, **author) -> tuple[SecureMessage, bool]:
    """Insert the message once per form: the same key posted twice gives the first message back."""
    existing = stored_with_key(SecureMessage, submission_key)
    if existing is not None:
        if existing.client_id != client_id:
            raise MessageRefused(ALREADY_USED)
        return existing, False
    body = check_body(body)
    message = SecureMessage(
        client_id=client_id, body=body, sent_at=clock.now(), submission_key=submission_key, **author
    )
    return insert_once(message)


def send_client_message(link: ClientLink, body: str, submission_key: str) -> tuple[SecureMessage, bool]:
    """The client writes to the care team: stored, the thread opened again, the care team told in the app."""
    message, created = _store(link.client_id, body, submission_key, author_kind="client", link_id=link.id)
    if not created:
        return message, False
    thread = _thread(link.client_id)
    thread.handled_at, thread.handled_by_id = None, None
    record_event(
        "message.send",
        "secure_message",
        message.id,
        link.client_id,
        details={"author": "client", "link_id": link.id, "length": len(message.body)},
    )
    _tell_care_team(link.client)
    return message, True


def send_staff_message(
    client: Client, body: str, actor: User, submission_key: str
) -> tuple[SecureMessage, bool]:
    """A care-team member replies: stored, and the client told by mail (at most once an hour)."""
    message, created = _store(client.id, body, submission_key, author_kind="staff", author_id=actor.id)
    if not created:
        return message, False
    _thread(client.id)
    mail = _tell_client(client, actor)
    record_event(
        "message.send",
        "secure_message",
        message.id,
        client.id,
        actor_id=actor.id,
        details={"author": "staff", "length": len(message.body), "mailed": mail is not None},
    )
    return message, True


def care_team_ids(client: Client) -> list[int]:
    """The active clinicians and case managers of the client's program."""
    return list(
        db.session.scalars(
            select(User.id)
            .join(ProgramRole, ProgramRole.user_id == User.id)
            .where(
                ProgramRole.program_id == client.program_id,
                ProgramRole.role.in_(CARE_TEAM_ROLES),
                User.active.is_(True),
                User.kind == "staff",
            )
            .distinct()
            .order_by(User.id)
        )
    )


def tab_path(client: Client) -> str:
    """Where a notification leads: the client's Messages tab."""
    try:
        return url_for("messages.index", client_id=client.id)
    except RuntimeError:  # no request: the demo seed or a job
        return f"/clients/{client.id}/messages"


def _tell_care_team(client: Client) -> None:
    """One unread notice per care-team member: someone who has not opened the last one gets no second."""
    link = tab_path(client)
    waiting = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.kind == NOTIFICATION_KIND,
                Notification.link == link,
                Notification.read_at.is_(None),
            )
        )
    )
    # The name is read on the tab (audited), not in the notice: only that a client wrote, and where.
    notify(
        [user_id for user_id in care_team_ids(client) if user_id not in waiting],
        NOTIFICATION_KIND,
        "A client sent the care team a new secure message.",
        link,
    )


def _tell_client(client: Client, actor: User):
    """The "new message" mail, through the channel the personal link went by; None when the client has
    no working link or no address, or was already told within the hour."""
    link = active_link(client)
    address = destination(client, link.channel) if link else ""
    if not address:
        return None
    now = clock.now()
    # One atomic claim of the hour: of two replies at the same moment, only one sends the mail.
    claimed = db.session.execute(
        update(MessageThread)
        .where(
            MessageThread.client_id == client.id,
            or_(
                MessageThread.client_mailed_at.is_(None),
                MessageThread.client_mailed_at <= now - MAIL_AT_MOST_EVERY,
            ),
        )
        .values(client_mailed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return None
    return send_message(
        address,
        NEW_MESSAGE_SUBJECT,
        NEW_MESSAGE_BODY,
        purpose="client_message",
        channel=link.channel,
        program_id=client.program_id,
        client_id=client.id,
        actor=actor,
    )


def read_as_client(link: ClientLink) -> int:
    """The client opened the thread: the care team's messages are read. Returns how many were new."""
    count = db.session.execute(
        update(SecureMessage)
        .where(
            SecureMessage.client_id == link.client_id,
            SecureMessage.author_kind == "staff",
            SecureMessage.read_at.is_(None),
        )
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    if count:
        record_event(
            "message.read",
            "client",
            link.client_id,
            link.client_id,
            details={"reader": "client", "link_id": link.id, "messages": count},
        )
    return count


def read_as_care_team(client: Client, user: User) -> int:
    """A care-team member opened the thread: the client's messages are read, by them, and their notices of
    this thread too. Others who may open it (break-glass, for one) read without marking anything."""
    if not user.has_role(*CARE_TEAM_ROLES, program=client.program_id):
        return 0
    now = clock.now()
    count = db.session.execute(
        update(SecureMessage)
        .where(
            SecureMessage.client_id == client.id,
            SecureMessage.author_kind == "client",
            SecureMessage.read_at.is_(None),
        )
        .values(read_at=now, read_by_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.kind == NOTIFICATION_KIND,
            Notification.link == tab_path(client),
            Notification.read_at.is_(None),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    if count:
        record_event(
            "message.read",
            "client",
            client.id,
            client.id,
            actor_id=user.id,
            details={"reader": "staff", "messages": count},
        )
    return count


def unread_for_client(client: Client) -> int:
    """How many of the care team's messages the client has not opened yet."""
    return db.session.scalar(
        select(func.count(SecureMessage.id)).where(
            SecureMessage.client_id == client.id,
            SecureMessage.author_kind == "staff",
            SecureMessage.read_at.is_(None),
        )
    )


def set_handled(client: Client, actor: User, handled: bool) -> MessageThread:
    """Mark the thread handled (nothing left to answer), or open it again."""
    thread = _thread(client.id)
    if thread.is_handled == handled:
        raise MessageRefused(
            "This thread was already marked handled." if handled else "This thread is already open."
        )
    thread.handled_at, thread.handled_by_id = (clock.now(), actor.id) if handled else (None, None)
    record_event(
        "message_thread.handle" if handled else "message_thread.reopen",
        "client",
        client.id,
        client.id,
        actor_id=actor.id,
    )
    return thread
