"""The optional weekly attendance summary for a family member (issue 9): a mail with no PHI that
points to a portal page showing the week's attendance count, and nothing clinical.

Sent only under a consent whose scope includes it, that is active when the mail goes out, and whose
recipient has accepted the invitation. One per consent and week, however often the job runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from iop import clock
from iop.clinical.attendance import ABSENT, week_start
from iop.extensions import db
from iop.models import Attendance, Consent, Enrollment, FamilyAttendanceSummary, GroupSession
from iop.services.audit import record_event
from iop.services.messaging import send_message


@dataclass(frozen=True)
class WeekCount:
    week_start: date
    attended: int  # group sessions the client joined (present, late, left early, connection trouble)
    scheduled: int  # group sessions held or scheduled while enrolled, cancelled ones left out

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)


def last_completed_week(consent: Consent) -> date:
    """The Monday of the last full program week before today, in the client's program time."""
    return week_start(consent.client.program.today()) - timedelta(days=7)


def week_count(consent: Consent, monday: date) -> WeekCount:
    """How many of the week's group sessions the client attended, from one query."""
    sunday = monday + timedelta(days=6)
    rows = db.session.execute(
        select(GroupSession.id, Attendance.status)
        .join(Enrollment, Enrollment.cohort_id == GroupSession.cohort_id)
        .outerjoin(
            Attendance,
            and_(Attendance.session_id == GroupSession.id, Attendance.enrollment_id == Enrollment.id),
        )
        .where(
            Enrollment.client_id == consent.client_id,
            GroupSession.status != "cancelled",
            GroupSession.session_date.between(monday, sunday),
            GroupSession.session_date >= Enrollment.started_on,
            or_(Enrollment.ended_on.is_(None), GroupSession.session_date < Enrollment.ended_on),
            GroupSession.starts_at <= clock.now(),
        )
    ).all()
    attended = sum(1 for _, status in rows if status is not None and status not in ABSENT)
    return WeekCount(monday, attended, len(rows))


def shares_summary(consent: Consent) -> bool:
    """The consent allows the summary today: its scope includes it and it is active."""
    return consent.scope_attendance_summary and consent.is_active(consent.client.program.today())


def due_consents() -> list[Consent]:
    """Consents with the summary in scope, accepted by a family account, not revoked (expiry: per program)."""
    return list(
        db.session.scalars(
            select(Consent)
            .where(
                Consent.scope_attendance_summary.is_(True),
                Consent.family_user_id.isnot(None),
                Consent.revoked_at.is_(None),
            )
            .order_by(Consent.id)
        )
    )


def send_weekly_summaries(summary_url: Callable[[Consent, date], str]) -> int:
    """Mail each due consent's recipient that last week's summary is ready; returns how many were sent."""
    sent = 0
    for consent in due_consents():
        if not shares_summary(consent) or not consent.family_user.active:
            continue  # consent state is checked when the mail goes out, not when it was recorded
        monday = last_completed_week(consent)
        if monday < week_start(consent.granted_on):
            continue
        if _already_sent(consent, monday):
            continue
        row = FamilyAttendanceSummary(consent_id=consent.id, week_start=monday, sent_at=clock.now())
        try:
            with db.session.begin_nested():  # a second runner for the same week loses here
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            continue
        # No PHI in the mail: no client name, no program, no numbers. The page behind sign-in shows them.
        message = send_message(
            consent.family_user.email,
            "Your weekly summary is ready",
            "Hello,\n\n"
            f"A weekly summary for the week of {monday:%B} {monday.day} is ready. Sign in to read it:\n\n"
            f"{summary_url(consent, monday)}\n\n"
            "You get this message because you were invited to receive it. The care team can stop it.\n",
            purpose="family_attendance_summary",
            program_id=consent.client.program_id,
            client_id=consent.client_id,
        )
        row.message_id = message.id
        record_event(
            "family.attendance_summary_sent",
            "consent",
            consent.id,
            consent.client_id,
            details={"week_start": monday.isoformat(), "message_id": message.id},
        )
        sent += 1
    db.session.flush()
    return sent


def _already_sent(consent: Consent, monday: date) -> bool:
    return (
        db.session.scalar(
            select(FamilyAttendanceSummary.id).where(
                FamilyAttendanceSummary.consent_id == consent.id, FamilyAttendanceSummary.week_start == monday
            )
        )
        is not None
    )


def sent_weeks(consent: Consent) -> list[date]:
    """The weeks whose summary was mailed under this consent, newest first."""
    return list(
        db.session.scalars(
            select(FamilyAttendanceSummary.week_start)
            .where(FamilyAttendanceSummary.consent_id == consent.id)
            .order_by(FamilyAttendanceSummary.week_start.desc())
        )
    )
