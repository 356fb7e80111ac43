"""Invitations: a single-use link, stored hashed, valid 72 hours, mailed through the outbox."""

import hashlib
import re
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from iop import clock
from iop.extensions import db
from iop.models import AuditEvent, Consent, Invitation, OutboxMessage, User, UserSession
from tests.factories import PASSWORD, make_consent, make_family_user, make_user, sign_in
from tests.web.family_fixtures import family_world  # noqa: F401

__all__ = ["family_world"]
NEW_PASSWORD = "a kitchen table in june"


def _invite(app, world, consent=None) -> str:
    """Send the invitation from the Family tab as the clinician; returns the link's path from the outbox."""
    consent = consent or world.consent
    staff = app.test_client()
    sign_in(staff, world.clinician)
    response = staff.post(f"/clients/{world.client.id}/family/consents/{consent.id}/invite")
    assert response.status_code == 303
    body = db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"http://localhost(/family/invitations/\S+)", body).group(1)


def _new_consent(world, email="newcomer@example.test"):
    return make_consent(world.client, world.clinician, recipient_email=email, recipient_name="Casey New")


def test_an_invitation_is_mailed_through_the_outbox_with_a_hashed_single_use_token(app, family_world):
    consent = _new_consent(family_world)
    path = _invite(app, family_world, consent)
    token = path.rsplit("/", 1)[1]
    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == "newcomer@example.test" and message.purpose == "family_invitation"
    assert message.status == "held" and message.program_id == family_world.client.program_id
    assert "Avery" not in message.body and "Stone" not in message.body  # no client details in mail
    invitation = db.session.scalar(select(Invitation))
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert invitation.expires_at - invitation.created_at == timedelta(hours=72)


def test_the_admins_outbox_page_shows_the_held_invitation(app, family_world):
    path = _invite(app, family_world, _new_consent(family_world))
    admin = app.test_client()
    sign_in(admin, make_user("admin", programs=[family_world.client.program]))
    page = admin.get("/admin/outbox/").text
    assert "newcomer@example.test" in page and path in page and "Held in the outbox" in page
    outsider = app.test_client()
    sign_in(outsider, make_user("admin", programs=[]))
    assert "newcomer@example.test" not in outsider.get("/admin/outbox/").text


def test_accepting_creates_the_family_account_links_the_consent_and_signs_in(app, client, family_world):
    consent = _new_consent(family_world)
    path = _invite(app, family_world, consent)
    page = client.get(path).text
    assert "Welcome, Casey New" in page and "newcomer@example.test" in page
    data = {"full_name": "Casey New", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = client.post(path, data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/family/"
    user = db.session.scalar(select(User).where(User.email == "newcomer@example.test"))
    assert user.kind == "family" and user.roles == frozenset() and user.programs == []
    db.session.refresh(consent)
    assert consent.family_user_id == user.id
    assert client.get("/family/").headers["Location"] == f"/family/{consent.id}/observation"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)).all()
    assert {"user.create", "consent.accept", "auth.sign_in"} <= set(actions)


def test_the_password_rules_of_staff_apply(app, client, family_world):
    path = _invite(app, family_world, _new_consent(family_world))
    short = client.post(path, data={"full_name": "Casey", "password": "short", "confirm": "short"})
    assert short.status_code == 422 and "Use at least 12 characters." in short.text
    common = client.post(
        path, data={"full_name": "Casey", "password": "password1234", "confirm": "password1234"}
    )
    assert "too common" in common.text
    mismatch = client.post(
        path, data={"full_name": "Casey", "password": NEW_PASSWORD, "confirm": "other words!!"}
    )
    assert "not the same" in mismatch.text and 'value="Casey"' in mismatch.text
    assert db.session.scalar(select(func.count()).select_from(User).where(User.kind == "family")) == 1


def test_a_used_link_gets_a_clear_page(app, client, family_world):
    path = _invite(app, family_world, _new_consent(family_world))
    client.post(path, data={"full_name": "Casey", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    again = app.test_client().get(path)
    assert again.status_code == 410 and "This link was already used" in again.text
    repost = app.test_client().post(path, data={"password": NEW_PASSWORD})
    assert repost.status_code == 410


def test_an_expired_link_gets_a_clear_page(app, family_world):
    path = _invite(app, family_world, _new_consent(family_world))
    with time_machine.travel(clock.now() + timedelta(hours=71, minutes=59), tick=False):
        assert app.test_client().get(path).status_code == 200
    with time_machine.travel(clock.now() + timedelta(hours=72, minutes=1), tick=False):
        response = app.test_client().get(path)
        assert response.status_code == 410 and "This link has expired" in response.text


def test_a_tampered_link_gets_a_clear_page(app, family_world):
    path = _invite(app, family_world, _new_consent(family_world))
    for bad in (
        path[:-1] + ("A" if path[-1] != "A" else "B"),
        "/family/invitations/x",
        "/family/invitations/%00",
    ):
        response = app.test_client().get(bad)
        assert response.status_code == 404 and "This link does not work" in response.text, bad


def test_a_new_invitation_replaces_the_earlier_link(app, family_world):
    consent = _new_consent(family_world)
    first = _invite(app, family_world, consent)
    second = _invite(app, family_world, consent)
    assert "This link was replaced" in app.test_client().get(first).text
    assert app.test_client().get(second).status_code == 200


def test_a_revoked_consent_kills_its_open_link(app, family_world):
    consent = _new_consent(family_world)
    path = _invite(app, family_world, consent)
    staff = app.test_client()
    sign_in(staff, family_world.clinician)
    staff.post(
        f"/clients/{family_world.client.id}/family/consents/{consent.id}/revoke",
        data={f"revoke-{consent.id}-reason": "Client changed their mind"},
    )
    assert "This link was replaced" in app.test_client().get(path).text


def test_an_invitation_to_an_existing_family_account_links_it_after_its_password(app, client, family_world):
    # Robin already supports Avery; a second client (a sibling) now consents to Robin too.
    from tests.factories import make_cohort, make_enrollment

    sibling = make_enrollment(make_cohort(family_world.client.program), first_name="Blake").client
    consent = make_consent(sibling, family_world.clinician, recipient_email="robin@example.test")
    path = _invite(app, family_world.__class__(sibling, family_world.clinician, family_world.family, consent))
    page = client.get(path).text
    assert "You already have an account" in page and "Choose a password" not in page
    wrong = client.post(path, data={"password": "not my password at all"})
    assert wrong.status_code == 422 and "not the password of your existing account" in wrong.text
    response = client.post(path, data={"password": PASSWORD})
    assert response.status_code == 303
    db.session.refresh(consent)
    assert consent.family_user_id == family_world.family.id
    assert db.session.scalar(select(func.count()).select_from(User).where(User.kind == "family")) == 1
    assert "Who is this about?" in client.get("/family/").text  # two people supported now


def test_an_invitation_to_a_staff_email_cannot_take_over_the_staff_account(app, client, family_world):
    staff_member = make_user("clinician", programs=[], email="colleague@example.test")
    path = _invite(app, family_world, _new_consent(family_world, email="colleague@example.test"))
    response = client.post(path, data={"password": PASSWORD})
    assert response.status_code == 422 and "cannot be linked" in response.text
    assert (
        db.session.scalar(
            select(func.count()).select_from(Consent).where(Consent.family_user_id.is_not(None))
        )
        == 1
    )
    assert db.session.get(User, staff_member.id).kind == "staff"


def test_only_an_active_consent_can_send_an_invitation(app, family_world):
    consent = _new_consent(family_world)
    consent.granted_on = family_world.client.program.today() - timedelta(days=400)
    consent.expires_on = family_world.client.program.today() - timedelta(days=35)
    db.session.commit()
    staff = app.test_client()
    sign_in(staff, family_world.clinician)
    response = staff.post(f"/clients/{family_world.client.id}/family/consents/{consent.id}/invite")
    assert response.status_code == 422 and "Only an active consent" in response.text
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_accepting_ends_nobody_elses_sessions(app, client, family_world):
    other = make_family_user()
    sign_in(app.test_client(), other)
    path = _invite(app, family_world, _new_consent(family_world))
    client.post(path, data={"full_name": "Casey", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    open_sessions = (
        select(func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == other.id, UserSession.ended_at.is_(None))
    )
    assert db.session.scalar(open_sessions) == 1


def test_hostile_input_on_the_invitation_page_is_refused_never_a_500(app, client, family_world):
    path = _invite(app, family_world, _new_consent(family_world))
    for data in (
        {"full_name": "bell\x07name", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        {"full_name": "x" * 121, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        {"full_name": "Casey", "password": "p" * 10_000, "confirm": "q"},
        {"full_name": "<script>alert(1)</script>", "password": "", "confirm": ""},
    ):
        response = client.post(path, data=data)
        assert response.status_code == 422 and "<script>alert(1)" not in response.text, data
    assert db.session.scalar(select(func.count()).select_from(User).where(User.kind == "family")) == 1
    assert app.test_client().get(path).status_code == 200  # the link still works


def test_a_new_family_password_may_not_hold_the_invited_email_or_name(app, client, family_world):
    path = _invite(app, family_world, _new_consent(family_world, email="casey.new@example.test"))
    for password, message in [
        ("casey.new garden path", "Do not use your email or your name"),
        ("my name is NEW here ok", "Do not use your email or your name"),
        ("password1234", "This password is too common"),
        ("aaaaaaaaaaaaa", "This password is too common"),
    ]:
        response = client.post(
            path, data={"full_name": "Casey New", "password": password, "confirm": password}
        )
        assert response.status_code == 422 and message in response.text, password
    assert db.session.scalar(select(func.count()).select_from(User).where(User.kind == "family")) == 1
