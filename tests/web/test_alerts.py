"""Safety alerts: shown at once to the program's care team, polled in the nav, acknowledged with a note."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from iop import clock
from iop.extensions import db
from iop.models import Alert, AuditEvent, UserSession
from iop.services.assessments import record_assessment
from tests.factories import make_cohort, make_enrollment, make_program, make_user, sign_in

HTMX = {"HX-Request": "true"}
ITEM_NINE_POSITIVE = [0, 0, 0, 0, 0, 0, 0, 0, 1]


@pytest.fixture
def world(app):
    program = make_program("Program A")
    other_program = make_program("Program B")
    enrollment = make_enrollment(make_cohort(program), first_name="Robin", last_name="Hale")
    return {
        "program": program,
        "client": enrollment.client,
        "clinician": make_user("clinician", programs=[program], name="Dana Reyes"),
        "case_manager": make_user("case_manager", programs=[program], name="Sam Ortiz"),
        "admin": make_user("admin", programs=[program], name="Alex Kim"),
        "outsider": make_user("clinician", "case_manager", programs=[other_program]),
    }


def enter_item_nine_positive(app, world):
    """A clinician posts a PHQ-9 with item 9 = 1 through the form."""
    client = app.test_client()
    sign_in(client, world["clinician"])
    data = {f"item-{n}": str(v) for n, v in enumerate(ITEM_NINE_POSITIVE, start=1)}
    data |= {"administered_on": world["program"].today().isoformat(), "source": "self_report"}
    response = client.post(f"/clients/{world['client'].id}/assessments/new?instrument=phq9", data=data)
    assert response.status_code == 303
    db.session.expire_all()
    return db.session.scalar(select(Alert))


def signed_in(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def test_alert_shows_on_the_client_page_and_in_the_badge_of_a_case_manager(app, world):
    enter_item_nine_positive(app, world)
    client = signed_in(app, world["case_manager"])
    page = client.get(f"/clients/{world['client'].id}").text
    assert "Open safety alerts" in page
    assert "Several days (1)" in page
    assert 'name="note"' in page
    badge = client.get("/alerts/badge", headers={**HTMX, "X-Stepwise-Background": "1"})
    assert badge.status_code == 200 and "<html" not in badge.text
    assert '<span class="badge badge-cancelled">1</span>' in badge.text


def test_staff_of_another_program_see_no_alert(app, world):
    alert = enter_item_nine_positive(app, world)
    client = signed_in(app, world["outsider"])
    assert '<span class="badge badge-muted">0</span>' in client.get("/alerts/badge", headers=HTMX).text
    assert "Robin Hale" not in client.get("/alerts/").text
    assert (
        client.post(f"/alerts/{alert.id}/acknowledge", data={"note": "called the client"}).status_code == 404
    )


def test_admins_see_an_alert_only_once_it_is_escalated(app, world):
    alert = enter_item_nine_positive(app, world)
    client = signed_in(app, world["admin"])
    assert ">0<" in client.get("/alerts/badge", headers=HTMX).text
    alert.escalated_at = clock.now()
    db.session.commit()
    assert ">1<" in client.get("/alerts/badge", headers=HTMX).text
    assert "Escalated to program admins" in client.get("/alerts/").text


def test_alert_list_full_page_and_fragment(app, world):
    enter_item_nine_positive(app, world)
    client = signed_in(app, world["clinician"])
    page = client.get("/alerts/")
    assert "<html" in page.text and "Robin Hale" in page.text
    fragment = client.get("/alerts/", headers={**HTMX, "HX-Target": "alerts"})
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<section id="alerts"')


def test_base_page_polls_the_badge_in_the_background_once_a_minute(app, world):
    page = signed_in(app, world["clinician"]).get("/alerts/").text
    assert 'hx-get="/alerts/badge"' in page
    assert 'hx-trigger="load, every 60s, alerts-updated from:body"' in page
    assert """hx-headers='{"X-Stepwise-Background": "1"}'""" in page


def test_badge_polling_does_not_extend_the_idle_timeout(app, world):
    client = signed_in(app, world["clinician"])
    record = db.session.scalar(select(UserSession).where(UserSession.user_id == world["clinician"].id))
    earlier = clock.now() - timedelta(minutes=10)
    record.last_seen_at = earlier
    db.session.commit()
    assert client.get("/alerts/badge", headers={**HTMX, "X-Stepwise-Background": "1"}).status_code == 200
    db.session.expire_all()
    assert db.session.get(UserSession, record.id).last_seen_at == earlier
    client.get("/alerts/")  # an ordinary request does count as activity
    db.session.expire_all()
    assert db.session.get(UserSession, record.id).last_seen_at > earlier


def test_acknowledging_needs_a_note(app, world):
    alert = enter_item_nine_positive(app, world)
    client = signed_in(app, world["case_manager"])
    response = client.post(
        f"/alerts/{alert.id}/acknowledge", data={"note": "  ", "back": "client"}, headers=HTMX
    )
    assert response.status_code == 422
    assert "Say briefly what was done" in response.text
    assert response.text.lstrip().startswith(f'<article id="alert-{alert.id}"')
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).acknowledged_at is None


def test_plain_acknowledge_without_a_note_keeps_the_form_on_the_alert_page(app, world):
    alert = enter_item_nine_positive(app, world)
    response = signed_in(app, world["clinician"]).post(f"/alerts/{alert.id}/acknowledge", data={"note": "ok"})
    assert response.status_code == 422
    assert "<html" in response.text and 'value="ok"' in response.text


def test_acknowledging_with_a_note_closes_the_alert_and_is_audited(app, world):
    alert = enter_item_nine_positive(app, world)
    client = signed_in(app, world["case_manager"])
    note = "Safety plan reviewed by phone; crisis line given"
    response = client.post(
        f"/alerts/{alert.id}/acknowledge", data={"note": note, "back": "client"}, headers=HTMX
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "alerts-updated"
    assert "Acknowledged by <strong>Sam Ortiz</strong>" in response.text
    db.session.expire_all()
    stored = db.session.get(Alert, alert.id)
    assert (stored.acknowledged_by_id, stored.acknowledgement_note) == (world["case_manager"].id, note)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "alert.acknowledge"))
    assert (event.actor_id, event.client_id, event.object_id) == (
        world["case_manager"].id,
        world["client"].id,
        str(alert.id),
    )
    assert "Open safety alerts" not in client.get(f"/clients/{world['client'].id}").text
    assert ">0<" in client.get("/alerts/badge", headers=HTMX).text


def test_plain_acknowledge_redirects_back_to_the_client_page(app, world):
    alert = enter_item_nine_positive(app, world)
    response = signed_in(app, world["clinician"]).post(
        f"/alerts/{alert.id}/acknowledge",
        data={"note": "Called the client; safety plan reviewed", "back": "client"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/clients/{world['client'].id}")


def test_an_alert_is_acknowledged_once(app, world):
    alert = enter_item_nine_positive(app, world)
    client = signed_in(app, world["clinician"])
    client.post(f"/alerts/{alert.id}/acknowledge", data={"note": "Crisis line given"})
    assert client.post(f"/alerts/{alert.id}/acknowledge", data={"note": "Again, later"}).status_code == 422
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).acknowledgement_note == "Crisis line given"


def test_service_raises_the_alert_without_a_commit(app, world):
    response = record_assessment(
        world["client"], "phq9", ITEM_NINE_POSITIVE, world["program"].today(), "clinician", world["clinician"]
    )
    assert db.session.scalar(select(Alert.response_id)) == response.id
    db.session.rollback()


def test_an_acknowledged_alert_stays_in_the_history_with_who_when_why_and_how_long(app, world):
    alert = enter_item_nine_positive(app, world)
    alert.created_at = clock.now() - timedelta(minutes=95)
    db.session.commit()
    client = signed_in(app, world["clinician"])
    client.post(f"/alerts/{alert.id}/acknowledge", data={"note": "Called the client; safety plan reviewed"})

    for page in (client.get("/alerts/").text, client.get(f"/clients/{world['client'].id}").text):
        assert "Acknowledged by <strong>Dana Reyes</strong>" in page
        assert "Called the client; safety plan reviewed" in page
        assert "after 1 h 35 min open" in page
    listing = client.get("/alerts/").text
    assert "No open alerts for your programs." in listing
    assert "Past safety alerts (1)" in client.get(f"/clients/{world['client'].id}").text


def test_an_open_alert_card_shows_its_age_and_the_escalation_countdown(app, world):
    alert = enter_item_nine_positive(app, world)
    alert.created_at = clock.now() - timedelta(minutes=12, seconds=10)
    db.session.commit()
    page = signed_in(app, world["clinician"]).get("/alerts/").text
    assert "Open 12 min." in page
    assert "Goes to the program admins in 17 min unless acknowledged." in page


def test_an_admin_acknowledges_an_escalated_alert(app, world):
    alert = enter_item_nine_positive(app, world)
    alert.escalated_at = clock.now()
    db.session.commit()
    client = signed_in(app, world["admin"])
    assert 'name="note"' in client.get("/alerts/").text
    response = client.post(f"/alerts/{alert.id}/acknowledge", data={"note": "Reached the on-call clinician"})
    assert response.status_code == 303
    db.session.expire_all()
    stored = db.session.get(Alert, alert.id)
    assert (stored.acknowledged_by_id, stored.acknowledgement_note) == (
        world["admin"].id,
        "Reached the on-call clinician",
    )


def test_an_admin_cannot_acknowledge_an_alert_not_yet_escalated(app, world):
    alert = enter_item_nine_positive(app, world)
    response = signed_in(app, world["admin"]).post(
        f"/alerts/{alert.id}/acknowledge", data={"note": "Reached the on-call clinician"}, headers=HTMX
    )
    assert response.status_code == 422
    assert "once it has been escalated to them" in response.text
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).is_open
