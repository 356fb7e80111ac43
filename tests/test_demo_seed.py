"""The demo clinic: believable, deterministic, written through the services and fully audited."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from iop import create_app
from iop.demo import plan_clinic, seed_demo_clinic
from iop.demo.content import ADOLESCENT, ADULT
from iop.extensions import db
from iop.models import Attendance, AuditEvent, Client, Cohort, Enrollment, GroupSession, Program, User
from iop.services.audit import verify_chain
from iop.services.passwords import verify_password
from tests.conftest import TEST_CONFIG, _empty_database

# Smaller than the default clinic to keep the suite quick; six weeks so step-downs after five weeks happen.
# Seeded once per module (about 1.5 s on PostgreSQL): every test below only reads it.
CLIENTS = 14
WEEKS = 6
SEED = 7
A_WEDNESDAY = date(2026, 3, 18)


def todays(day: date) -> dict[str, date]:
    return {ADULT: day, ADOLESCENT: day}


@pytest.fixture(scope="module")
def demo(_migrated):
    """The demo clinic, seeded once for this module's read-only tests; returns the printed summary."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": _migrated})
    with app.app_context():
        summary = seed_demo_clinic(clients=CLIENTS, weeks=WEEKS, seed=SEED)
        db.session.commit()
        yield summary
        _empty_database()
        db.engine.dispose()


def program_today(group_session: GroupSession) -> date:
    return group_session.cohort.program.today()


def members_on(group_session: GroupSession) -> set[int]:
    enrollments = db.session.scalars(
        select(Enrollment).where(Enrollment.cohort_id == group_session.cohort_id)
    )
    return {e.id for e in enrollments if e.is_active_on(group_session.session_date)}


def recorded_for(group_session: GroupSession) -> set[int]:
    return set(
        db.session.scalars(select(Attendance.enrollment_id).where(Attendance.session_id == group_session.id))
    )


def all_sessions() -> list[GroupSession]:
    return db.session.scalars(select(GroupSession).order_by(GroupSession.starts_at)).all()


# The plan: pure data, no database.


def test_the_same_seed_plans_the_same_clinic():
    assert plan_clinic(SEED, 30, 6, todays(A_WEDNESDAY)) == plan_clinic(SEED, 30, 6, todays(A_WEDNESDAY))


def test_a_different_seed_plans_a_different_clinic():
    assert plan_clinic(1, 30, 6, todays(A_WEDNESDAY)) != plan_clinic(2, 30, 6, todays(A_WEDNESDAY))


@pytest.mark.parametrize("weekday", range(7))
def test_the_plan_holds_together_whatever_day_today_is(weekday):
    today = A_WEDNESDAY - timedelta(days=2) + timedelta(days=weekday)
    plan = plan_clinic(SEED, 30, 6, todays(today))
    assert len(plan.clients) == 30
    assert len({(c.first_name, c.last_name) for c in plan.clients}) == 30
    assert all(s.session_date < today for s in plan.sessions)
    assert all(stint.started_on <= today for c in plan.clients for stint in c.stints)
    assert all(stint.ended_on <= today for c in plan.clients for stint in c.stints if stint.ended_on)
    assert any(c.session_date < today for c in plan.cancellations)


def test_the_plan_admits_on_a_rolling_basis():
    plan = plan_clinic(SEED, 30, 6, todays(A_WEDNESDAY))
    admission_weeks = {
        c.stints[0].started_on - timedelta(days=c.stints[0].started_on.weekday()) for c in plan.clients
    }
    assert len(admission_weeks) >= 4
    assert (
        Counter(c.stints[-1].end_reason for c in plan.clients if c.stints[-1].ended_on)["stepped_down"] >= 2
    )
    assert [c.stints[0].end_reason for c in plan.clients if len(c.stints) == 2] == ["transferred"]


# The seeded database.


def test_demo_sign_ins_have_their_roles_programs_and_password(demo):
    expected = {
        "admin@example.org": {"admin"},
        "clinician@example.org": {"clinician"},
        "casemanager@example.org": {"case_manager"},
    }
    both = {ADULT, ADOLESCENT}
    for email, roles in expected.items():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.kind == "staff" and user.roles == roles
        assert {p.name for p in user.programs} == both
        assert verify_password(user.password_hash, "stepwise-demo")
    assert db.session.scalar(select(func.count()).select_from(User).where(User.kind == "staff")) >= 5
    assert "clinician@example.org" in demo and "family@example.org" in demo


def test_the_family_sign_in_has_no_roles_and_no_programs(demo):
    family = db.session.scalar(select(User).where(User.email == "family@example.org"))
    assert family.kind == "family"
    assert family.roles == frozenset() and family.programs == []
    assert verify_password(family.password_hash, "stepwise-demo")


def test_two_programs_in_their_own_time_zones_with_three_cohorts_that_reach_the_minimum(demo):
    programs = {p.name: p for p in db.session.scalars(select(Program))}
    assert {name: (p.timezone, p.population) for name, p in programs.items()} == {
        ADULT: ("America/New_York", "adult"),
        ADOLESCENT: ("America/Chicago", "adolescent"),
    }
    cohorts = db.session.scalars(select(Cohort)).all()
    assert len(cohorts) == 3
    for cohort in cohorts:
        assert cohort.facilitators
        weekly_hours = len(cohort.weekdays) * cohort.duration_minutes / 60
        assert weekly_hours >= cohort.program.min_weekly_hours


def test_clients_are_admitted_on_a_rolling_basis_and_some_have_moved_on(demo):
    assert db.session.scalar(select(func.count()).select_from(Client)) == CLIENTS
    first_admissions = db.session.execute(
        select(Enrollment.client_id, func.min(Enrollment.started_on)).group_by(Enrollment.client_id)
    ).all()
    assert len({started - timedelta(days=started.weekday()) for _, started in first_admissions}) >= 4
    reasons = Counter(
        db.session.scalars(select(Enrollment.end_reason).where(Enrollment.end_reason.is_not(None)))
    )
    assert reasons["stepped_down"] >= 1 and reasons["transferred"] == 1 and reasons["discharged"] == 1


def test_past_sessions_record_exactly_the_members_enrolled_that_day(demo):
    past = [s for s in all_sessions() if s.session_date < program_today(s) and not s.is_cancelled]
    assert past
    for group_session in past:
        assert recorded_for(group_session) == members_on(group_session), group_session.session_date
        assert group_session.topic and group_session.status == "held"


def test_todays_and_later_sessions_are_left_unrecorded(demo):
    later = [s for s in all_sessions() if s.session_date >= program_today(s)]
    assert later
    for group_session in later:
        assert recorded_for(group_session) == set()
        assert group_session.status in {"scheduled", "cancelled"} and not group_session.is_signed


def test_some_sessions_are_cancelled_with_a_reason(demo):
    cancelled = [s for s in all_sessions() if s.is_cancelled]
    assert any(s.session_date < program_today(s) for s in cancelled)
    assert all(s.cancelled_reason for s in cancelled)


def test_most_past_notes_are_signed_with_every_member_recorded_but_the_latest_are_not(demo):
    for cohort in db.session.scalars(select(Cohort)):
        held = [s for s in all_sessions() if s.cohort_id == cohort.id and s.status == "held"]
        signed = [s for s in held if s.is_signed]
        assert len(signed) >= len(held) - 2 and not held[-1].is_signed
        for group_session in signed:
            assert recorded_for(group_session) == members_on(group_session)


def test_attendance_varies_like_a_real_group(demo):
    rows = db.session.scalars(select(Attendance)).all()
    statuses = Counter(row.status for row in rows)
    assert statuses["present"] > len(rows) / 2
    assert {"late", "absent_unexcused", "technical_problem"} <= set(statuses)
    assert {row.participation for row in rows} >= {2, 3, 4, 5}
    assert all(row.participation is None for row in rows if row.status.startswith("absent"))
    assert any(row.note for row in rows)


def test_the_database_is_the_plan_written_out(demo):
    programs = {p.name: p.today() for p in db.session.scalars(select(Program))}
    plan = plan_clinic(SEED, CLIENTS, WEEKS, programs)
    names = {c.key: f"{c.first_name} {c.last_name}" for c in plan.clients}
    planned = sorted(
        (names[row.client_key], s.session_date, row.status, row.participation)
        for s in plan.sessions
        for row in s.rows
    )
    stored = sorted(
        db.session.execute(
            select(
                Client.first_name + " " + Client.last_name,
                GroupSession.session_date,
                Attendance.status,
                Attendance.participation,
            )
            .join(Attendance.session)
            .join(Attendance.enrollment)
            .join(Enrollment.client)
        ).all()
    )
    assert [tuple(row) for row in stored] == planned


def test_every_change_is_audited_and_the_chain_verifies(demo):
    actions = Counter(db.session.scalars(select(AuditEvent.action)))
    assert actions["enrollment.admit"] == CLIENTS
    assert actions["attendance.record"] == db.session.scalar(select(func.count()).select_from(Attendance))
    assert actions["note.sign"] > 0 and actions["session.cancel"] > 0 and actions["user.create"] >= 6
    assert list(verify_chain()) == []


def test_nothing_is_seeded_outside_demo_mode():
    # A database without tables: any attempt to write would fail loudly.
    app = create_app(
        {**TEST_CONFIG, "TESTING": False, "IOP_DEMO": False, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    with app.app_context():
        assert "IOP_DEMO=1" in seed_demo_clinic(clients=3, weeks=1)
