"""The Self-reports tab: check-in trends as a chart with a table alternative, adherence over 7 and 28
days, the JSON the chart draws from, and the htmx fragment."""

from datetime import timedelta

import pytest

from iop.extensions import db
from iop.models import DailyCheckin
from tests.factories import make_cohort, make_enrollment, make_program, make_user, sign_in


@pytest.fixture
def reporting(app, client):
    program = make_program("Tab program")
    today = program.today()
    enrollment = make_enrollment(
        make_cohort(program), first_name="Ira", started_on=today - timedelta(days=40)
    )
    for offset, mood, cravings, sleep in ((0, 7, 2, 7.5), (1, 5, 4, None), (3, 3, 8, 5.0), (20, 2, 9, 4.0)):
        db.session.add(
            DailyCheckin(
                client_id=enrollment.client_id,
                day=today - timedelta(days=offset),
                mood=mood,
                anxiety=4,
                cravings=cravings,
                stress=5,
                sleep_hours=sleep,
                submission_key=f"tab-key-{offset:04d}-0000000",
            )
        )
    db.session.commit()
    sign_in(client, make_user("admin", programs=[program]))
    return {"client": enrollment.client, "today": today}


def test_the_tab_shows_adherence_means_and_a_table_of_every_day(reporting, client):
    page = client.get(f"/clients/{reporting['client'].id}/self-reports").get_data(as_text=True)
    assert "3 of 7 days (43 %)" in page and "4 of 28 days (14 %)" in page
    assert "Mean mood, last 28 days</dt><dd>4.2 of 10" in page
    assert "Mean cravings, last 28 days</dt><dd>5.8 of 10" in page
    assert "Mean sleep, last 28 days</dt><dd>5.5 hours" in page
    assert 'canvas data-chart="self_reports"' in page and "The same as a table" in page
    assert page.count("no check-in</td>") == 24
    # A program admin reads the tab but cannot send or revoke links.
    assert "Enable and send link" not in page


def test_the_chart_json_has_one_value_per_day_and_none_for_days_without(reporting, client):
    data = client.get(f"/clients/{reporting['client'].id}/self-reports/trends").get_json()
    assert len(data["days"]) == 28 and data["days"][-1] == reporting["today"].isoformat()
    assert data["series"]["mood"][-4:] == [3, None, 5, 7]
    assert data["series"]["sleep_hours"][-4:] == [5.0, None, None, 7.5]


def test_the_tab_as_an_htmx_fragment(reporting, client):
    response = client.get(
        f"/clients/{reporting['client'].id}/self-reports",
        headers={"HX-Request": "true", "HX-Target": "record"},
    )
    page = response.get_data(as_text=True)
    assert "<html" not in page and page.lstrip().startswith('<div id="record">')
    assert 'aria-current="page">Self-reports</a>' in page


def test_a_client_without_check_ins_says_so(app, client):
    program = make_program("Quiet program")
    person = make_enrollment(make_cohort(program)).client
    sign_in(client, make_user("clinician", programs=[program]))
    page = client.get(f"/clients/{person.id}/self-reports").get_data(as_text=True)
    assert "No check-ins in the last 4 weeks." in page and "0 of 7 days (0 %)" in page
    assert "Enable and send link" in page


def test_the_activity_table_names_each_client_action_in_the_words_of_client_actions(app, client):
    from iop.services.audit import record_event
    from iop.services.self_reports import CLIENT_ACTIONS

    program = make_program("Activity program")
    person = make_enrollment(make_cohort(program)).client
    for action in ("client_link.open", "symptom.log", "message.read"):
        record_event(action, "client", person.id, person.id)
    record_event("client.view", "client", person.id, person.id)  # not a client action: left out
    db.session.commit()
    sign_in(client, make_user("clinician", programs=[program]))
    page = client.get(f"/clients/{person.id}/self-reports").get_data(as_text=True)
    activity = page[page.index('id="client-activity-heading"') :]
    for action in ("client_link.open", "symptom.log"):
        assert f"<td>{CLIENT_ACTIONS[action]}" in activity
    assert "<td>Read the care team&#39;s messages" in activity
    assert "client.view" not in activity and activity.count("<tr><td>") == 3
