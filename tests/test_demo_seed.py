"""The demo clinic: believable, deterministic, written through the services and fully audited."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from iop import create_app
from iop.clinical.change import classify
from iop.demo import plan_clinic, seed_demo_clinic
from iop.demo.content import ADOLESCENT, ADULT
from iop.extensions import db
from iop.models import (
    Alert,
    AssessmentResponse,
    Attendance,
    AuditEvent,
    Client,
    Cohort,
    CustomInstrument,
    DoseLog,
    Enrollment,
    ExposureEvent,
    Fill,
    Goal,
    GoalRating,
    GroupSession,
    Medication,
    Program,
    SideEffect,
    SymptomEvent,
    User,
)
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


@pytest.mark.parametrize("seed", [1, 2, SEED, 2026])
def test_the_plan_has_exactly_one_recent_item_9_answer_and_one_older_acknowledged_one(seed):
    plan = plan_clinic(seed, 30, 6, todays(A_WEDNESDAY))
    flagged = [a for a in plan.measures.assessments if a.instrument == "phq9" and a.answers[8] > 0]
    recent = [a for a in flagged if a.administered_on > A_WEDNESDAY - timedelta(days=7)]
    assert len(recent) == 1 and recent[0].acknowledge_note is None
    assert [a.acknowledge_note is not None for a in flagged if a not in recent] == [True]
    assert all(a.administered_on <= A_WEDNESDAY for a in plan.measures.assessments)


@pytest.mark.parametrize("seed", [1, 2, SEED, 2026])
def test_planned_trajectories_include_reliable_improvement_and_deterioration(seed):
    plan = plan_clinic(seed, 30, 6, todays(A_WEDNESDAY))
    totals: dict[tuple[int, str], list[int]] = {}
    for a in plan.measures.assessments:
        if a.instrument in ("phq9", "gad7"):
            totals.setdefault((a.client_key, a.instrument), []).append(sum(a.answers))
    changes = [classify(key[1], series[0], series[-1]) for key, series in totals.items()]
    assert any(c.reliable_improvement for c in changes) and any(c.reliable_deterioration for c in changes)
    assert any(c.remission for c in changes)
    assert Counter(plan.measures.trajectories.values())["improving"] > len(plan.clients) / 2


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


def test_the_family_sign_in_holds_an_active_consent_with_weeks_of_observations(demo):
    from iop.models import Consent, FamilyObservation
    from iop.services.consents import active_consents_of

    family = db.session.scalar(select(User).where(User.email == "family@example.org"))
    consents = active_consents_of(family)
    assert len(consents) == 1 and consents[0].signature_on_file
    observations = db.session.scalars(
        select(FamilyObservation).where(FamilyObservation.author_id == family.id)
    ).all()
    assert len(observations) >= 2
    assert len({o.week_start for o in observations}) == len(observations)  # one a week
    assert sum(1 for o in observations if o.concerns) == 1
    assert all("safety" not in o.concerns for o in observations)  # the demo opens no family alert
    assert db.session.scalar(select(func.count()).select_from(Consent)) == 1


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


def test_one_recent_item_9_answer_left_an_open_safety_alert_and_an_older_one_was_acknowledged(demo):
    alerts = db.session.scalars(select(Alert).order_by(Alert.id)).all()
    assert all(alert.kind == "suicide_risk" for alert in alerts)
    open_alerts = [alert for alert in alerts if alert.is_open]
    assert len(open_alerts) == 1
    response = open_alerts[0].response
    assert response.instrument == "phq9" and response.answers[8] == 1 and "suicide_risk" in response.flags
    today = response.client.program.today()
    assert today - timedelta(days=7) < response.administered_on <= today
    acknowledged = [alert for alert in alerts if not alert.is_open]
    assert len(acknowledged) == 1
    assert "Safety plan reviewed" in acknowledged[0].acknowledgement_note
    assert acknowledged[0].acknowledged_by.has_role("clinician")
    assert acknowledged[0].response.administered_on < response.administered_on
    flagged = db.session.scalars(
        select(AssessmentResponse).where(AssessmentResponse.flags_text.contains("suicide_risk"))
    ).all()
    assert sorted(r.id for r in flagged) == sorted(alert.response_id for alert in alerts)


def test_weekly_questionnaires_follow_believable_trajectories(demo):
    series: dict[tuple[int, str], list[AssessmentResponse]] = {}
    responses = db.session.scalars(
        select(AssessmentResponse).order_by(AssessmentResponse.administered_on, AssessmentResponse.id)
    )
    for response in responses:
        series.setdefault((response.client_id, response.instrument), []).append(response)
    clients = db.session.scalars(select(Client)).all()
    for client in clients:
        assert (client.id, "phq9") in series and (client.id, "gad7") in series, client.full_name
    changes = [
        classify(instrument, rows[0].total, rows[-1].total)
        for (_, instrument), rows in series.items()
        if instrument in ("phq9", "gad7")
    ]
    assert any(change.reliable_improvement for change in changes)
    assert any(change.reliable_deterioration for change in changes)
    assert any(change.response or change.remission for change in changes)
    sources = Counter(rows[i].source for rows in series.values() for i in range(len(rows)))
    assert sources["self_report"] > sources["clinician"] > 0
    for rows in series.values():
        days = [row.administered_on for row in rows]
        gaps = {later - earlier for earlier, later in zip(days, days[1:], strict=False)}
        assert gaps <= {timedelta(days=7)}


def test_the_adult_program_has_a_resilience_check_with_responses(demo):
    instrument = db.session.scalar(select(CustomInstrument).where(CustomInstrument.key == "resilience"))
    assert instrument is not None and instrument.program.name == ADULT
    assert instrument.higher_is_better and instrument.reliable_change == 4
    assert (instrument.scale_min, instrument.scale_max) == (1, 5)
    responses = db.session.scalars(
        select(AssessmentResponse).where(AssessmentResponse.instrument == "resilience")
    ).all()
    assert len({r.client_id for r in responses}) >= 2
    assert all(r.client.program_id == instrument.program_id for r in responses)
    assert all(6 <= r.total <= 30 and len(r.answers) == 6 for r in responses)
    assert {r.severity for r in responses} <= {"low", "normal", "high"}


def test_most_clients_have_rated_goals_one_achieved_and_one_dropped(demo):
    goals = db.session.scalars(select(Goal)).all()
    assert len({goal.client_id for goal in goals}) >= CLIENTS / 2
    assert all(goal.ratings for goal in goals)
    assert Counter(goal.state for goal in goals)["achieved"] == 1
    assert Counter(goal.state for goal in goals)["dropped"] == 1
    achieved = next(goal for goal in goals if goal.state == "achieved")
    levels = [rating.level for rating in sorted(achieved.ratings, key=lambda r: r.rated_on)]
    assert levels[-1] > levels[0]


def test_medicated_clients_have_dose_logs_fills_and_some_side_effects(demo):
    medications = db.session.scalars(select(Medication)).all()
    assert len({m.client_id for m in medications}) == round(CLIENTS * 2 / 3)
    logged = set(db.session.scalars(select(DoseLog.medication_id).distinct()))
    for client_id in {m.client_id for m in medications}:
        assert logged & {m.id for m in medications if m.client_id == client_id}, client_id
    assert set(db.session.scalars(select(Fill.medication_id).distinct())) == {m.id for m in medications}
    taken: dict[int, Counter] = {}
    for client_id, status in db.session.execute(
        select(Medication.client_id, DoseLog.status).join(DoseLog.medication)
    ):
        taken.setdefault(client_id, Counter())[status] += 1
    rates = [counts["taken"] / counts.total() for counts in taken.values()]
    assert sum(rate >= 0.75 for rate in rates) > len(rates) / 2 and min(rates) < 0.75
    assert db.session.scalar(select(func.count()).select_from(SideEffect)) >= 1


def test_symptom_counts_and_exposures_show_progress(demo):
    assert db.session.scalar(select(func.count()).select_from(SymptomEvent)) > 0
    exposures = db.session.scalars(select(ExposureEvent).order_by(ExposureEvent.done_on)).all()
    by_situation: dict[tuple[int, str], list[ExposureEvent]] = {}
    for event in exposures:
        by_situation.setdefault((event.client_id, event.situation), []).append(event)
    assert any(
        rows[0].anxiety_before >= 75 and rows[-1].anxiety_before <= 55 for rows in by_situation.values()
    )
    assert all(event.anxiety_after < event.anxiety_before for event in exposures)


def test_every_change_is_audited_and_the_chain_verifies(demo):
    actions = Counter(db.session.scalars(select(AuditEvent.action)))
    measured = {
        "assessment.record": AssessmentResponse,
        "goal.rate": GoalRating,
        "dose.record": DoseLog,
        "medication.fill": Fill,
        "exposure.log": ExposureEvent,
    }
    for action, model in measured.items():
        assert actions[action] == db.session.scalar(select(func.count()).select_from(model)), action
    assert actions["alert.raise"] == 2 and actions["alert.acknowledge"] == 1
    assert actions["instrument.create"] == 1
    anonymous = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.in_([*measured, "alert.acknowledge", "goal.create"]))
        .where(AuditEvent.actor_id.is_(None))
    ).all()
    # Only what a client logged by personal link has no staff actor; it names the link instead.
    client_logged = db.session.scalar(
        select(func.count()).select_from(ExposureEvent).where(ExposureEvent.client_link_id.is_not(None))
    )
    assert len(anonymous) == client_logged > 0
    assert all(json.loads(event.details)["link_id"] for event in anonymous)
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


def test_the_demo_has_reviews_of_every_kind_a_few_decisions_and_a_client_ready_to_step_down(demo):
    from iop.models import LevelOfCareDecision, ReviewRevision, WeeklyReview
    from iop.services.review_runs import completed_week_starts

    kinds = set(db.session.scalars(select(ReviewRevision.recommendation)))
    assert kinds == {"urgent_review", "disengagement_review", "step_down_candidate", "continue"}
    decisions = db.session.scalars(select(LevelOfCareDecision)).all()
    assert len(decisions) >= 3
    overrides = [d for d in decisions if d.overrides_recommendation]
    assert overrides and all(d.override_reason for d in overrides)
    last_weeks = {completed_week_starts(program, 1)[0] for program in db.session.scalars(select(Program))}
    open_candidates = db.session.scalars(
        select(WeeklyReview)
        .join(ReviewRevision, ReviewRevision.id == WeeklyReview.latest_revision_id)
        .where(
            WeeklyReview.week_start.in_(last_weeks),
            WeeklyReview.status == "open",
            ReviewRevision.recommendation == "step_down_candidate",
        )
    ).all()
    assert open_candidates


def test_a_few_clients_have_working_personal_links_and_weeks_of_check_ins(demo):
    from iop import clock
    from iop.models import ClientLink, DailyCheckin

    links = db.session.scalars(select(ClientLink)).all()
    assert len(links) == 3 and all(link.state(clock.now()) == "active" for link in links)
    for link in links:
        days = db.session.scalars(
            select(DailyCheckin.day).where(DailyCheckin.client_id == link.client_id)
        ).all()
        today = link.client.program.today()
        assert 5 <= len(days) <= 21 and max(days) < today  # today's check-in is left for the visitor


def test_one_client_with_a_working_link_has_a_thread_both_ways_with_one_message_unread_by_staff(demo):
    from iop import clock
    from iop.models import ClientLink, Notification, OutboxMessage, SecureMessage

    messages = db.session.scalars(select(SecureMessage).order_by(SecureMessage.sent_at)).all()
    assert len({m.client_id for m in messages}) == 1 and len(messages) >= 4
    (link,) = db.session.scalars(select(ClientLink).where(ClientLink.client_id == messages[0].client_id))
    assert link.state(clock.now()) == "active"
    assert {m.author_kind for m in messages} == {"client", "staff"}
    unread = [m for m in messages if m.author_kind == "client" and m.read_at is None]
    assert unread == [messages[-1]]
    assert all(m.read_at and m.read_at > m.sent_at for m in messages[:-1])
    assert all(m.sent_at < clock.now() for m in messages)
    # The care team has an unread notice of it, and the client one "new message" mail with no text.
    assert db.session.scalar(
        select(Notification).where(Notification.kind == "client_message", Notification.read_at.is_(None))
    )
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "client_message")).all()
    assert len(mails) == 1 and all(m.body not in mails[0].body for m in messages)


def test_clients_with_a_link_have_journal_homework_feedback_and_their_own_logs(demo):
    from iop.models import HomeworkCompletion, JournalEntry, SessionFeedback

    entries = db.session.scalars(select(JournalEntry)).all()
    assert entries and any(e.shared for e in entries) and any(not e.shared for e in entries)
    assert db.session.scalar(select(func.count()).select_from(HomeworkCompletion)) > 5
    feedback = db.session.scalars(select(SessionFeedback)).all()
    assert all(3 <= f.felt_heard <= 5 for f in feedback)
    social = db.session.scalars(
        select(ExposureEvent).where(ExposureEvent.client_link_id.is_not(None)).order_by(ExposureEvent.done_on)
    ).all()
    assert len(social) >= 3 and len({e.client_id for e in social}) == 1
    assert {e.situation for e in social} == {"Social event"}  # one situation: its progress reads across
    assert social[0].anxiety_before > social[-1].anxiety_before
    assert all(e.anxiety_after < e.anxiety_before and e.anxiety_before % 10 == 0 for e in social)
    panic = db.session.scalars(select(SymptomEvent).where(SymptomEvent.client_link_id.is_not(None))).all()
    assert len(panic) == 14 and {e.symptom for e in panic} == {"Panic attacks"}
    assert (
        db.session.scalar(select(func.count()).select_from(Program).where(Program.show_clients_scores)) == 1
    )
