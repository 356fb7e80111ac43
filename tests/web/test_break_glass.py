"""Break-glass access: off by default per program; when on, a clinician of another program reads a
client's record with a written reason, for a limited time, the program's admins are told, and every
view under it is audited with the grant's id (the reason stays on the grant)."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from iop.extensions import db
from iop.models import BREAK_GLASS_MINUTES, AuditEvent, BreakGlassGrant, Goal, Notification
from tests.factories import make_cohort, make_enrollment, make_program, make_user

REASON = "Client called the crisis line at night; their own team is not reachable."
# What a clinician may read of a client under a grant (the tabs of the client's record and its JSON).
# The progress JSON first: fetched after the overview it is part of that visit's one audit event.
READ_URLS = (
    "/api/v1/clients/{id}/progress",
    "/clients/{id}",
    "/clients/{id}/assessments",
    "/clients/{id}/enrollment",
    "/clients/{id}/family",
    "/clients/{id}/goals",
    "/clients/{id}/medications",
    "/clients/{id}/medications/adherence",
    "/clients/{id}/symptoms",
    "/reviews/clients/{id}",
    "/reviews/clients/{id}/summary",
)


@pytest.fixture
def clinic(app):
    """Program A (its client with MRN A-100, its admin) and program B (a clinician, B's admin)."""
    a, b = make_program("Program A"), make_program("Program B")
    client = make_enrollment(make_cohort(a), mrn="A-100", last_name="Glassman").client
    return {
        "a": a,
        "b": b,
        "client": client,
        "a_admin": make_user("admin", programs=[a], name="Ada Admin"),
        "b_admin": make_user("admin", programs=[b], name="Bo Admin"),
        "clinician": make_user("clinician", programs=[b], name="Cam Clinician"),
    }


def turn_on(program):
    program.break_glass_enabled = True
    db.session.commit()


def ask(client, program, mrn="A-100", reason=REASON):
    return client.post("/break-glass/", data={"program_id": str(program.id), "mrn": mrn, "reason": reason})


def grant_count() -> int:
    return db.session.scalar(select(func.count(BreakGlassGrant.id)))


def test_a_program_starts_with_break_glass_off_and_nothing_opens(clinic, login):
    assert not clinic["a"].break_glass_enabled
    browser = login(clinic["clinician"])
    assert "No other program allows break-glass access" in browser.get("/break-glass/").text
    response = ask(browser, clinic["a"])
    assert response.status_code == 422
    assert grant_count() == 0
    assert browser.get(f"/clients/{clinic['client'].id}").status_code == 404


def test_an_admin_of_the_program_turns_it_on_and_it_is_audited(clinic, login):
    a = clinic["a"]
    response = login(clinic["a_admin"]).post(
        f"/admin/programs/{a.id}/edit",
        data={"name": "Program A", "timezone": a.timezone, "population": "adult", "break_glass_enabled": "y"},
    )
    assert response.status_code == 303
    db.session.refresh(a)
    assert a.break_glass_enabled
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "program.update")).all()
    details = json.loads(event.details)
    assert (details["before"]["break_glass_enabled"], details["after"]["break_glass_enabled"]) == (
        False,
        True,
    )


def test_with_it_on_a_clinician_opens_the_client_with_a_reason_for_a_limited_time(clinic, login):
    turn_on(clinic["a"])
    browser = login(clinic["clinician"])
    assert f'value="{clinic["a"].id}"' in browser.get("/break-glass/").text
    response = ask(browser, clinic["a"])
    assert response.status_code == 303
    assert response.headers["Location"] == f"/clients/{clinic['client'].id}"
    grant = db.session.scalar(select(BreakGlassGrant))
    assert (grant.user_id, grant.client_id, grant.program_id, grant.reason) == (
        clinic["clinician"].id,
        clinic["client"].id,
        clinic["a"].id,
        REASON,
    )
    assert grant.expires_at - grant.granted_at == timedelta(minutes=BREAK_GLASS_MINUTES)
    page = browser.get(response.headers["Location"])
    assert page.status_code == 200
    assert (
        "Glassman" in page.text
        and "Break-glass access: you are reading a client of another program" in page.text
    )


def test_the_programs_admins_are_told_without_the_client_or_the_reason(clinic, login):
    turn_on(clinic["a"])
    ask(login(clinic["clinician"]), clinic["a"])
    notices = db.session.scalars(select(Notification).where(Notification.kind == "break_glass")).all()
    assert [notice.user_id for notice in notices] == [clinic["a_admin"].id]  # not B's admin
    assert "Cam Clinician" in notices[0].text
    assert "Glassman" not in notices[0].text and "crisis" not in notices[0].text
    assert notices[0].link == "/admin/break-glass/"


def test_every_view_under_the_grant_is_audited_with_its_id_and_never_the_reason(clinic, login):
    turn_on(clinic["a"])
    browser = login(clinic["clinician"])
    ask(browser, clinic["a"])
    grant = db.session.scalar(select(BreakGlassGrant))
    for url in READ_URLS:
        before = db.session.scalar(select(func.max(AuditEvent.id)))
        response = browser.get(url.format(id=clinic["client"].id))
        assert response.status_code == 200, url
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > before, AuditEvent.actor_id == clinic["clinician"].id)
        ).all()
        assert events, f"{url} was not audited"
        assert all(json.loads(event.details)["break_glass_grant_id"] == grant.id for event in events), url
    every_detail = " ".join(db.session.scalars(select(AuditEvent.details)))
    assert "crisis" not in every_detail and REASON not in every_detail
    granted = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "break_glass.grant"))
    assert (granted.object_id, granted.client_id) == (str(grant.id), clinic["client"].id)


def test_break_glass_reads_only(clinic, login):
    turn_on(clinic["a"])
    browser = login(clinic["clinician"])
    ask(browser, clinic["a"])
    response = browser.post(
        f"/clients/{clinic['client'].id}/goals", data={"title": "A goal", "domain": "mood"}
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(Goal.id))) == 0
    page = browser.get(f"/clients/{clinic['client'].id}/goals").text
    assert f'action="/clients/{clinic["client"].id}/goals"' not in page  # no form to add one


def test_the_grant_ends_when_its_time_is_up(clinic, login):
    turn_on(clinic["a"])
    browser = login(clinic["clinician"])
    ask(browser, clinic["a"])
    grant = db.session.scalar(select(BreakGlassGrant))
    grant.granted_at -= timedelta(minutes=BREAK_GLASS_MINUTES + 1)
    grant.expires_at -= timedelta(minutes=BREAK_GLASS_MINUTES + 1)
    db.session.commit()
    assert browser.get(f"/clients/{clinic['client'].id}").status_code == 404


def test_turning_it_off_ends_open_grants(clinic, login):
    turn_on(clinic["a"])
    browser = login(clinic["clinician"])
    ask(browser, clinic["a"])
    clinic["a"].break_glass_enabled = False
    db.session.commit()
    assert browser.get(f"/clients/{clinic['client'].id}").status_code == 404


def test_a_short_reason_or_an_unknown_record_number_opens_nothing(clinic, login):
    turn_on(clinic["a"])
    browser = login(clinic["clinician"])
    short = ask(browser, clinic["a"], reason="need it")
    assert short.status_code == 422 and "Write between 20 and 2000 characters." in short.text
    assert "need it" in short.text  # what was typed comes back
    unknown = ask(browser, clinic["a"], mrn="A-999")
    assert unknown.status_code == 422 and "No client of this program has that record number." in unknown.text
    assert grant_count() == 0
    [attempt] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "break_glass.not_found")
    ).all()
    assert "A-999" not in attempt.details
    assert browser.get(f"/clients/{clinic['client'].id}").status_code == 404


def test_only_clinicians_may_break_glass_and_not_into_their_own_program(clinic, login):
    turn_on(clinic["a"])
    case_manager = make_user("case_manager", programs=[clinic["b"]])
    assert login(case_manager).get("/break-glass/").status_code == 403
    turn_on(clinic["b"])
    page = login(clinic["clinician"]).get("/break-glass/").text
    assert "Program A" in page and "Program B" not in page  # their own program needs no glass broken


def test_the_admins_page_lists_grants_with_their_reason_and_is_audited(clinic, login):
    turn_on(clinic["a"])
    ask(login(clinic["clinician"]), clinic["a"])
    page = login(clinic["a_admin"]).get("/admin/break-glass/").text
    assert "Cam Clinician opened" in page and "Glassman" in page and REASON in page
    listed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "break_glass.list"))
    assert listed.client_id == clinic["client"].id
    assert "Glassman" not in login(clinic["b_admin"]).get("/admin/break-glass/").text
