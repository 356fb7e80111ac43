"""Reminders that a questionnaire became due, sent by the schedule to clients with a working personal
link, through the outbox like the link itself, with no PHI (no instrument, no program, no score).

Once per client, instrument and due date however often the tick runs (a unique row per reminder);
never after the questionnaire's window closed, never through a revoked, replaced or expired link.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from iop import clock
from iop.extensions import db
from iop.models import Client, ClientLink, QuestionnaireReminder
from iop.services.audit import record_event
from iop.services.client_links import destination
from iop.services.messaging import send_message
from iop.services.self_reports import DueQuestionnaire, questionnaires_of


def working_links() -> list[ClientLink]:
    """Every personal link that works now, with its client's enrollments."""
    now = clock.now()
    return list(
        db.session.scalars(
            select(ClientLink)
            .where(
                ClientLink.revoked_at.is_(None),
                ClientLink.replaced_by_id.is_(None),
                ClientLink.expires_at > now,
            )
            .options(selectinload(ClientLink.client).selectinload(Client.enrollments))
            .order_by(ClientLink.id)
        )
    )


def _reminded(client_ids: list[int]) -> set[tuple[int, str, object]]:
    rows = db.session.execute(
        select(
            QuestionnaireReminder.client_id, QuestionnaireReminder.instrument, QuestionnaireReminder.due_on
        ).where(QuestionnaireReminder.client_id.in_(client_ids))
    )
    return {tuple(row) for row in rows}


def send_questionnaire_reminders(pages_url: Callable[[], str]) -> int:
    """Remind each client whose questionnaire is open today and was not reminded for this due date;
    one message covers the questionnaires due together. Returns how many messages were sent."""
    links = working_links()
    if not links:
        return 0
    due = questionnaires_of([link.client for link in links])
    reminded = _reminded([link.client_id for link in links])
    sent = 0
    for link in links:
        today = link.client.program.today()
        fresh = [
            q
            for q in due.get(link.client_id, [])
            if q.is_open(today) and (link.client_id, q.instrument.key, q.window.due_on) not in reminded
        ]
        if fresh and _remind(link, fresh, pages_url):
            sent += 1
    db.session.flush()
    return sent


def _remind(link: ClientLink, questionnaires: list[DueQuestionnaire], pages_url: Callable[[], str]) -> bool:
    rows = [
        QuestionnaireReminder(
            client_id=link.client_id, instrument=q.instrument.key, due_on=q.window.due_on, link_id=link.id
        )
        for q in questionnaires
    ]
    try:
        with db.session.begin_nested():  # a second runner of the same tick loses here
            db.session.add_all(rows)
            db.session.flush()
    except IntegrityError:
        return False
    last_day = min(q.window.expires_on for q in questionnaires)
    count = len(questionnaires)
    message = send_message(
        destination(link.client, link.channel),
        "A short questionnaire is ready for you",
        "Hello,\n\n"
        f"{'A short questionnaire is' if count == 1 else f'{count} short questionnaires are'} ready for you "
        f"to answer by {last_day:%B} {last_day.day}. It takes a few minutes.\n\n"
        f"Open your personal link from your care team's latest message, or go to:\n\n{pages_url()}\n\n"
        "You get this message because you agreed to check-ins with your care team.\n",
        purpose="questionnaire_reminder",
        channel=link.channel,
        program_id=link.client.program_id,
        client_id=link.client_id,
    )
    for row in rows:
        row.message_id = message.id
    record_event(
        "questionnaire.reminder",
        "client_link",
        link.id,
        link.client_id,
        details={
            "instruments": [q.instrument.key for q in questionnaires],
            "due_on": [q.window.due_on.isoformat() for q in questionnaires],
            "message_id": message.id,
        },
    )
    return True
