"""Read models of the admin pages: program summaries, name checks, upcoming sessions, eligible staff."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from iop.extensions import db
from iop.models import Cohort, Enrollment, GroupSession, Program, StaffRole, User, program_staff

FACILITATOR_ROLES = ("clinician", "case_manager")


@dataclass
class CohortSummary:
    cohort: Cohort
    members: int = 0
    upcoming: int = 0


@dataclass
class ProgramSummary:
    program: Program
    staff: int = 0
    cohorts: list[CohortSummary] = field(default_factory=list)


def program_summaries(programs: list[Program]) -> list[ProgramSummary]:
    """Each program with its staff count and its cohorts' current members and upcoming sessions."""
    summaries = {program.id: ProgramSummary(program) for program in programs}
    if not summaries:
        return []
    today = {program.id: program.today() for program in programs}
    cohorts = db.session.scalars(
        select(Cohort).where(Cohort.program_id.in_(summaries)).order_by(Cohort.name)
    ).all()
    members = dict(
        db.session.execute(
            select(Enrollment.cohort_id, func.count(Enrollment.id))
            .join(Enrollment.cohort)
            .where(
                or_(
                    *(
                        and_(
                            Cohort.program_id == program_id,
                            Enrollment.started_on <= day,
                            or_(Enrollment.ended_on.is_(None), Enrollment.ended_on > day),
                        )
                        for program_id, day in today.items()
                    )
                )
            )
            .group_by(Enrollment.cohort_id)
        ).all()
    )
    upcoming = dict(
        db.session.execute(
            select(GroupSession.cohort_id, func.count(GroupSession.id))
            .join(GroupSession.cohort)
            .where(
                GroupSession.status == "scheduled",
                or_(
                    *(
                        and_(Cohort.program_id == program_id, GroupSession.session_date >= day)
                        for program_id, day in today.items()
                    )
                ),
            )
            .group_by(GroupSession.cohort_id)
        ).all()
    )
    staff = db.session.execute(
        select(program_staff.c.program_id, func.count(program_staff.c.user_id))
        .join(User, User.id == program_staff.c.user_id)
        .where(program_staff.c.program_id.in_(summaries), User.kind == "staff", User.active.is_(True))
        .group_by(program_staff.c.program_id)
    )
    for program_id, count in staff:
        summaries[program_id].staff = count
    for cohort in cohorts:
        summaries[cohort.program_id].cohorts.append(
            CohortSummary(cohort, members.get(cohort.id, 0), upcoming.get(cohort.id, 0))
        )
    return list(summaries.values())


def program_name_taken(name: str, except_id: int | None = None) -> bool:
    """True when another program already uses this name (compared case-insensitively)."""
    query = select(Program.id).where(func.lower(Program.name) == name.strip().lower())
    if except_id is not None:
        query = query.where(Program.id != except_id)
    return db.session.scalar(query.limit(1)) is not None


def cohort_name_taken(program_id: int, name: str, except_id: int | None = None) -> bool:
    """True when another cohort of the program already uses this name."""
    query = select(Cohort.id).where(
        Cohort.program_id == program_id, func.lower(Cohort.name) == name.strip().lower()
    )
    if except_id is not None:
        query = query.where(Cohort.id != except_id)
    return db.session.scalar(query.limit(1)) is not None


def upcoming_sessions(cohort: Cohort, today: date) -> list[GroupSession]:
    """The cohort's sessions from today on, cancelled ones included, in time order."""
    return list(
        db.session.scalars(
            select(GroupSession)
            .where(GroupSession.cohort_id == cohort.id, GroupSession.session_date >= today)
            .options(selectinload(GroupSession.facilitator))
            .order_by(GroupSession.starts_at)
        )
    )


def eligible_facilitators(program: Program, current: Iterable[User] = ()) -> list[User]:
    """Active clinicians and case managers of the program, plus whoever facilitates already."""
    users = db.session.scalars(
        select(User)
        .join(program_staff, program_staff.c.user_id == User.id)
        .where(
            program_staff.c.program_id == program.id,
            User.kind == "staff",
            User.active.is_(True),
            User.id.in_(select(StaffRole.user_id).where(StaffRole.role.in_(FACILITATOR_ROLES))),
        )
    ).all()
    by_id = {user.id: user for user in [*users, *current]}
    return sorted(by_id.values(), key=lambda user: (user.full_name, user.id))


def staff_of_programs(program_ids: Iterable[int]) -> list[User]:
    """Staff accounts assigned to any of these programs, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.kind == "staff",
                User.id.in_(
                    select(program_staff.c.user_id).where(program_staff.c.program_id.in_(list(program_ids)))
                ),
            )
            .order_by(User.full_name, User.id)
        )
    )
