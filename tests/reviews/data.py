"""A cohort with two weeks of evidence before a completed week, written straight to the tables."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from iop.clinical.attendance import last_completed_week_end
from iop.extensions import db
from iop.models import AssessmentResponse, Attendance, Cohort, Enrollment, GroupSession, Program, User
from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user


@dataclass
class ReviewWorld:
    program: Program
    cohort: Cohort
    clinician: User
    case_manager: User
    week_start: date
    sessions: list[GroupSession]
    members: list[Enrollment]

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)


def last_week_start(program: Program) -> date:
    return last_completed_week_end(program.today()) - timedelta(days=6)


def build_review_world(members: int = 3, *, program: Program | None = None, week_start: date | None = None):
    """Mon/Wed/Fri three-hour groups in the two weeks up to the last completed week; every member
    enrolled five weeks before its end, present at every group, PHQ-9 15 → 4 and GAD-7 12 → 3."""
    program = program or make_program()
    cohort = make_cohort(program)
    clinician = make_user("clinician", programs=[program])
    case_manager = make_user("case_manager", programs=[program])
    week_start = week_start or last_week_start(program)
    days = [week_start - timedelta(days=7) + timedelta(days=offset) for offset in (0, 2, 4, 7, 9, 11)]
    sessions = [make_session(cohort, day=day, status="held") for day in days]
    world = ReviewWorld(program, cohort, clinician, case_manager, week_start, sessions, [])
    for _ in range(members):
        add_member(world)
    return world


def add_member(world: ReviewWorld, *, phq9=(15, 4), gad7=(12, 3), minutes: int = 180, participation=4):
    started_on = world.week_end - timedelta(days=34)
    enrollment = make_enrollment(world.cohort, started_on=started_on)
    db.session.add_all(
        Attendance(
            session_id=session.id,
            enrollment_id=enrollment.id,
            status="present" if minutes else "absent_unexcused",
            minutes_attended=minutes,
            participation=participation if minutes else None,
            updated_by_id=world.clinician.id,
        )
        for session in world.sessions
    )
    for instrument, totals in (("phq9", phq9), ("gad7", gad7)):
        for day, total in zip((started_on, world.week_end - timedelta(days=3)), totals, strict=True):
            add_score(enrollment, world.clinician, instrument, day, total)
    db.session.commit()
    world.members.append(enrollment)
    return enrollment


def add_score(enrollment: Enrollment, actor: User, instrument: str, day: date, total: int, flags: str = ""):
    db.session.add(
        AssessmentResponse(
            client_id=enrollment.client_id,
            enrollment_id=enrollment.id,
            instrument=instrument,
            administered_on=day,
            answers_json=json.dumps([]),
            total=total,
            severity=None,
            flags_text=flags,
            source="clinician",
            entered_by_id=actor.id,
        )
    )
    db.session.commit()


def bulk_reviews(world: ReviewWorld, count: int) -> None:
    """`count` more members, each with a stored review of the week (for paging and statement counts)."""
    from iop.models import Client, ReviewRevision, WeeklyReview

    start = len(world.members)
    clients = [
        Client(program_id=world.program.id, first_name=f"Bulk{n}", last_name=f"Member{n:04d}")
        for n in range(start, start + count)
    ]
    enrollments = [
        Enrollment(client=client, cohort=world.cohort, started_on=world.week_end - timedelta(days=34))
        for client in clients
    ]
    db.session.add_all(clients + enrollments)
    db.session.flush()
    for enrollment in enrollments:
        review = WeeklyReview(
            enrollment_id=enrollment.id,
            client_id=enrollment.client_id,
            cohort_id=world.cohort.id,
            program_id=world.program.id,
            week_start=world.week_start,
        )
        review.latest = ReviewRevision(
            review=review,
            number=1,
            recommendation="continue",
            reasons_json=json.dumps(["no PHQ-9 in the last 14 days"]),
            metrics_json="{}",
            thresholds_json="{}",
        )
        db.session.add(review)
    db.session.commit()
    world.members.extend(enrollments)
