"""A cohort's weekly reviews: bulk evidence, the upsert on (enrollment, week), revisions, thresholds."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from iop.clinical.thresholds import ThresholdsError
from iop.extensions import db
from iop.models import (
    DailyCheckin,
    HomeworkAssignment,
    HomeworkCompletion,
    LevelOfCareDecision,
    ReviewRevision,
    SessionFeedback,
    WeeklyReview,
)
from iop.services.review_evidence import cohort_evidence
from iop.services.reviews import compute_cohort_reviews, set_program_thresholds
from tests.factories import make_consent, make_family_user, make_observation
from tests.reviews.data import add_member, add_score, build_review_world
from tests.web.test_query_counts import counting_statements


def reviews():
    db.session.expire_all()
    return db.session.scalars(select(WeeklyReview).order_by(WeeklyReview.enrollment_id)).all()


# The audit append: the chain's lock and head in one statement on PostgreSQL (migration 0020), two on
# SQLite, then the insert.
AUDIT_APPEND_STATEMENTS = {"postgresql": 2, "sqlite": 3}


def revision_count() -> int:
    return db.session.scalar(select(func.count(ReviewRevision.id)))


@pytest.mark.parametrize("size", [5, 60])
def test_cohort_evidence_takes_the_same_number_of_queries_for_5_and_60_members(app, size):
    world = build_review_world(size)
    program = world.program
    db.session.expire_all()
    cohort = db.session.get(type(world.cohort), world.cohort.id)
    with counting_statements() as statements:
        members = cohort_evidence(cohort, world.week_start, program.review_thresholds)
    assert len(members) == size
    # members with their open alerts, scores, sessions with attendance, medications with dose logs,
    # fills, goals, family, check-ins, homework, feedback
    assert len(statements) == 10, statements


@pytest.mark.parametrize("size", [5, 60])
def test_recomputing_a_cohort_takes_the_same_statements_for_5_and_60_members(app, size):
    world = build_review_world(size)
    db.session.commit()
    db.session.expire_all()  # the program's settings as the database holds them, as a job reads them
    compute_cohort_reviews(world.cohort, world.week_start)
    db.session.commit()
    db.session.expire_all()
    cohort = db.session.get(type(world.cohort), world.cohort.id)
    with counting_statements() as statements:
        counts = compute_cohort_reviews(cohort, world.week_start)
    assert counts.unchanged == size
    # the evidence (10), the stored reviews (1), the audit append; the program comes with the cohort
    assert len(statements) == 11 + AUDIT_APPEND_STATEMENTS[db.engine.dialect.name], statements


def test_a_changed_review_is_loaded_with_the_others_that_changed_in_one_statement(app):
    world = build_review_world(4)
    db.session.commit()
    db.session.expire_all()
    compute_cohort_reviews(world.cohort, world.week_start)
    db.session.commit()
    for member in world.members:
        add_score(member, world.clinician, "phq9", world.week_end, 22)
    db.session.commit()
    db.session.expire_all()
    cohort = db.session.get(type(world.cohort), world.cohort.id)
    with counting_statements() as statements:
        counts = compute_cohort_reviews(cohort, world.week_start)
    assert counts.updated == 4
    selects = [statement for statement in statements if statement.lstrip().upper().startswith("SELECT")]
    assert sum("FROM weekly_reviews" in statement for statement in selects) == 2  # compare, then load


def test_a_member_who_attended_and_improved_is_a_step_down_candidate_with_the_numbers(app):
    world = build_review_world(1)
    compute_cohort_reviews(world.cohort, world.week_start)
    db.session.commit()
    [review] = reviews()
    revision = review.latest
    assert (review.status, revision.number, revision.recommendation) == ("open", 1, "step_down_candidate")
    metrics = revision.metrics
    assert [week["attended_hours"] for week in metrics["attendance"]] == [9.0, 9.0]
    assert [week["meets_minimum"] for week in metrics["attendance"]] == [True, True]
    phq9 = metrics["scores"][0]
    assert (phq9["instrument"], phq9["baseline"], phq9["latest"], phq9["response"]) == ("phq9", 15, 4, True)
    assert metrics["participation"] == {"mean": 4.0, "ratings": 6}
    assert revision.thresholds["min_days_enrolled"] == 28
    assert any("PHQ-9 4" in reason for reason in revision.reasons)


def test_evidence_comes_only_from_the_members_own_enrollment_and_week(app):
    world = build_review_world(0)
    member = add_member(world, phq9=(15, 4))
    # After the week: not evidence for it, however alarming.
    add_score(member, world.clinician, "phq9", world.week_end + timedelta(days=1), 24)
    compute_cohort_reviews(world.cohort, world.week_start)
    assert reviews()[0].latest.recommendation == "step_down_candidate"


def test_absent_members_are_flagged_for_a_disengagement_review(app):
    world = build_review_world(0)
    add_member(world, minutes=0)
    compute_cohort_reviews(world.cohort, world.week_start)
    revision = reviews()[0].latest
    assert revision.recommendation == "disengagement_review"
    assert revision.reasons[0].startswith("attendance 0 % in the week of")


def test_running_twice_leaves_the_same_reviews(app):
    world = build_review_world(3)
    first = compute_cohort_reviews(world.cohort, world.week_start)
    db.session.commit()
    second = compute_cohort_reviews(world.cohort, world.week_start)
    db.session.commit()
    assert (first.created, second.unchanged, second.total) == (3, 3, 3)
    assert len(reviews()) == 3 and revision_count() == 3


def test_an_open_review_is_rewritten_when_its_evidence_changes(app):
    world = build_review_world(1)
    compute_cohort_reviews(world.cohort, world.week_start)
    db.session.commit()
    add_score(world.members[0], world.clinician, "phq9", world.week_end - timedelta(days=1), 21)
    counts = compute_cohort_reviews(world.cohort, world.week_start)
    db.session.commit()
    [review] = reviews()
    assert counts.updated == 1
    assert (review.latest.number, review.latest.recommendation, revision_count()) == (1, "urgent_review", 1)


def test_a_decided_review_is_never_rewritten_and_its_recomputation_is_a_new_revision(app):
    world = build_review_world(1)
    compute_cohort_reviews(world.cohort, world.week_start)
    db.session.commit()
    [review] = reviews()
    decided = review.latest
    db.session.add(
        LevelOfCareDecision(
            review_id=review.id,
            revision_id=decided.id,
            enrollment_id=review.enrollment_id,
            client_id=review.client_id,
            decision="continue",
            rationale="Wants two more weeks",
            effective_on=world.week_end,
            recommendation=decided.recommendation,
            overrides_recommendation=True,
            override_reason="Client asked to stay",
            decided_by_id=world.case_manager.id,
        )
    )
    review.status = "decided"
    db.session.commit()
    add_score(world.members[0], world.clinician, "phq9", world.week_end - timedelta(days=1), 21)
    counts = compute_cohort_reviews(world.cohort, world.week_start)
    db.session.commit()
    [review] = reviews()
    old = db.session.get(ReviewRevision, decided.id)
    assert counts.revised == 1
    assert (old.number, old.recommendation) == (1, "step_down_candidate")
    assert (review.latest.number, review.latest.recommendation, review.status) == (
        2,
        "urgent_review",
        "decided",
    )


def test_members_who_left_before_the_weeks_end_get_no_review(app):
    world = build_review_world(2)
    leaver = world.members[0]
    leaver.ended_on, leaver.end_reason = world.week_end, "discharged"
    db.session.commit()
    compute_cohort_reviews(world.cohort, world.week_start)
    assert [review.enrollment_id for review in reviews()] == [world.members[1].id]


def test_a_review_week_starts_on_a_monday(app):
    world = build_review_world(1)
    with pytest.raises(ValueError, match="Monday"):
        compute_cohort_reviews(world.cohort, world.week_start + timedelta(days=1))


def test_program_thresholds_apply_to_later_reviews_and_each_review_keeps_its_own(app):
    world = build_review_world(1)
    compute_cohort_reviews(world.cohort, world.week_start)
    db.session.commit()
    set_program_thresholds(world.program, {"min_days_enrolled": 42}, world.case_manager)
    db.session.commit()
    assert world.program.review_thresholds.min_days_enrolled == 42
    compute_cohort_reviews(world.cohort, world.week_start)
    revision = reviews()[0].latest
    assert (revision.recommendation, revision.thresholds["min_days_enrolled"]) == ("continue", 42)
    assert any("35 days" in reason and "42" in reason for reason in revision.reasons)


def test_invalid_thresholds_are_refused_field_by_field_and_nothing_changes(app):
    world = build_review_world(0)
    with pytest.raises(ThresholdsError) as refused:
        set_program_thresholds(
            world.program, {"window_days": 0, "step_down_attendance": 1.5}, world.case_manager
        )
    assert set(refused.value.field_errors) == {"window_days", "step_down_attendance"}
    assert world.program.review_thresholds_json is None


def test_family_concerns_in_the_window_reach_the_review_and_later_ones_do_not(app):
    world = build_review_world(0)
    safe = add_member(world, phq9=(15, 4))
    worried = add_member(world, phq9=(15, 4))
    relative = make_family_user()
    days = {safe: world.week_end + timedelta(days=1), worried: world.week_end - timedelta(days=2)}
    for member, day in days.items():
        consent = make_consent(member.client, world.clinician, family=relative)
        make_observation(consent, concerns={"safety", "substance_use"}, observed_on=day)
    compute_cohort_reviews(world.cohort, world.week_start)
    after_the_week, in_the_week = (review.latest for review in reviews())
    assert after_the_week.recommendation == "step_down_candidate"
    assert after_the_week.metrics["family_concerns"] == []
    assert in_the_week.recommendation == "urgent_review"
    day = (world.week_end - timedelta(days=2)).isoformat()
    assert in_the_week.metrics["family_concerns"] == [
        {"date": day, "concern": "safety"},
        {"date": day, "concern": "substance_use"},
    ]


def _checkin(enrollment, day, mood, cravings):
    db.session.add(
        DailyCheckin(
            client_id=enrollment.client_id,
            day=day,
            mood=mood,
            anxiety=3,
            cravings=cravings,
            stress=3,
            submission_key=f"key-{enrollment.id}-{day.isoformat()}",
        )
    )


def test_check_in_adherence_and_mean_mood_and_cravings_reach_the_evidence_but_not_the_rules(app):
    world = build_review_world(0)
    reporting = add_member(world, phq9=(15, 4))
    silent = add_member(world, phq9=(15, 4))
    for offset, mood, cravings in ((0, 4, 7), (3, 6, 5), (13, 8, 3)):
        _checkin(reporting, world.week_end - timedelta(days=offset), mood, cravings)
    _checkin(reporting, world.week_end + timedelta(days=1), 0, 10)  # after the week: not evidence
    _checkin(reporting, world.week_end - timedelta(days=14), 0, 10)  # before the 14 days
    db.session.commit()
    compute_cohort_reviews(world.cohort, world.week_start)
    with_checkins, without = (review.latest for review in reviews())

    def checkins_of(revision):  # homework and feedback have tests of their own
        return {
            key: value
            for key, value in revision.metrics["self_reports"].items()
            if key not in ("homework", "feedback")
        }

    assert checkins_of(with_checkins) == {
        "checkin_days": 3,
        "days": 14,
        "adherence": round(3 / 14, 3),
        "mean_mood": 6.0,
        "mean_cravings": 5.0,
    }
    assert checkins_of(without) == {
        "checkin_days": 0,
        "days": 14,
        "adherence": 0.0,
        "mean_mood": None,
        "mean_cravings": None,
    }
    # The four rules stay as they are: both are step-down candidates with the same reasons.
    assert with_checkins.recommendation == without.recommendation == "step_down_candidate"
    assert with_checkins.reasons == without.reasons
    assert silent.id != reporting.id


def _homework(enrollment, clinician, frequency, assigned_on, due_on=None, done=()):
    assignment = HomeworkAssignment(
        client_id=enrollment.client_id,
        title="Practise grounding",
        frequency=frequency,
        due_on=due_on,
        assigned_on=assigned_on,
        assigned_by_id=clinician.id,
    )
    db.session.add(assignment)
    db.session.flush()
    for day in done:
        db.session.add(HomeworkCompletion(assignment_id=assignment.id, day=day))
    return assignment


def _feedback(enrollment, session, felt_heard, useful, plan_to_use, submitted_at=None):
    db.session.add(
        SessionFeedback(
            client_id=enrollment.client_id,
            session_id=session.id,
            felt_heard=felt_heard,
            useful=useful,
            plan_to_use=plan_to_use,
            submitted_at=submitted_at or session.starts_at + timedelta(hours=2),
        )
    )


def test_homework_completion_of_the_week_reaches_the_evidence(app):
    world = build_review_world(0)
    member = add_member(world, phq9=(15, 4))
    monday, sunday = world.week_start, world.week_end
    # Daily since Thursday: 4 days due, 3 done (one before the week does not count).
    _homework(
        member,
        world.clinician,
        "daily",
        monday + timedelta(days=3),
        done=(monday - timedelta(days=1), monday + timedelta(days=3), monday + timedelta(days=4), sunday),
    )
    # Weekly, done twice: counts once. Once, due next week: asks nothing of this week.
    _homework(
        member,
        world.clinician,
        "weekly",
        monday - timedelta(days=20),
        done=(monday, monday + timedelta(days=1)),
    )
    _homework(member, world.clinician, "once", monday, due_on=sunday + timedelta(days=3))
    # Once, due this week and done early (last week): done.
    _homework(
        member,
        world.clinician,
        "once",
        monday - timedelta(days=5),
        due_on=monday + timedelta(days=2),
        done=(monday - timedelta(days=2),),
    )
    # Assigned after the week: not evidence.
    _homework(member, world.clinician, "daily", sunday + timedelta(days=1))
    db.session.commit()
    compute_cohort_reviews(world.cohort, world.week_start)
    (review,) = reviews()
    assert review.latest.metrics["self_reports"]["homework"] == {"done": 5, "due": 6, "rate": round(5 / 6, 3)}


def test_without_homework_nothing_is_due(app):
    world = build_review_world(1)
    compute_cohort_reviews(world.cohort, world.week_start)
    (review,) = reviews()
    assert review.latest.metrics["self_reports"]["homework"] == {"done": 0, "due": 0, "rate": None}
    assert review.latest.metrics["self_reports"]["feedback"] == {
        "responses": 0,
        "mean": None,
        "felt_heard": None,
        "useful": None,
        "plan_to_use": None,
    }


def test_session_feedback_on_the_weeks_groups_is_the_mean_of_its_items(app):
    world = build_review_world(0)
    member = add_member(world, phq9=(15, 4))
    before, *_, last = world.sessions
    this_week = [s for s in world.sessions if s.session_date >= world.week_start]
    _feedback(member, this_week[0], 5, 4, 3)
    _feedback(member, this_week[1], 4, 4, 2)
    _feedback(member, before, 1, 1, 1)  # a group of the week before: not this week's
    # Given after the week was over: not evidence for it (nothing dated after week_end is).
    _feedback(member, last, 1, 1, 1, submitted_at=last.starts_at + timedelta(days=5))
    db.session.commit()
    compute_cohort_reviews(world.cohort, world.week_start)
    (review,) = reviews()
    assert review.latest.metrics["self_reports"]["feedback"] == {
        "responses": 2,
        "mean": round(22 / 6, 2),
        "felt_heard": 4.5,
        "useful": 4.0,
        "plan_to_use": 2.5,
    }


@pytest.mark.parametrize("kind", ["step_down_candidate", "continue"])
def test_homework_and_feedback_never_change_the_recommendation(app, kind):
    world = build_review_world(0)
    phq9 = (15, 4) if kind == "step_down_candidate" else (15, 14)
    busy, idle = add_member(world, phq9=phq9), add_member(world, phq9=phq9)
    monday = world.week_start
    _homework(busy, world.clinician, "daily", monday - timedelta(days=30))  # nothing done all week
    for session in world.sessions:
        if session.session_date >= monday:
            _feedback(busy, session, 1, 1, 1)  # the lowest feedback
    db.session.commit()
    compute_cohort_reviews(world.cohort, world.week_start)
    with_them, without = (review.latest for review in reviews())
    assert with_them.metrics["self_reports"]["homework"]["done"] == 0
    assert with_them.metrics["self_reports"]["feedback"]["mean"] == 1.0
    assert with_them.recommendation == without.recommendation == kind
    assert with_them.reasons == without.reasons
    assert idle.id != busy.id
