"""The optional weekly attendance summary (issue 9): a weekly mail without PHI under a consent whose scope
includes it, checked at send time, pointing to a portal page with the week's attendance count only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from iop.extensions import db
from iop.jobs import family_summaries_tick
from iop.models import Attendance, AuditEvent, FamilyAttendanceSummary, OutboxMessage
from iop.services.family_summaries import last_completed_week
from tests.factories import PASSWORD, make_consent, make_family_user, make_session, sign_in
from tests.web.family_fixtures import family_world  # noqa: F401

__all__ = ["family_world"]


@pytest.fixture
def world(family_world):
    """Avery's consent to Robin includes the summary; last week had three groups, two attended."""
    consent = family_world.consent
    consent.scope_attendance_summary = True
    consent.granted_on = consent.signed_on = family_world.client.program.today() - timedelta(days=30)
    monday = last_completed_week(consent)
    cohort = family_world.client.enrollments[0].cohort
    enrollment = family_world.client.enrollments[0]
    statuses = {0: "present", 2: "absent_unexcused", 4: "late"}
    for offset, status in statuses.items():
        group = make_session(cohort, monday + timedelta(days=offset), status="held")
        db.session.add(
            Attendance(
                session_id=group.id,
                enrollment_id=enrollment.id,
                status=status,
                minutes_attended=0 if status.startswith("absent") else 60,
                participation=None if status.startswith("absent") else 4,
                note="Spoke about a hard week at home" if status == "present" else "",
                updated_by_id=family_world.clinician.id,
            )
        )
    make_session(cohort, monday + timedelta(days=3), status="cancelled")
    db.session.commit()
    family_world.monday = monday
    return family_world


def summary_mails():
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.purpose == "family_attendance_summary")
    ).all()


def test_the_weekly_job_mails_a_link_without_phi_and_is_audited(app, world):
    assert family_summaries_tick() == 1
    (mail,) = summary_mails()
    assert mail.recipient == "robin@example.test"
    body = mail.body
    for phi in ("Avery", "Stone", "Adult IOP", "attend", "2 of", "group"):
        assert phi not in body
    assert re.search(rf"/family/{world.consent.id}/summary\?week={world.monday.isoformat()}", body)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "family.attendance_summary_sent"))
    assert event.client_id == world.client.id and world.monday.isoformat() in event.details


def test_the_job_sends_once_per_week_however_often_it_runs(app, world):
    assert family_summaries_tick() == 1
    assert family_summaries_tick() == 0
    assert len(summary_mails()) == 1
    assert db.session.scalar(select(func.count(FamilyAttendanceSummary.id))) == 1


def test_no_mail_when_the_scope_leaves_the_summary_out(app, world):
    world.consent.scope_attendance_summary = False
    db.session.commit()
    assert family_summaries_tick() == 0 and summary_mails() == []


def test_consent_state_is_checked_at_send_time(app, world):
    from iop.services.consents import revoke_consent

    revoke_consent(world.consent, "Client asked to stop sharing", world.clinician)
    db.session.commit()
    assert family_summaries_tick() == 0 and summary_mails() == []


def test_an_expired_consent_gets_no_mail(app, world):
    today = world.client.program.today()
    world.consent.granted_on = today - timedelta(days=400)
    world.consent.expires_on = today - timedelta(days=1)
    db.session.commit()
    assert family_summaries_tick() == 0


def test_a_consent_not_yet_accepted_gets_no_mail(app, world):
    make_consent(
        world.client, world.clinician, recipient_email="new@example.test", scope_attendance_summary=True
    )
    assert family_summaries_tick() == 1  # Robin's only


def test_the_page_shows_the_weeks_count_and_nothing_clinical(app, client, world):
    sign_in(client, world.family)
    page = client.get(f"/family/{world.consent.id}/summary")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert "<strong>2</strong> of 3 group sessions attended" in text  # the cancelled one is left out
    for clinical in ("hard week", "Participation", "PHQ", "GAD", "late", "absent", "Absent", "Jordan"):
        assert clinical not in text
    assert "42 CFR part 2" in text
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "family.view")).all()[-1]
    assert '"page": "attendance_summary"' in event.details


def test_the_page_offers_the_week_before_and_refuses_weeks_out_of_range(app, client, world):
    sign_in(client, world.family)
    base = f"/family/{world.consent.id}/summary"
    latest = world.monday
    assert client.get(f"{base}?week={latest.isoformat()}").status_code == 200
    earlier = latest - timedelta(days=7)
    page = client.get(f"{base}?week={earlier.isoformat()}")
    assert page.status_code == 200 and "No group sessions were scheduled this week." in page.text
    assert "Week after" in page.text
    assert client.get(f"{base}?week={(latest + timedelta(days=7)).isoformat()}").status_code == 404
    assert (
        client.get(f"{base}?week={(latest + timedelta(days=1)).isoformat()}").status_code == 404
    )  # a Tuesday
    for hostile in ("2026-02-30", "9999-12-31", "0001-01-01", "²⁰²⁶-01-05", "x" * 500, "2026-1-5", "%00"):
        assert client.get(f"{base}?week={hostile}").status_code in (400, 404), hostile


def test_without_the_summary_in_scope_the_page_is_not_found(app, client, world):
    world.consent.scope_attendance_summary = False
    db.session.commit()
    sign_in(client, world.family)
    assert client.get(f"/family/{world.consent.id}/summary").status_code == 404
    assert "Weekly summary" not in client.get(f"/family/{world.consent.id}/submissions").text


def test_after_revocation_the_page_leads_to_access_ended(app, client, world):
    from iop.services.consents import revoke_consent

    sign_in(client, world.family)
    assert client.get(f"/family/{world.consent.id}/summary").status_code == 200
    revoke_consent(world.consent, "Client asked to stop sharing", world.clinician)
    db.session.commit()
    response = client.get(f"/family/{world.consent.id}/summary")
    assert response.status_code == 302 and response.headers["Location"] == "/family/ended"


def test_another_family_member_cannot_open_it(app, client, world):
    other = make_family_user(email="someone@example.test")
    make_consent(world.client, world.clinician, family=other, scope_attendance_summary=True)
    sign_in(client, other)
    assert client.get(f"/family/{world.consent.id}/summary").status_code == 404


# The invitation form that links an existing account by password is throttled like sign-in.


def test_linking_an_existing_account_is_throttled_like_sign_in(app, client, family_world):
    from tests.factories import make_cohort, make_enrollment, make_invitation

    sibling = make_enrollment(make_cohort(family_world.client.program), first_name="Blake").client
    consent = make_consent(sibling, family_world.clinician, recipient_email="robin@example.test")
    path = f"/family/invitations/{make_invitation(consent, family_world.clinician)}"
    for _ in range(5):
        wrong = client.post(path, data={"password": "not my password at all"})
        assert wrong.status_code == 422 and "not the password of your existing account" in wrong.text
    locked = client.post(path, data={"password": PASSWORD})
    assert locked.status_code == 422 and "Too many attempts" in locked.text
    db.session.refresh(consent)
    assert consent.family_user_id is None
    failed = db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "auth.sign_in_failed")
    ).all()
    assert len(failed) == 6 and sum('"throttled": true' in d for d in failed) == 1
    assert "robin" not in " ".join(failed)
