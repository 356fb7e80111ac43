"""The family portal: this week's observation, confirmation, own submissions, and nothing clinical."""

from datetime import datetime, time, timedelta

import time_machine
from sqlalchemy import func, select

from iop.extensions import db
from iop.models import Alert, AuditEvent, FamilyObservation, UserSession
from iop.services.assessments import record_assessment
from tests.factories import make_consent, make_family_user, make_observation, sign_in
from tests.web.family_fixtures import family_world, observation_form  # noqa: F401

__all__ = ["family_world"]


def _observe_url(world):
    return f"/family/{world.consent.id}/observation"


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_family_front_door_leads_to_this_weeks_form(client, family_world):
    sign_in(client, family_world.family)
    response = client.get("/", follow_redirects=True)
    assert response.request.path == _observe_url(family_world)
    page = response.text
    assert "How was this week at home?" in page and "Avery" in page
    assert "1 – Very low" in page and "5 – Good" in page  # anchored ratings
    assert "42 CFR part 2 prohibits unauthorized use or disclosure" in page
    assert "988" in page and "911" in page


def test_an_observation_is_stored_audited_and_confirmed(client, family_world):
    sign_in(client, family_world.family)
    response = client.post(
        _observe_url(family_world), data=observation_form(note="Slept badly after Tuesday.")
    )
    observation = db.session.scalar(select(FamilyObservation))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/family/{family_world.consent.id}/observations/{observation.id}"
    assert observation.ratings == {
        "mood": 2,
        "communication": 3,
        "conflict": 4,
        "sleep": 1,
        "participation": 5,
    }
    assert observation.concerns == () and observation.note == "Slept badly after Tuesday."
    assert observation.author_id == family_world.family.id and observation.client_id == family_world.client.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "family_observation.submit"))
    assert event.actor_id == family_world.family.id and event.client_id == family_world.client.id
    assert "Slept badly" not in event.details  # coded values only, never the free text
    confirmation = client.get(response.headers["Location"]).text
    assert "Thank you, it was sent" in confirmation and "Slept badly after Tuesday." in confirmation
    assert "What to do now" not in confirmation  # no safety concern ticked


def test_a_safety_concern_shows_crisis_lines_and_raises_the_immediate_alert(client, family_world):
    sign_in(client, family_world.family)
    response = client.post(
        _observe_url(family_world), data=observation_form(concerns=["safety", "withdrawal"])
    )
    confirmation = client.get(response.headers["Location"]).text
    assert "What to do now" in confirmation
    assert 'call <a href="tel:911">911</a>' in confirmation and 'href="tel:988"' in confirmation
    alert = db.session.scalar(select(Alert))
    observation = db.session.scalar(select(FamilyObservation))
    assert alert.kind == "family_safety" and alert.observation_id == observation.id and alert.is_open
    assert alert.client_id == family_world.client.id
    staff = client.application.test_client()
    sign_in(staff, family_world.clinician)
    alerts_page = staff.get("/alerts/").text
    assert "Robin Castellano, a family member, reported a safety concern" in alerts_page
    assert "Avery Stone" in alerts_page


def test_other_concerns_raise_no_alert(client, family_world):
    sign_in(client, family_world.family)
    client.post(
        _observe_url(family_world), data=observation_form(concerns=["substance_use", "missed_medication"])
    )
    assert db.session.scalar(select(FamilyObservation)).concerns == ("substance_use", "missed_medication")
    assert _count(Alert) == 0


def test_a_double_submit_stores_one_observation(client, family_world):
    sign_in(client, family_world.family)
    first = client.post(_observe_url(family_world), data=observation_form(concerns=["safety"]))
    second = client.post(_observe_url(family_world), data=observation_form(concerns=["safety"]))
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(FamilyObservation) == 1 and _count(Alert) == 1


def test_a_second_observation_in_the_same_week_is_refused_in_favour_of_a_correction(client, family_world):
    sign_in(client, family_world.family)
    client.post(_observe_url(family_world), data=observation_form(key="a" * 24))
    page = client.get(_observe_url(family_world)).text
    assert "You already sent this week's observation" in page and "Correct it" in page
    response = client.post(_observe_url(family_world), data=observation_form(key="b" * 24))
    assert response.status_code == 422 and "send a correction instead" in response.text
    assert _count(FamilyObservation) == 1


def test_a_correction_is_a_new_observation_that_says_so(client, family_world):
    original = make_observation(family_world.consent, mood=1)
    sign_in(client, family_world.family)
    url = f"{_observe_url(family_world)}?corrects={original.id}"
    assert "Correct what you sent" in client.get(url).text
    response = client.post(url, data=observation_form(key="c" * 24, mood="4"))
    assert response.status_code == 303
    correction = db.session.scalar(
        select(FamilyObservation).where(FamilyObservation.corrects_id == original.id)
    )
    db.session.refresh(original)
    assert correction.mood == 4 and original.mood == 1 and original.superseded_by_id == correction.id
    assert correction.week_start == original.week_start
    again = client.post(url, data=observation_form(key="d" * 24))
    assert again.status_code == 422 and "already corrected" in again.text


def test_observations_are_immutable(family_world):
    observation = make_observation(family_world.consent)
    observation.mood = 5
    try:
        db.session.flush()
    except ValueError as error:
        assert "immutable" in str(error)
    else:  # pragma: no cover - the guard must fire
        raise AssertionError("an observation was changed in place")
    finally:
        db.session.rollback()


def test_bad_input_returns_the_form_with_what_was_typed_and_a_message_per_field(client, family_world):
    sign_in(client, family_world.family)
    form = observation_form(note="We argued on Sunday.", concerns=["withdrawal"])
    del form["mood"]
    form["sleep"] = "9"
    response = client.post(_observe_url(family_world), data=form)
    page = response.text
    assert response.status_code == 422
    assert "Choose how mood was this week, from 1 to 5." in page
    assert "Not a valid choice" in page  # sleep 9
    assert "We argued on Sunday." in page
    assert 'value="withdrawal" id="concern-withdrawal" checked' in page
    assert 'checked id="conflict-3"' in page  # conflict 4 kept
    assert _count(FamilyObservation) == 0


def test_hostile_input_is_refused_with_a_message_never_a_500(client, family_world):
    sign_in(client, family_world.family)
    url = _observe_url(family_world)
    cases = [
        (observation_form(mood="abc"), "could not coerce"),
        (observation_form(mood="-1"), "Not a valid choice"),
        (observation_form(communication="1e400"), "could not coerce"),
        (observation_form(note="bell \x07 and escape \x1b"), "Remove the control characters"),
        (observation_form(note="x" * 2001), "Keep it under 2000 characters"),
        (observation_form(key="short"), "This form had expired"),
        (observation_form(key="k" * 65), "This form had expired"),
    ]
    for data, message in cases:
        response = client.post(url, data=data)
        assert response.status_code == 422 and message in response.text, (data, response.status_code)
    nul = client.post(url, data=observation_form(note="nul \x00 byte"))
    assert nul.status_code == 400  # the app refuses NUL bytes everywhere (PostgreSQL cannot store them)
    assert _count(FamilyObservation) == 0


def test_a_forged_concern_is_dropped_and_free_text_is_escaped(client, family_world):
    sign_in(client, family_world.family)
    data = observation_form(concerns=["safety' OR 1=1 --", "withdrawal"], note="<script>alert(1)</script>")
    assert client.post(_observe_url(family_world), data=data).status_code == 303
    observation = db.session.scalar(select(FamilyObservation))
    assert observation.concerns == ("withdrawal",) and observation.note == "<script>alert(1)</script>"
    page = client.get(f"/family/{family_world.consent.id}/submissions").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_own_submissions_list_shows_only_what_this_person_sent(client, family_world):
    make_observation(family_world.consent, note="Mine, from last week.")
    other = make_family_user(name="Sam Other")
    other_consent = make_consent(family_world.client, family_world.clinician, family=other)
    make_observation(other_consent, note="Someone else's words.")
    sign_in(client, family_world.family)
    page = client.get(f"/family/{family_world.consent.id}/submissions").text
    assert "Mine, from last week." in page
    assert "Someone else" not in page and "Sam Other" not in page
    assert client.get(f"/family/{other_consent.id}/submissions").status_code == 404


def test_nothing_clinical_is_shown_to_a_family_member(client, family_world):
    record_assessment(
        family_world.client,
        "phq9",
        [3, 3, 3, 3, 3, 3, 3, 3, 2],
        family_world.client.program.today(),
        "self_report",
        family_world.clinician,
    )
    db.session.commit()
    sign_in(client, family_world.family)
    pages = [
        client.get(_observe_url(family_world)).text,
        client.get(f"/family/{family_world.consent.id}/submissions").text,
    ]
    for page in pages:
        assert "PHQ" not in page and "GAD" not in page and "severe" not in page.lower()
        assert "Stone" not in page  # the client's first name only, no record details
        assert "Alerts" not in page and "Cohorts" not in page
    for url in (
        f"/clients/{family_world.client.id}",
        f"/clients/{family_world.client.id}/family",
        "/alerts/",
    ):
        assert client.get(url).status_code == 403


def test_every_family_page_view_is_audited(client, family_world):
    observation = make_observation(family_world.consent)
    sign_in(client, family_world.family)
    client.get(_observe_url(family_world))
    client.get(f"/family/{family_world.consent.id}/submissions")
    client.get(f"/family/{family_world.consent.id}/observations/{observation.id}")
    views = db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "family.view").order_by(AuditEvent.id)
    ).all()
    assert views == ['{"page": "observation"}', '{"page": "submissions"}', '{"page": "confirmation"}']


def _local(world, day, hour, minute):
    """A moment in the program's time zone, as the clock would read it."""
    return datetime.combine(day, time(hour, minute), world.client.program.zone)


def test_expiry_takes_effect_on_the_next_request_and_ends_every_session(client, family_world):
    last_day = family_world.consent.expires_on
    other_device = client.application.test_client()
    with time_machine.travel(_local(family_world, last_day, 23, 58), tick=False):
        sign_in(client, family_world.family)
        sign_in(other_device, family_world.family)
        assert client.get(_observe_url(family_world)).status_code == 200
    with time_machine.travel(_local(family_world, last_day + timedelta(days=1), 0, 1), tick=False):
        response = client.get(_observe_url(family_world))
        assert response.status_code == 302 and response.headers["Location"] == "/family/ended"
        still_open = _count(
            UserSession, UserSession.user_id == family_world.family.id, UserSession.ended_at.is_(None)
        )
        assert still_open == 0
        assert other_device.get(_observe_url(family_world)).headers["Location"] == "/family/ended"
        assert "Your access has ended" in client.get("/family/ended").text


def test_the_last_day_of_a_consent_still_gives_access(client, family_world):
    with time_machine.travel(_local(family_world, family_world.consent.expires_on, 23, 59), tick=False):
        sign_in(client, family_world.family)
        response = client.get(_observe_url(family_world))
        assert response.status_code == 200
        assert f'action="{_observe_url(family_world)}"' in response.text


def test_revocation_mid_session_sends_the_next_click_to_access_ended(client, family_world):
    sign_in(client, family_world.family)
    assert client.get(_observe_url(family_world)).status_code == 200
    staff = client.application.test_client()
    sign_in(staff, family_world.clinician)
    url = f"/clients/{family_world.client.id}/family/consents/{family_world.consent.id}/revoke"
    assert (
        staff.post(
            url, data={f"revoke-{family_world.consent.id}-reason": "Client withdrew consent"}
        ).status_code
        == 303
    )
    response = client.get(f"/family/{family_world.consent.id}/submissions")
    assert response.status_code == 302 and response.headers["Location"] == "/family/ended"
    htmx = client.get(_observe_url(family_world), headers={"HX-Request": "true"})
    assert htmx.status_code in (302, 401)


def test_an_htmx_request_without_consent_gets_hx_redirect_to_access_ended(client, family_world):
    sign_in(client, family_world.family)
    family_world.consent.expires_on = family_world.client.program.today() - timedelta(days=1)
    family_world.consent.granted_on = family_world.consent.expires_on - timedelta(days=30)
    db.session.commit()
    response = client.get(_observe_url(family_world), headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/family/ended"
