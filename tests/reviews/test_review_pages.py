"""The review queue, a review's evidence and page, and level-of-care decisions through the web."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from iop.extensions import db
from iop.models import AuditEvent, Enrollment, LevelOfCareDecision, WeeklyReview
from iop.services.reviews import compute_cohort_reviews
from iop.services.rosters import members_on
from tests.reviews.data import add_member, add_score, build_review_world, bulk_reviews
from tests.web.test_query_counts import counting_statements


@pytest.fixture
def world(app):
    world = build_review_world(0)
    add_member(world)  # step-down candidate
    add_member(world, minutes=0)  # disengagement review
    urgent = add_member(world)
    add_score(urgent, world.clinician, "phq9", world.week_end - timedelta(days=1), 22)
    compute_cohort_reviews(world.cohort, world.week_start)
    db.session.commit()
    return world


def review_of(enrollment) -> WeeklyReview:
    db.session.expire_all()
    return db.session.scalar(select(WeeklyReview).where(WeeklyReview.enrollment_id == enrollment.id))


def decision_form(review, **values):
    data = {
        "decision": "step_down",
        "destination": "standard_outpatient",
        "destination_detail": "",
        "rationale": "PHQ-9 in remission, attending every group; ready for weekly therapy.",
        "effective_on": (review.week_end + timedelta(days=3)).isoformat(),
        "override_reason": "",
    } | values
    return {f"r{review.id}-{name}": value for name, value in data.items()}


def test_the_queue_lists_the_week_most_urgent_first(world, login):
    client = login(world.case_manager)
    response = client.get("/reviews/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    order = [html.index(f'id="review-{review_of(member).id}"') for member in reversed(world.members)]
    assert order == sorted(order)  # urgent, then disengagement, then step-down candidate
    assert "Urgent review" in html and "Ready to step down" in html
    assert "3 reviews for the week of" in html


def test_the_queue_filters_by_recommendation_as_a_fragment(world, login):
    client = login(world.case_manager)
    response = client.get(
        "/reviews/?recommendation=step_down_candidate", headers={"HX-Request": "true", "HX-Target": "queue"}
    )
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<section id="queue"')
    assert f'id="review-{review_of(world.members[0]).id}"' in html
    assert f'id="review-{review_of(world.members[1]).id}"' not in html


def test_open_safety_alerts_sit_above_the_queue(world, login):
    from iop.services.assessments import record_assessment

    record_assessment(
        world.members[0].client,
        "phq9",
        [0, 0, 0, 0, 0, 0, 0, 0, 1],
        world.program.today(),
        "self_report",
        world.clinician,
    )
    db.session.commit()
    html = login(world.case_manager).get("/reviews/").get_data(as_text=True)
    assert html.index("Open safety alerts") < html.index('id="queue"')


def test_a_rows_evidence_expands_in_place_with_every_reason(world, login):
    review = review_of(world.members[0])
    response = login(world.case_manager).get(f"/reviews/{review.id}/evidence", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html and f'id="review-{review.id}-evidence"' in html
    for reason in review.latest.reasons:
        assert reason.replace("'", "&#39;") in html
    assert "15 → 4" in html and "9.0 h" in html


def test_viewing_a_review_is_audited(world, login):
    review = review_of(world.members[0])
    login(world.clinician).get(f"/reviews/{review.id}")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "review.view"))
    assert (event.client_id, event.actor_id) == (review.client_id, world.clinician.id)


def test_stepping_down_ends_the_enrollment_on_the_effective_date(world, login):
    member = world.members[0]
    review = review_of(member)
    effective = review.week_end + timedelta(days=3)
    response = login(world.case_manager).post(f"/reviews/{review.id}/decide", data=decision_form(review))
    assert response.status_code == 303 and response.headers["Location"] == f"/reviews/{review.id}"
    review = review_of(member)
    decision = db.session.scalar(select(LevelOfCareDecision))
    enrollment = db.session.get(Enrollment, member.id)
    assert review.status == "decided"
    assert (decision.decision, decision.destination, decision.overrides_recommendation) == (
        "step_down",
        "standard_outpatient",
        False,
    )
    assert (enrollment.ended_on, enrollment.end_reason) == (effective, "stepped_down")
    assert member.id in {
        m.id for m in db.session.scalars(members_on(world.cohort.id, effective - timedelta(days=1)))
    }
    assert member.id not in {m.id for m in db.session.scalars(members_on(world.cohort.id, effective))}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "review.decide"))
    assert event.client_id == member.client_id and "rationale" not in event.details


def test_deciding_in_place_answers_with_the_decision_panel(world, login):
    review = review_of(world.members[0])
    response = login(world.case_manager).post(
        f"/reviews/{review.id}/decide", data=decision_form(review), headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith(f'<div id="decision-{review.id}"')
    assert "Step down</strong>: Standard outpatient" in html
    assert response.headers["HX-Trigger"] == "reviews-updated"


def test_a_decision_without_rationale_comes_back_with_what_was_typed(world, login):
    review = review_of(world.members[0])
    response = login(world.case_manager).post(
        f"/reviews/{review.id}/decide",
        data=decision_form(review, rationale="", destination_detail=""),
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Write the rationale for this decision." in html
    assert '<option selected value="standard_outpatient">' in html
    assert db.session.scalar(select(LevelOfCareDecision)) is None


def test_a_decision_that_differs_from_the_recommendation_needs_a_reason(world, login):
    review = review_of(world.members[0])  # a step-down candidate
    client = login(world.case_manager)
    refused = client.post(
        f"/reviews/{review.id}/decide", data=decision_form(review, decision="continue", destination="")
    )
    assert refused.status_code == 422
    assert "Say why the decision differs from the recommendation." in refused.get_data(as_text=True)
    accepted = client.post(
        f"/reviews/{review.id}/decide",
        data=decision_form(
            review, decision="continue", destination="", override_reason="Client asked to stay"
        ),
    )
    assert accepted.status_code == 303
    decision = db.session.scalar(select(LevelOfCareDecision))
    assert (decision.overrides_recommendation, decision.override_reason) == (True, "Client asked to stay")
    assert db.session.get(Enrollment, world.members[0].id).ended_on is None


def test_a_step_up_needs_a_destination_of_its_own(world, login):
    review = review_of(world.members[2])
    response = login(world.case_manager).post(
        f"/reviews/{review.id}/decide", data=decision_form(review, decision="step_up")
    )
    assert response.status_code == 422
    assert "Choose where the client goes" in response.get_data(as_text=True)


def test_an_effective_date_before_the_reviewed_week_is_refused(world, login):
    review = review_of(world.members[0])
    early = (review.week_start - timedelta(days=1)).isoformat()
    response = login(world.case_manager).post(
        f"/reviews/{review.id}/decide", data=decision_form(review, effective_on=early)
    )
    assert response.status_code == 422
    assert "cannot be before the reviewed week" in response.get_data(as_text=True)


def test_a_decided_review_takes_no_second_decision_but_can_be_amended(world, login):
    member = world.members[0]
    review = review_of(member)
    client = login(world.case_manager)
    client.post(f"/reviews/{review.id}/decide", data=decision_form(review))
    again = client.post(f"/reviews/{review.id}/decide", data=decision_form(review))
    assert again.status_code == 422 and "already decided" in again.get_data(as_text=True)
    amended = client.post(
        f"/reviews/{review.id}/decide",
        data={
            **decision_form(
                review, decision="continue", destination="", override_reason="Family crisis at home"
            ),
            "amend": "1",
        },
    )
    assert amended.status_code == 303
    first, second = db.session.scalars(select(LevelOfCareDecision).order_by(LevelOfCareDecision.id)).all()
    assert (second.amends_id, first.decision) == (first.id, "step_down")
    assert db.session.get(Enrollment, member.id).ended_on is None  # the step down was undone


def test_the_review_page_says_when_newer_evidence_exists(world, login):
    member = world.members[0]
    review = review_of(member)
    client = login(world.case_manager)
    client.post(f"/reviews/{review.id}/decide", data=decision_form(review))
    add_score(member, world.clinician, "gad7", world.week_end, 15)
    compute_cohort_reviews(world.cohort, world.week_start)
    db.session.commit()
    html = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "Newer evidence exists" in html and "revision 2" in html


def test_clinicians_see_a_review_but_not_the_decision_form(world, login):
    review = review_of(world.members[0])
    html = login(world.clinician).get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "Not decided yet." in html and "Record the decision" not in html


def test_run_now_computes_the_last_completed_week_without_redis(app, login):
    world = build_review_world(2)
    response = login(world.case_manager).post("/reviews/run")
    assert response.status_code == 303
    assert len(db.session.scalars(select(WeeklyReview)).all()) == 2


def test_a_malformed_week_is_a_400(world, login):
    assert login(world.case_manager).get("/reviews/?week=2026-02-30").status_code == 400


def _queue_statements(client) -> int:
    with counting_statements() as statements:
        assert client.get("/reviews/").status_code == 200
    return len(statements)


def test_the_queue_takes_the_same_number_of_statements_for_50_and_500_reviews(app, login):
    world = build_review_world(0)
    bulk_reviews(world, 50)
    client = login(world.case_manager)
    client.get("/reviews/")  # warm up: the first page of a session stores its CSRF token server-side
    few = _queue_statements(client)
    bulk_reviews(world, 450)
    assert _queue_statements(client) == few
    assert few <= 14


def test_the_reviews_api_answers_one_weeks_reviews_with_their_decisions(world, login):
    review = review_of(world.members[0])
    client = login(world.case_manager)
    client.post(f"/reviews/{review.id}/decide", data=decision_form(review))
    response = login(world.clinician).get(f"/api/v1/reviews?week={world.week_start.isoformat()}")
    body = response.json
    assert response.status_code == 200 and body["week"] == world.week_start.isoformat()
    assert len(body["reviews"]) == 3
    first = next(item for item in body["reviews"] if item["enrollment_id"] == world.members[0].id)
    assert first["recommendation"] == "step_down_candidate" and first["status"] == "decided"
    assert first["cohort_id"] == world.cohort.id and first["client_id"] == world.members[0].client_id
    assert first["reasons"] == review.latest.reasons
    assert first["metrics"]["attendance"][1]["attended_hours"] == 9.0
    assert first["decision"]["decision"] == "step_down"


@pytest.mark.parametrize("week", ["", "2026-13-01", "yesterday", "2026-11-24"])
def test_the_reviews_api_answers_a_bad_week_with_a_400_and_a_message(world, login, week):
    response = login(world.clinician).get(f"/api/v1/reviews?week={week}")
    assert response.status_code == 400 and "week must be" in response.json["error"]


def test_the_reviews_api_shows_nothing_of_another_program(world, login):
    from tests.factories import make_program, make_user

    outsider = make_user("case_manager", programs=[make_program()])
    response = login(outsider).get(f"/api/v1/reviews?week={world.week_start.isoformat()}")
    assert response.status_code == 200 and response.json["reviews"] == []


def test_the_client_reviews_tab_lists_each_week_with_its_decision(world, login):
    member = world.members[0]
    review = review_of(member)
    login(world.case_manager).post(f"/reviews/{review.id}/decide", data=decision_form(review))
    client = login(world.clinician)
    page = client.get(f"/reviews/clients/{member.client_id}").get_data(as_text=True)
    assert "Ready to step down" in page and "Step down</strong>: Standard outpatient" in page
    fragment = client.get(
        f"/reviews/clients/{member.client_id}", headers={"HX-Request": "true", "HX-Target": "record"}
    ).get_data(as_text=True)
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="record">')


def test_the_printable_summary_has_the_evidence_recommendation_and_decision(world, login):
    member = world.members[0]
    review = review_of(member)
    login(world.case_manager).post(
        f"/reviews/{review.id}/decide", data=decision_form(review, rationale="Remission on both measures")
    )
    page = login(world.clinician).get(f"/reviews/clients/{member.client_id}/summary").get_data(as_text=True)
    assert "Level-of-care summary" in page
    assert "Recommendation for the week of" in page and "Ready to step down" in page
    assert "9.0 h / 9.0 h" in page and "Remission on both measures" in page


def test_the_progress_api_marks_decisions_for_the_charts(world, login):
    member = world.members[0]
    review = review_of(member)
    login(world.case_manager).post(f"/reviews/{review.id}/decide", data=decision_form(review))
    body = login(world.clinician).get(f"/api/v1/clients/{member.client_id}/progress").json
    [decision] = body["decisions"]
    assert decision["decision"] == "step_down"
    assert decision["effective_on"] == (review.week_end + timedelta(days=3)).isoformat()


def test_the_evidence_shows_check_in_adherence_and_mean_mood_and_cravings(app, login):
    from iop.models import DailyCheckin

    world = build_review_world(0)
    member = add_member(world)
    for offset, mood, cravings in ((0, 4, 6), (2, 6, 2)):
        db.session.add(
            DailyCheckin(
                client_id=member.client_id,
                day=world.week_end - timedelta(days=offset),
                mood=mood,
                anxiety=3,
                cravings=cravings,
                stress=3,
                submission_key=f"evidence-key-{offset:02d}-000000",
            )
        )
    quiet = add_member(world)
    db.session.commit()
    compute_cohort_reviews(world.cohort, world.week_start)
    db.session.commit()
    client = login(world.case_manager)
    html = client.get(f"/reviews/{review_of(member).id}/evidence", headers={"HX-Request": "true"}).text
    assert "Client check-ins (last 14 days)" in html
    assert "2 of 14 days (14 %); mean mood 5.0, mean cravings 4.0 of 10" in html
    assert (
        "none in 14 days"
        in client.get(f"/reviews/{review_of(quiet).id}/evidence", headers={"HX-Request": "true"}).text
    )


def test_the_evidence_shows_homework_completion_and_session_feedback(app, login):
    from iop.models import HomeworkAssignment, HomeworkCompletion, SessionFeedback

    world = build_review_world(0)
    member, quiet = add_member(world), add_member(world)
    monday = world.week_start
    assignment = HomeworkAssignment(
        client_id=member.client_id,
        title="Urge surfing",
        frequency="daily",
        assigned_on=monday - timedelta(days=10),
        assigned_by_id=world.clinician.id,
    )
    db.session.add(assignment)
    db.session.flush()
    for offset in (0, 1, 3, 5):
        db.session.add(HomeworkCompletion(assignment_id=assignment.id, day=monday + timedelta(days=offset)))
    session = next(s for s in world.sessions if s.session_date >= monday)
    db.session.add(
        SessionFeedback(
            client_id=member.client_id,
            session_id=session.id,
            felt_heard=5,
            useful=4,
            plan_to_use=3,
            submitted_at=session.starts_at + timedelta(hours=1),
        )
    )
    db.session.commit()
    compute_cohort_reviews(world.cohort, world.week_start)
    db.session.commit()
    client = login(world.case_manager)
    html = client.get(f"/reviews/{review_of(member).id}/evidence", headers={"HX-Request": "true"}).text
    assert "Homework (the reviewed week)" in html and "4 of 7 done (57 %)" in html
    assert "mean 4.0 of 5 over 1 group" in html
    assert "felt heard 5.0, useful 4.0, plan to use a skill 3.0" in html
    other = client.get(f"/reviews/{review_of(quiet).id}/evidence", headers={"HX-Request": "true"}).text
    assert "none due" in other and "none given" in other
