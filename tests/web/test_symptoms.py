"""The symptoms & exposures tab: quick logs saved in place, weekly counts, exposure progress."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from iop.extensions import db
from iop.models import AuditEvent, ExposureEvent, SymptomEvent
from tests.factories import make_cohort, make_enrollment, make_program, make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    program = make_program()
    enrollment = make_enrollment(make_cohort(program), first_name="Dana", last_name="Reyes")
    return {
        "program": program,
        "client": enrollment.client,
        "clinician": make_user("clinician", programs=[program], name="Casey Clinician"),
        "admin": make_user("admin", programs=[program]),
    }


def url(world, suffix=""):
    return f"/clients/{world['client'].id}/symptoms{suffix}"


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def symptom(world, **changes):
    today = world["program"].today()
    return {
        "symptom": "Panic attacks",
        "recorded_on": today.isoformat(),
        "occurrences": "3",
        "severity": "7",
        "symptom_note": "Mostly on the bus",
    } | changes


def exposure(world, **changes):
    today = world["program"].today()
    return {
        "situation": "social events",
        "done_on": today.isoformat(),
        "anxiety_before": "80",
        "anxiety_after": "45",
        "exposure_note": "",
    } | changes


def test_tab_is_a_full_page_with_the_record_and_forms(world, login):
    response = login(world["clinician"]).get(url(world))
    assert response.status_code == 200
    assert "<html" in response.text
    assert 'aria-current="page">Symptoms &amp; exposures</a>' in response.text
    assert 'id="symptoms"' in response.text and 'id="exposures"' in response.text
    assert '<option value="Self-harm urges">' in response.text  # the datalist of common symptoms
    assert f'hx-post="/clients/{world["client"].id}/symptoms/events"' in response.text
    assert "Dana Reyes" in response.text


def test_tab_as_htmx_gets_only_the_record(world, login):
    response = login(world["clinician"]).get(url(world), headers=HTMX | {"HX-Target": "record"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="record">')
    assert "HX-Request" in response.headers["Vary"]


def test_viewing_the_tab_is_audited(world, login):
    login(world["clinician"]).get(url(world))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "client.view"))
    assert event.client_id == world["client"].id
    assert '"tab": "symptoms"' in event.details


def test_admin_sees_the_tab_without_the_forms(world, login):
    response = login(world["admin"]).get(url(world))
    assert response.status_code == 200
    assert "Log a symptom" not in response.text and "Log an exposure" not in response.text


def test_logging_a_symptom_by_htmx_returns_the_section_with_a_fresh_form(world, login):
    response = login(world["clinician"]).post(
        url(world, "/events"), data=symptom(world), headers=HTMX | {"HX-Target": "symptoms"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="symptoms"')
    assert "<html" not in response.text
    assert "Logged: Panic attacks, 3 on" in response.text
    assert "Mostly on the bus</td>" in response.text  # in the list
    assert 'value="Mostly on the bus"' not in response.text  # the form is fresh
    assert response.headers["HX-Trigger"] == "symptoms-updated"
    event = db.session.scalar(select(SymptomEvent))
    assert (event.symptom, event.occurrences, event.severity) == ("Panic attacks", 3, 7)
    assert event.recorded_by_id == world["clinician"].id
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "symptom.log"))
    assert (audit.client_id, audit.actor_id, audit.object_id) == (
        world["client"].id,
        world["clinician"].id,
        str(event.id),
    )


def test_common_symptoms_get_one_spelling(world, login):
    login(world["clinician"]).post(url(world, "/events"), data=symptom(world, symptom="  panic   ATTACKS "))
    assert db.session.scalar(select(SymptomEvent.symptom)) == "Panic attacks"


def test_negative_count_comes_back_typed_with_its_message(world, login):
    response = login(world["clinician"]).post(
        url(world, "/events"),
        data=symptom(world, occurrences="-1", severity="11"),
        headers=HTMX | {"HX-Target": "symptoms"},
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<section id="symptoms"')
    assert 'value="-1"' in response.text and 'value="11"' in response.text
    assert 'value="Mostly on the bus"' in response.text
    assert "Enter a count from 0 to 999." in response.text
    assert "Rate severity from 0 to 10, or leave it blank." in response.text
    assert 'aria-invalid="true"' in response.text
    assert count(SymptomEvent) == 0


def test_symptom_needs_a_name_a_count_and_a_date_not_in_the_future(world, login):
    tomorrow = (world["program"].today() + timedelta(days=1)).isoformat()
    response = login(world["clinician"]).post(
        url(world, "/events"), data=symptom(world, symptom="", occurrences="", recorded_on=tomorrow)
    )
    assert response.status_code == 422
    assert "<html" in response.text  # a plain form post gets the whole page back
    assert "Name the symptom" in response.text
    assert "Enter how many times, 0 if none." in response.text
    assert "The date cannot be in the future." in response.text
    assert count(SymptomEvent) == 0


def test_plain_form_post_redirects_back_to_the_tab(world, login):
    client = login(world["clinician"])
    response = client.post(url(world, "/events"), data=symptom(world, severity=""))
    assert response.status_code == 303
    assert response.headers["Location"] == url(world)
    page = client.get(url(world)).text
    assert "Logged: Panic attacks, 3 on" in page
    assert db.session.scalar(select(SymptomEvent.severity)) is None


def test_weekly_table_sums_the_week(world, login):
    client = login(world["clinician"])
    today = world["program"].today()
    monday = today - timedelta(days=today.weekday())
    client.post(
        url(world, "/events"),
        data=symptom(world, recorded_on=monday.isoformat(), occurrences="2", severity="4"),
    )
    client.post(url(world, "/events"), data=symptom(world, occurrences="3", severity="6"))
    page = client.get(url(world)).text
    assert f"Week of </span>{monday:%b} {monday.day}</th>" in page
    assert '<td class="num">5<br><small class="muted">worst 6</small></td>' in page


def test_logging_an_exposure_shows_progress_for_the_situation(world, login):
    client = login(world["clinician"])
    today = world["program"].today()
    six_weeks_ago = (today - timedelta(weeks=6)).isoformat()
    client.post(url(world, "/exposures"), data=exposure(world, done_on=six_weeks_ago))
    response = client.post(
        url(world, "/exposures"),
        data=exposure(world, situation="Social events", anxiety_before="45", anxiety_after="20"),
        headers=HTMX | {"HX-Target": "exposures"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="exposures"')
    assert "Anxiety before social events: 80 → 45 over 6 weeks" in response.text
    assert "down 35" in response.text
    assert count(ExposureEvent) == 2
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "exposure.log"))
    assert audit.client_id == world["client"].id and audit.actor_id == world["clinician"].id


def test_anxiety_above_100_comes_back_typed_with_its_message(world, login):
    response = login(world["clinician"]).post(
        url(world, "/exposures"),
        data=exposure(world, anxiety_before="101", anxiety_after="abc"),
        headers=HTMX | {"HX-Target": "exposures"},
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<section id="exposures"')
    assert 'value="101"' in response.text and 'value="abc"' in response.text
    assert 'value="social events"' in response.text
    assert "Rate anxiety from 0 to 100." in response.text
    assert 'id="anxiety_after-error"' in response.text
    assert count(ExposureEvent) == 0


def test_lists_are_newest_first(world, login):
    client = login(world["clinician"])
    today = world["program"].today()
    for days, situation in [(10, "driving"), (0, "elevators"), (5, "crowds")]:
        client.post(
            url(world, "/exposures"),
            data=exposure(world, situation=situation, done_on=(today - timedelta(days=days)).isoformat()),
        )
    page = client.get(url(world)).text
    table = page[page.index('id="exposure-log-heading"') :]
    assert (
        table.index("<td>elevators</td>") < table.index("<td>crowds</td>") < table.index("<td>driving</td>")
    )


def test_admin_cannot_log_and_other_programs_staff_get_404(world, login):
    assert login(world["admin"]).post(url(world, "/events"), data=symptom(world)).status_code == 403
    outsider = make_user("clinician", programs=[make_program("Elsewhere")])
    client = login(outsider)
    assert client.get(url(world)).status_code == 404
    assert client.post(url(world, "/events"), data=symptom(world)).status_code == 404
    assert client.post(url(world, "/exposures"), data=exposure(world)).status_code == 404
    assert count(SymptomEvent) == count(ExposureEvent) == 0


# Symptoms and exposures are one mechanism in two configurations: what holds for one holds for both.
QUICK_LOGS = [
    pytest.param("/events", symptom, SymptomEvent, "recorded_on", "symptoms", id="symptom"),
    pytest.param("/exposures", exposure, ExposureEvent, "done_on", "exposures", id="exposure"),
]


@pytest.mark.parametrize(("path", "data", "model", "date_field", "section"), QUICK_LOGS)
def test_each_quick_log_refuses_a_future_date_and_keeps_what_was_typed(
    world, login, path, data, model, date_field, section
):
    tomorrow = (world["program"].today() + timedelta(days=1)).isoformat()
    response = login(world["clinician"]).post(
        url(world, path), data=data(world, **{date_field: tomorrow}), headers=HTMX | {"HX-Target": section}
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith(f'<section id="{section}"')
    assert f'id="{date_field}-error" class="field-error">The date cannot be in the future.' in response.text
    assert f'value="{tomorrow}"' in response.text
    assert count(model) == 0


@pytest.mark.parametrize(("path", "data", "model", "date_field", "section"), QUICK_LOGS)
def test_each_quick_log_saved_by_htmx_answers_its_section_and_announces_the_change(
    world, login, path, data, model, date_field, section
):
    response = login(world["clinician"]).post(
        url(world, path), data=data(world), headers=HTMX | {"HX-Target": section}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<section id="{section}"')
    assert response.headers["HX-Trigger"] == "symptoms-updated"
    assert '<p class="flash flash-success" role="status">Logged:' in response.text
    assert db.session.scalar(select(getattr(model, date_field))) == world["program"].today()


@pytest.mark.parametrize(("path", "data", "model", "date_field", "section"), QUICK_LOGS)
def test_each_quick_log_saved_by_a_plain_post_redirects_to_the_tab(
    world, login, path, data, model, date_field, section
):
    response = login(world["clinician"]).post(url(world, path), data=data(world))
    assert response.status_code == 303
    assert response.headers["Location"] == url(world)
    assert count(model) == 1
