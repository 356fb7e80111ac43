"""The clinician's to-do list: notes left unsigned, questionnaires overdue, alerts still open."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import contains_eager

from iop import clock
from iop.clinical.due import days_overdue
from iop.extensions import db
from iop.models import Alert, Client, Cohort, Enrollment, GroupSession, User, cohort_facilitators
from iop.services.alerts import open_alerts_for
from iop.services.rosters import latest_scores

UNSIGNED_LOOKBACK_DAYS = 14
QUESTIONNAIRES = (("phq9", "PHQ-9"), ("gad7", "GAD-7"))


@dataclass(frozen=True)
class OverdueQuestionnaire:
    enrollment: Enrollment
    instrument: str
    label: str
    last_given: date | None
    days_overdue: int


@dataclass
class TodoList:
    unsigned_notes: list[GroupSession] = field(default_factory=list)
    overdue_questionnaires: list[OverdueQuestionnaire] = field(default_factory=list)
    open_alerts: list[Alert] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.unsigned_notes or self.overdue_questionnaires or self.open_alerts)


def _my_cohorts(user: User):
    """The cohorts the user facilitates; when they facilitate none, every cohort of their programs."""
    mine = exists().where(
        cohort_facilitators.c.cohort_id == Cohort.id, cohort_facilitators.c.user_id == user.id
    )
    facilitates_any = db.session.scalar(select(exists().where(cohort_facilitators.c.user_id == user.id)))
    care_programs = user.program_ids_with("clinician", "case_manager")
    query = select(Cohort.id).where(Cohort.program_id.in_(care_programs), Cohort.active.is_(True))
    return query.where(mine) if facilitates_any else query


def unsigned_notes(user: User, now=None) -> list[GroupSession]:
    """Sessions of the user's groups that have started, are not cancelled, and whose note is unsigned."""
    now = now or clock.now()
    return list(
        db.session.scalars(
            select(GroupSession)
            .where(
                GroupSession.cohort_id.in_(_my_cohorts(user)),
                GroupSession.starts_at <= now,
                GroupSession.starts_at >= now - timedelta(days=UNSIGNED_LOOKBACK_DAYS),
                GroupSession.status != "cancelled",
                GroupSession.signed_at.is_(None),
                or_(GroupSession.facilitator_id.is_(None), GroupSession.facilitator_id == user.id),
            )
            .order_by(GroupSession.starts_at)
        )
    )


def overdue_questionnaires(user: User) -> list[OverdueQuestionnaire]:
    """PHQ-9 and GAD-7 past due for the members of the user's groups today, most overdue first."""
    today_by_program = {
        program.id: program.today() for program in user.programs_with("clinician", "case_manager")
    }
    if not today_by_program:
        return []
    members = db.session.scalars(
        select(Enrollment)
        .join(Enrollment.client)
        .options(contains_eager(Enrollment.client))
        .where(Enrollment.cohort_id.in_(_my_cohorts(user)), Enrollment.ended_on.is_(None))
        .order_by(Client.last_name, Client.first_name)
    ).all()
    scores = latest_scores([m.client_id for m in members])
    result = []
    for member in members:
        today = today_by_program.get(member.client.program_id)
        if today is None or not member.is_active_on(today):
            continue
        for key, label in QUESTIONNAIRES:
            latest = scores.get(member.client_id, {}).get(key)
            last_given = latest.administered_on if latest else None
            late = days_overdue(last_given, member.started_on, today)
            if late > 0:
                result.append(OverdueQuestionnaire(member, key, label, last_given, late))
    return sorted(result, key=lambda item: -item.days_overdue)


def todo_for(user: User) -> TodoList:
    """Everything on the user's list, each part in a fixed number of queries."""
    return TodoList(unsigned_notes(user), overdue_questionnaires(user), open_alerts_for(user))
