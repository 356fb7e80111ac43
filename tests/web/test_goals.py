"""The goals tab: goals rated on goal-attainment scaling, ratings that supersede, achieved and dropped."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from iop.extensions import db
from iop.models import AuditEvent, Goal, GoalRating
from tests.factories import make_cohort, make_enrollment, make_goal, make_program, make_user

HTMX = {"HX-Request": "true", "HX-Target": "record"}


@pytest.fixture
def world(app):
    program = make_program()
    cohort = make_cohort(program)
    enrollment = make_enrollment(cohort, first_name="Robin", last_name="Hale")
    clinician = make_user("clinician", programs=[program], name="Dana Reyes")
    return {
        "program": program,
        "client": enrollment.client,
        "other_client": make_enrollment(cohort).client,
        "clinician": clinician,
        "admin": make_user("admin", programs=[program]),
        "today": program.today(),
    }


def goals_url(world, suffix=""):
    return f"/clients/{world['client'].id}/goals{suffix}"


def rate(client, world, goal, **fields):
    prefix = f"rate-{goal.id}-"
    data = {"rated_on": world["today"].isoformat(), "level": "0", "note": ""} | fields
    return client.post(goals_url(world, f"/{goal.id}/ratings"), data={prefix + k: v for k, v in data.items()})


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def ratings_of(goal):
    db.session.expire_all()
    return db.session.scalars(
        select(GoalRating).where(GoalRating.goal_id == goal.id).order_by(GoalRating.id)
    ).all()


def test_goals_page_lists_goals_with_domain_target_and_state(world, login):
    make_goal(
        world["client"],
        world["clinician"],
        title="Sleep seven hours",
        domain="symptoms",
        target_date=world["today"] + timedelta(days=30),
    )
    page = login(world["clinician"]).get(goals_url(world)).text
    assert "<html" in page
    assert "Sleep seven hours" in page
    assert "Symptoms" in page and "target " in page and "Active" in page
    assert "Not rated yet." in page
    assert 'aria-current="page">Goals</a>' in page


def test_goals_tab_as_htmx_is_only_the_record_block(world, login):
    response = login(world["clinician"]).get(goals_url(world), headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="record">')


def test_admin_sees_goals_without_the_forms(world, login):
    make_goal(world["client"], world["clinician"])
    page = login(world["admin"]).get(goals_url(world)).text
    assert "Walk to the park" in page
    assert "Add a goal" not in page and "Add rating" not in page


def test_adding_a_goal_stores_it_and_audits_with_the_client(world, login):
    response = login(world["clinician"]).post(
        goals_url(world), data={"title": "Call a friend weekly", "domain": "relationships", "target_date": ""}
    )
    assert response.status_code == 303
    goal = db.session.scalar(select(Goal))
    assert (goal.title, goal.domain, goal.state, goal.target_date) == (
        "Call a friend weekly",
        "relationships",
        "active",
        None,
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "goal.create"))
    assert event.client_id == world["client"].id and event.actor_id == world["clinician"].id


def test_a_refused_goal_comes_back_with_what_was_typed(world, login):
    response = login(world["clinician"]).post(
        goals_url(world), data={"title": "Call a friend weekly", "domain": "astrology"}
    )
    assert response.status_code == 422
    assert 'value="Call a friend weekly"' in response.text
    assert "Choose one of the listed domains." in response.text
    assert db.session.scalar(select(Goal)) is None


def test_rating_a_goal_shows_the_latest_level_with_its_label(world, login):
    goal = make_goal(world["client"], world["clinician"])
    client = login(world["clinician"])
    response = rate(client, world, goal, level="1", note="Went twice")
    assert response.status_code == 303
    (rating,) = ratings_of(goal)
    assert (rating.level, rating.note, rating.rated_by_id) == (1, "Went twice", world["clinician"].id)
    page = client.get(goals_url(world)).text
    assert "+1</strong> Somewhat more than expected" in page


def test_a_new_rating_supersedes_and_the_history_keeps_both(world, login):
    goal = make_goal(world["client"], world["clinician"])
    client = login(world["clinician"])
    rate(client, world, goal, level="-1", rated_on=(world["today"] - timedelta(days=7)).isoformat())
    rate(client, world, goal, level="2")
    assert [r.level for r in ratings_of(goal)] == [-1, 2]
    page = client.get(goals_url(world)).text
    assert 'Latest rating: <strong class="gas-level">+2</strong> Much more than expected' in page
    assert "Rating history (2)" in page
    assert "−1</strong> Somewhat less than expected" in page


@pytest.mark.parametrize("level", ["3", "-3", "", "x"])
def test_gas_levels_outside_minus_two_to_plus_two_are_refused(world, login, level):
    goal = make_goal(world["client"], world["clinician"])
    response = rate(login(world["clinician"]), world, goal, level=level, note="kept note")
    assert response.status_code == 422
    assert "Choose a level from −2 to +2." in response.text
    assert "kept note" in response.text
    assert ratings_of(goal) == []


def test_a_rating_dated_in_the_future_is_refused(world, login):
    goal = make_goal(world["client"], world["clinician"])
    tomorrow = (world["today"] + timedelta(days=1)).isoformat()
    response = rate(login(world["clinician"]), world, goal, level="0", rated_on=tomorrow)
    assert response.status_code == 422
    assert "cannot be in the future" in response.text
    assert ratings_of(goal) == []


def test_rating_by_htmx_returns_the_tab_and_announces_it(world, login):
    goal = make_goal(world["client"], world["clinician"])
    client = login(world["clinician"])
    response = client.post(
        goals_url(world, f"/{goal.id}/ratings"),
        data={f"rate-{goal.id}-rated_on": world["today"].isoformat(), f"rate-{goal.id}-level": "0"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "goals-updated"
    assert "<html" not in response.text and "Expected level" in response.text


def test_rating_audited_with_the_client(world, login):
    goal = make_goal(world["client"], world["clinician"])
    rate(login(world["clinician"]), world, goal, level="0")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "goal.rate"))
    assert (event.client_id, event.object_id) == (world["client"].id, str(goal.id))


def test_marking_a_goal_achieved_then_active_again(world, login):
    goal = make_goal(world["client"], world["clinician"])
    client = login(world["clinician"])
    assert client.post(goals_url(world, f"/{goal.id}/state"), data={"state": "achieved"}).status_code == 303
    achieved = fresh(Goal, goal.id)
    assert achieved.state == "achieved" and achieved.state_changed_at is not None
    page = client.get(goals_url(world)).text
    assert "Make active again" in page and "Add rating" not in page
    client.post(goals_url(world, f"/{goal.id}/state"), data={"state": "active"})
    assert fresh(Goal, goal.id).state == "active"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "goal.state")).all()
    assert [e.client_id for e in events] == [world["client"].id] * 2


def test_an_unknown_state_is_refused(world, login):
    goal = make_goal(world["client"], world["clinician"])
    response = login(world["clinician"]).post(
        goals_url(world, f"/{goal.id}/state"), data={"state": "forgotten"}
    )
    assert response.status_code == 422
    assert fresh(Goal, goal.id).state == "active"


def test_another_clients_goal_answers_404(world, login):
    foreign = make_goal(world["other_client"], world["clinician"])
    client = login(world["clinician"])
    assert rate(client, world, foreign, level="0").status_code == 404
    assert client.post(goals_url(world, f"/{foreign.id}/state"), data={"state": "dropped"}).status_code == 404
    assert fresh(Goal, foreign.id).state == "active"
