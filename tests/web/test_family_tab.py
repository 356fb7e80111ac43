"""The Family tab: consents with their state and history, revocation, and observations as collateral."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from iop.extensions import db
from iop.models import AuditEvent, Consent, UserSession
from iop.services.assessments import record_assessment
from tests.factories import make_observation, make_user, sign_in
from tests.web.family_fixtures import family_world  # noqa: F401

__all__ = ["family_world"]
TODAY = date(2026, 6, 15)


def _consent(granted_on=date(2025, 6, 1), expires_on=date(2026, 6, 29), revoked=False) -> Consent:
    consent = Consent(granted_on=granted_on, expires_on=expires_on)
    if revoked:
        consent.revoked_at = object()
    return consent


@pytest.mark.parametrize(
    ("expires_on", "state"),
    [
        (date(2026, 6, 30), "active"),  # 15 days left
        (date(2026, 6, 29), "expiring"),  # 14 days left: the edge
        (TODAY, "expiring"),  # the last day still counts
        (date(2026, 6, 14), "expired"),  # the day after expiry
    ],
)
def test_consent_state_at_the_edges_of_expiry(expires_on, state):
    consent = _consent(expires_on=expires_on)
    assert consent.state(TODAY) == state
    assert consent.is_active(TODAY) == (state in ("active", "expiring"))


def test_a_revoked_consent_is_revoked_whatever_its_dates():
    assert _consent(revoked=True).state(TODAY) == "revoked"
    assert not _consent(revoked=True).is_active(TODAY)


def test_a_consent_granted_in_the_future_gives_no_access_yet():
    assert not _consent(granted_on=TODAY + timedelta(days=1), expires_on=date(2027, 6, 1)).is_active(TODAY)


def _tab(client, world) -> str:
    return client.get(f"/clients/{world.client.id}/family").text


def _form(today: date, **overrides) -> dict:
    return {
        "recipient_name": "Sam Stone",
        "relationship": "sibling",
        "recipient_email": "Sam@Example.test",
        "purpose": "Weekly observations at home.",
        "granted_on": today.isoformat(),
        "expires_on": (today + timedelta(days=365)).isoformat(),
        "signature_on_file": "y",
        "signed_on": today.isoformat(),
    } | overrides


def test_recording_a_consent_shows_it_active_with_its_history(client, family_world):
    sign_in(client, family_world.clinician)
    today = family_world.client.program.today()
    response = client.post(f"/clients/{family_world.client.id}/family/consents", data=_form(today))
    assert (
        response.status_code == 303
        and response.headers["Location"] == f"/clients/{family_world.client.id}/family"
    )
    consent = db.session.scalar(select(Consent).where(Consent.recipient_name == "Sam Stone"))
    assert consent.recipient_email == "sam@example.test" and consent.relationship_kind == "sibling"
    assert (
        consent.signature_on_file
        and consent.signed_on == today
        and consent.recorded_by_id == family_world.clinician.id
    )
    page = _tab(client, family_world)
    assert "Sam Stone" in page and "Sibling" in page and "Active" in page
    assert "Recorded by Jordan Rivera" in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consent.record"))
    assert event.client_id == family_world.client.id and "sam@example.test" not in event.details


def test_the_tab_as_an_htmx_fragment_and_as_a_full_page(client, family_world):
    sign_in(client, family_world.clinician)
    url = f"/clients/{family_world.client.id}/family"
    fragment = client.get(url, headers={"HX-Request": "true", "HX-Target": "record"}).text
    assert fragment.strip().startswith('<div id="record">') and "<html" not in fragment
    assert "Consents to share" in fragment
    page = client.get(url).text
    assert "<html" in page and 'aria-current="page">Family</a>' in page


def test_bad_consent_input_keeps_what_was_typed_with_a_message_per_field(client, family_world):
    sign_in(client, family_world.clinician)
    today = family_world.client.program.today()
    data = _form(
        today,
        recipient_email="not an email",
        relationship="boss",
        expires_on=(today - timedelta(days=1)).isoformat(),
        signed_on="",
        purpose="bell\x07byte",
    )
    response = client.post(f"/clients/{family_world.client.id}/family/consents", data=data)
    page = response.text
    assert response.status_code == 422
    assert "Enter an email address such as name@example.org." in page and 'value="not an email"' in page
    assert "Choose one of the listed relationships." in page
    assert "The expiry must come after the date it was granted." in page
    assert "Give the date the client signed." in page
    assert "Remove the control characters" in page
    assert 'value="Sam Stone"' in page
    assert db.session.scalar(select(func.count()).select_from(Consent)) == 1


def test_a_consent_cannot_be_granted_in_the_future(client, family_world):
    sign_in(client, family_world.clinician)
    tomorrow = family_world.client.program.today() + timedelta(days=1)
    data = _form(tomorrow, signature_on_file="", signed_on="")
    response = client.post(f"/clients/{family_world.client.id}/family/consents", data=data)
    assert response.status_code == 422 and "cannot be granted in the future" in response.text


def test_revoking_needs_a_reason_keeps_the_record_and_ends_the_family_sessions(client, family_world):
    family_device = client.application.test_client()
    sign_in(family_device, family_world.family)
    sign_in(client, family_world.clinician)
    consent = family_world.consent
    url = f"/clients/{family_world.client.id}/family/consents/{consent.id}/revoke"
    refused = client.post(url, data={f"revoke-{consent.id}-reason": ""})
    assert refused.status_code == 422 and "Say why the consent is revoked." in refused.text
    response = client.post(url, data={f"revoke-{consent.id}-reason": "Client withdrew consent in session"})
    assert response.status_code == 303
    db.session.refresh(consent)
    assert consent.revoked_at is not None and consent.revoked_by_id == family_world.clinician.id
    assert consent.revoke_reason == "Client withdrew consent in session"
    sessions = db.session.scalars(
        select(UserSession).where(UserSession.user_id == family_world.family.id)
    ).all()
    assert sessions and all(s.ended_at is not None and s.end_reason == "access_ended" for s in sessions)
    page = _tab(client, family_world)
    assert "Revoked" in page and "Client withdrew consent in session" in page and "Revoke consent" not in page
    again = client.post(url, data={f"revoke-{consent.id}-reason": "Twice over"})
    assert again.status_code == 422 and "already revoked" in again.text


def test_an_admin_reads_the_tab_but_cannot_change_consents(client, family_world):
    sign_in(client, make_user("admin", programs=[family_world.client.program]))
    page = _tab(client, family_world)
    assert "Robin Castellano" in page and "Record a consent" not in page and "Revoke consent" not in page


def test_another_clients_consent_id_answers_404(client, family_world):
    from tests.factories import make_cohort, make_consent, make_enrollment

    other = make_enrollment(make_cohort(family_world.client.program)).client
    other_consent = make_consent(other, family_world.clinician)
    sign_in(client, family_world.clinician)
    url = f"/clients/{family_world.client.id}/family/consents/{other_consent.id}/revoke"
    assert client.post(url, data={f"revoke-{other_consent.id}-reason": "Wrong client"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Consent, other_consent.id).revoked_at is None


def test_observations_show_as_collateral_with_weekly_averages_beside_phq9_and_gad7(client, family_world):
    today = family_world.client.program.today()
    make_observation(family_world.consent, mood=2, sleep=4, concerns={"withdrawal"}, note="Quiet at dinner.")
    record_assessment(family_world.client, "phq9", [1] * 9, today, "self_report", family_world.clinician)
    record_assessment(family_world.client, "gad7", [2] * 7, today, "self_report", family_world.clinician)
    db.session.commit()
    sign_in(client, family_world.clinician)
    page = _tab(client, family_world)
    assert "Collateral information" in page and "from Robin Castellano" in page
    assert "Quiet at dinner." in page and "withdrawal" in page
    weeks = page[page.index('class="family-weeks"') :]
    row = weeks[weeks.index("<tbody>") : weeks.index("</tbody>")]
    assert "<td>2.0</td>" in row and "<td>4.0</td>" in row  # mood and sleep means
    assert "<td>9</td><td>14</td>" in row  # that week's PHQ-9 and GAD-7


def test_a_correction_replaces_the_original_in_the_weekly_averages(client, family_world):
    original = make_observation(family_world.consent, mood=1)
    make_observation(family_world.consent, mood=5, corrects=original)
    sign_in(client, family_world.clinician)
    page = _tab(client, family_world)
    assert "Correction of an earlier report" in page and "Corrected later" in page
    weeks = page[page.index('class="family-weeks"') :]
    row = "".join(weeks[weeks.index("<tbody>") : weeks.index("</tbody>")].split())
    assert "<td>1</td><td>5.0</td>" in row  # one current report, mood 5


def test_the_family_access_log_names_who_viewed_and_submitted(client, family_world):
    family_device = client.application.test_client()
    sign_in(family_device, family_world.family)
    family_device.get(f"/family/{family_world.consent.id}/submissions")
    make_observation(family_world.consent)
    sign_in(client, family_world.clinician)
    page = _tab(client, family_world)
    log = page[page.index("Family access log") :]
    assert "Robin Castellano" in log and "Viewed a family page" in log and "(submissions)" in log
    assert "Sent an observation" in log


def test_hostile_consent_and_revocation_input_is_refused_never_a_500(client, family_world):
    sign_in(client, family_world.clinician)
    today = family_world.client.program.today()
    url = f"/clients/{family_world.client.id}/family/consents"
    for data in (
        _form(today, granted_on="9999-99-99"),
        _form(today, expires_on="0000-01-01"),
        _form(today, recipient_name="x" * 121),
        _form(today, recipient_name="escape\x1bname"),
        _form(today, recipient_email="a@b.c" + "x" * 300),
        _form(today, signed_on="²⁰²⁶-01-01"),
    ):
        assert client.post(url, data=data).status_code == 422, data
    consent = family_world.consent
    revoke = f"/clients/{family_world.client.id}/family/consents/{consent.id}/revoke"
    for reason in ("\x01\x02\x03\x04\x05", "x" * 301, "abc"):
        assert client.post(revoke, data={f"revoke-{consent.id}-reason": reason}).status_code == 422
    db.session.refresh(consent)
    assert consent.revoked_at is None
    assert db.session.scalar(select(func.count()).select_from(Consent)) == 1
