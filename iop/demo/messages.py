"""The demo's secure message thread: one client with a working personal link and their care team."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from iop import clock
from iop.demo.content import CASE_MANAGER_EMAIL, CLINICIAN_EMAIL
from iop.extensions import db
from iop.models import ClientLink, SecureMessage, User
from iop.services.client_links import active_link
from iop.services.secure_messages import read_as_care_team, send_client_message, send_staff_message

# (hours ago, who wrote, text). The last one, from the client, is left unread by the care team.
THREAD = (
    (50, "client", "Is it OK if I join Thursday's group late? I have a doctor's appointment until 9:30."),
    (47, CLINICIAN_EMAIL, "Of course. Join when you can; we start with check-ins, so you won't miss much."),
    (26, "client", "Thanks. Also, the grounding practice helped last night when I couldn't sleep."),
    (24, CASE_MANAGER_EMAIL, "Glad to hear it. I've noted it for your weekly review with Jordan."),
    (3, "client", "Could we talk about my work schedule next week? It may clash with the evening group."),
)


def seed_messages(staff: dict[str, User]) -> int:
    """A thread of a few messages both ways for the first demo client with a working link, written
    through the services (audited, notified, mailed as in real use) and then dated back; returns how many."""
    links = db.session.scalars(select(ClientLink).order_by(ClientLink.id)).all()
    link = next((row for row in links if active_link(row.client) is row), None)
    if link is None:
        return 0
    client, now = link.client, clock.now()
    for number, (hours_ago, author, text) in enumerate(THREAD):
        key = f"demo-message-{client.id}-{number:03d}"
        if author == "client":
            message, _ = send_client_message(link, text, key)
        else:
            read_as_care_team(client, staff[author])  # the care team read the client's message first
            message, _ = send_staff_message(client, text, staff[author], key)
        message.sent_at = now - timedelta(hours=hours_ago)
    db.session.flush()
    # The client opened the replies an hour after each; the last message still waits for the team.
    thread = select(SecureMessage).where(SecureMessage.client_id == client.id)
    for message in db.session.scalars(thread.execution_options(populate_existing=True)):
        if message.read_at is not None or message.author_kind == "staff":
            message.read_at = message.sent_at + timedelta(hours=1)
    return len(THREAD)
