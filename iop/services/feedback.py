"""Post-session feedback by personal link: the client rates each group they attended (the program's own
three questions, 1–5, and a comment), once per group, within a week of it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, select

from iop.clinical.checkins import FEEDBACK_DAYS, FEEDBACK_KEYS
from iop.extensions import db
from iop.models import (
    ABSENT_STATUSES,
    Attendance,
    Client,
    ClientLink,
    Enrollment,
    GroupSession,
    SessionFeedback,
)
from iop.services.audit import record_event

COMMENT_MAX_LENGTH = 1000


class FeedbackRefused(ValueError):
    """The feedback cannot be stored as sent; the message is shown to the client."""


def groups_to_rate(client: Client) -> list[tuple[GroupSession, SessionFeedback | None]]:
    """Groups the client attended in the last week (not cancelled, not absent), newest first, each with
    the feedback already given, if any."""
    today = client.program.today()
    sessions = db.session.scalars(
        select(GroupSession)
        .join(Attendance, Attendance.session_id == GroupSession.id)
        .join(Enrollment, Enrollment.id == Attendance.enrollment_id)
        .where(
            Enrollment.client_id == client.id,
            Attendance.status.not_in(ABSENT_STATUSES),
            GroupSession.status != "cancelled",
            GroupSession.session_date <= today,
            GroupSession.session_date > today - timedelta(days=FEEDBACK_DAYS),
        )
        .order_by(GroupSession.starts_at.desc())
    ).all()
    given = {
        row.session_id: row
        for row in db.session.scalars(
            select(SessionFeedback).where(
                SessionFeedback.client_id == client.id,
                SessionFeedback.session_id.in_([s.id for s in sessions]),
            )
        )
    }
    return [(session, given.get(session.id)) for session in sessions]


def submit_feedback(
    link: ClientLink, group_session: GroupSession, ratings: dict[str, int], comment: str
) -> SessionFeedback:
    """Store the client's feedback on a group they attended in the last week; once per group."""
    client = link.client
    rateable = dict(groups_to_rate(client))
    if group_session not in rateable:
        raise FeedbackRefused("Feedback is for groups you attended in the last week.")
    if rateable[group_session] is not None:
        raise FeedbackRefused("You already sent feedback on this group. Thank you!")
    if set(ratings) != set(FEEDBACK_KEYS) or not all(
        isinstance(value, int) and 1 <= value <= 5 for value in ratings.values()
    ):
        raise FeedbackRefused("Answer each question from 1 to 5.")
    if len(comment) > COMMENT_MAX_LENGTH:
        raise FeedbackRefused(f"Keep the comment under {COMMENT_MAX_LENGTH} characters.")
    feedback = SessionFeedback(
        client_id=client.id, session_id=group_session.id, link_id=link.id, comment=comment.strip(), **ratings
    )
    db.session.add(feedback)
    db.session.flush()
    record_event(
        "feedback.submit",
        "session_feedback",
        feedback.id,
        client.id,
        details={
            "link_id": link.id,
            "session_id": group_session.id,
            "ratings": ratings,
            "has_comment": bool(feedback.comment),
        },
    )
    return feedback


def client_feedback_query(client: Client, limit: int = 10) -> Select:
    """The client's feedback on groups, newest first, for the care team."""
    return (
        select(SessionFeedback)
        .where(SessionFeedback.client_id == client.id)
        .order_by(SessionFeedback.submitted_at.desc(), SessionFeedback.id.desc())
        .limit(limit)
    )


def newest_feedback_first(feedback) -> list[SessionFeedback]:
    """Feedback in client_feedback_query's order."""
    return sorted(feedback, key=lambda row: (row.submitted_at, row.id), reverse=True)
