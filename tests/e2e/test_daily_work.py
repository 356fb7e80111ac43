"""In the browser: finding clients, admitting one, the alert history, the to-do list, ending a medication,
and the small things (focus after a refused form, unique ids, touch targets, crisis numbers)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from iop import clock
from iop.extensions import db
from iop.services.assessments import record_assessment
from tests.e2e.browser import has_horizontal_overflow, screenshot, serious_axe_violations, sign_in
from tests.factories import (
    make_cohort,
    make_enrollment,
    make_medication,
    make_program,
    make_session,
    make_user,
)

pytestmark = pytest.mark.e2e
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def world(live_app):
    """A program with a current, a future and a past client, staff of each role, one open alert."""
    with live_app.app_context():
        program = make_program("Riverside Adult IOP")
        clinician = make_user("clinician", programs=[program], email="dana@example.test", name="Dana Reyes")
        manager = make_user(
            "case_manager", programs=[program], email="casey@example.test", name="Casey Morgan"
        )
        admin = make_user("admin", programs=[program], email="alex@example.test", name="Alex Kim")
        morning = make_cohort(program, name="Morning Group", facilitators=[clinician])
        evening = make_cohort(program, name="Evening Group")
        today = program.today()
        current = make_enrollment(morning, first_name="Robin", last_name="Hale")
        current.client.date_of_birth = date(1988, 5, 14)
        current.client.mrn = "RIV-2001"
        future = make_enrollment(
            evening, started_on=today + timedelta(days=1), first_name="Noor", last_name="Haddad"
        )
        past = make_enrollment(
            morning,
            started_on=today - timedelta(days=70),
            ended_on=today - timedelta(days=30),
            first_name="Theo",
            last_name="Hale-Brook",
        )
        record_assessment(current.client, "phq9", [1] * 8 + [1], today, "self_report", clinician)
        record_assessment(current.client, "gad7", [1] * 7, today, "self_report", clinician)
        held = make_session(morning, day=today - timedelta(days=1), status="held")
        db.session.commit()
        return {
            "clinician": clinician.email,
            "manager": manager.email,
            "admin": admin.email,
            "cohort_id": morning.id,
            "current": current.client_id,
            "future": future.client_id,
            "past": past.client_id,
            "held_session": held.id,
        }


def test_the_client_list_finds_future_and_past_clients_as_you_type(page: Page, world):
    sign_in(page, world["clinician"])
    page.get_by_role("link", name="Clients").click()
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Hale, Robin")).to_be_visible()
    expect(results.get_by_text("Pre-admission")).to_be_visible()
    expect(results.get_by_text("Discharged")).to_be_visible()

    page.get_by_label("Name, date of birth or MRN").press_sequentially("hale")
    expect(results.get_by_role("link")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"q=hale"))
    page.get_by_label("Status").select_option("discharged")
    expect(results.get_by_role("link")).to_have_count(1)
    expect(results.get_by_role("link", name="Hale-Brook, Theo")).to_be_visible()

    page.get_by_label("Status").select_option("")
    page.get_by_label("Name, date of birth or MRN").fill("RIV-2001")
    page.get_by_label("Name, date of birth or MRN").press("Enter")
    expect(results.get_by_role("link")).to_have_count(1)
    expect(results.get_by_role("link", name="Hale, Robin")).to_be_visible()
    assert serious_axe_violations(page, "client list") == []
    page.get_by_label("Name, date of birth or MRN").fill("")
    page.get_by_label("Name, date of birth or MRN").press("Enter")
    expect(results.get_by_role("link")).to_have_count(3)
    screenshot(page, "client-list-1280")
    page.set_viewport_size(TABLET)
    assert not has_horizontal_overflow(page)
    screenshot(page, "client-list-768")


def test_admitting_a_possible_duplicate_shows_the_match_then_a_visible_success(page: Page, page_watch, world):
    page_watch.allow_http_status(422)
    sign_in(page, world["manager"])
    page.goto(f"/cohorts/{world['cohort_id']}")
    page.get_by_text("Admit a client").click()
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Hale")
    page.get_by_label("Date of birth").fill("1988-05-14")
    page.get_by_role("button", name="Admit", exact=True).click()

    match = page.get_by_role("alert").filter(has_text="Is this the same person?")
    expect(match).to_be_visible()
    expect(match.get_by_role("link", name="Robin Hale")).to_have_attribute(
        "href", f"/clients/{world['current']}"
    )
    expect(match).to_be_focused()  # focus moves to what the case manager must answer
    expect(page.get_by_label("First name")).to_have_value("Robin")

    page.get_by_label("This is a different person: admit anyway").check()
    page.get_by_role("button", name="Admit", exact=True).click()
    message = page.get_by_role("status").filter(has_text="Robin Hale was admitted")
    expect(message).to_be_visible()
    expect(message.get_by_role("link", name="Open the client's record")).to_be_visible()
    expect(page.locator("#roster").get_by_role("link", name="Hale, Robin")).to_have_count(2)


def test_focus_moves_to_the_first_error_after_a_refused_admission(page: Page, page_watch, world):
    page_watch.allow_http_status(422)
    sign_in(page, world["manager"])
    page.goto(f"/cohorts/{world['cohort_id']}")
    page.get_by_text("Admit a client").click()
    page.get_by_label("Email").fill("not-an-address")
    page.get_by_role("button", name="Admit", exact=True).click()
    expect(page.get_by_label("First name")).to_be_focused()
    expect(page.get_by_label("First name")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Email")).to_have_value("not-an-address")


def test_an_acknowledged_alert_stays_in_the_history(page: Page, world):
    sign_in(page, world["clinician"])
    page.goto("/alerts/")
    card = page.locator(".alert-card").first
    expect(card).to_contain_text("Goes to the program admins in")
    card.get_by_label("What was done").fill("Called Robin; safety plan reviewed")
    card.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".alert-card").first).to_contain_text("Acknowledged by Dana Reyes")

    page.reload()
    history = page.get_by_role("region", name="Acknowledged")
    expect(history).to_contain_text("Called Robin; safety plan reviewed")
    expect(history).to_contain_text(re.compile(r"after \d+ min open"))
    screenshot(page, "alert-history")
    page.goto(f"/clients/{world['current']}")
    page.get_by_text("Past safety alerts (1)").click()
    expect(page.get_by_text("Called Robin; safety plan reviewed")).to_be_visible()


def test_an_admin_acknowledges_an_escalated_alert(page: Page, live_app, world):
    with live_app.app_context():
        from iop.models import Alert

        alert = db.session.scalars(db.select(Alert)).one()
        alert.escalated_at = clock.now()
        db.session.commit()
    sign_in(page, world["admin"])
    page.goto("/alerts/")
    page.get_by_label("What was done").fill("Reached the on-call clinician")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".alert-card").first).to_contain_text("Acknowledged by Alex Kim")


def test_the_home_page_lists_what_is_left_to_do(page: Page, world):
    sign_in(page, world["clinician"])
    todo = page.get_by_role("region", name="To do")
    expect(todo.get_by_role("heading", name=re.compile("Open safety alerts"))).to_be_visible()
    expect(todo.get_by_role("link", name="Robin Hale")).to_be_visible()
    expect(todo.get_by_role("heading", name=re.compile("Notes to sign"))).to_be_visible()
    todo.get_by_role("link", name=re.compile("Morning Group")).click()
    expect(page).to_have_url(re.compile(rf"/sessions/{world['held_session']}#note$"))
    page.go_back()
    screenshot(page, "todo-list")


def test_ending_a_medication_asks_first_and_can_be_undone(page: Page, live_app, world):
    with live_app.app_context():
        from iop.models import Client, User

        client = db.session.get(Client, world["current"])
        clinician = db.session.scalars(db.select(User).where(User.email == world["clinician"])).one()
        make_medication(client, clinician, name="Sertraline", dose="50 mg")
    sign_in(page, world["clinician"])
    page.goto(f"/clients/{world['current']}/medications")
    medications = page.locator(".medication-list")
    expect(medications.get_by_role("button", name="Yes, end Sertraline")).to_be_hidden()
    medications.get_by_role("button", name="End… Sertraline").click()
    expect(medications.get_by_text("End Sertraline 50 mg?")).to_be_visible()
    medications.get_by_role("button", name="Yes, end Sertraline").click()
    expect(page.get_by_role("status").filter(has_text="Sertraline ends on")).to_be_visible()
    page.locator(".medication-list").get_by_role("button", name="Undo end of Sertraline").click()
    expect(page.get_by_role("status").filter(has_text="Sertraline continues")).to_be_visible()
    expect(page.locator(".medication-list").get_by_role("button", name="End… Sertraline")).to_be_visible()


def test_no_page_repeats_an_element_id(page: Page, world):
    sign_in(page, world["manager"])
    for path in (
        f"/clients/{world['current']}/symptoms",
        f"/clients/{world['current']}/enrollment",
        f"/clients/{world['current']}/medications",
        f"/cohorts/{world['cohort_id']}",
    ):
        page.goto(path)
        repeated = page.evaluate(
            """() => {
                 const seen = {};
                 document.querySelectorAll('[id]').forEach(e => { seen[e.id] = (seen[e.id] || 0) + 1; });
                 return Object.keys(seen).filter(id => seen[id] > 1);
               }"""
        )
        assert repeated == [], f"{path} repeats ids {repeated}"


def test_controls_are_at_least_44_px_high_on_a_phone(open_page, world):
    page = open_page(viewport=PHONE)
    sign_in(page, world["clinician"])
    page.goto(f"/clients/{world['current']}")
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll(
                  'button, summary[role=button], input:not([type=hidden]), select, nav a'))
              .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
              .map(e => (e.textContent || e.name || e.id).trim().slice(0, 30))"""
    )
    assert small == []


def test_crisis_numbers_are_phone_links(page: Page, live_app):
    with live_app.app_context():
        from tests.web.test_access import make_family_member

        email = make_family_member().email
    sign_in(page, email)
    expect(page.get_by_role("link", name="988")).to_have_attribute("href", "tel:988")
    expect(page.get_by_role("link", name="911")).to_have_attribute("href", "tel:911")


def test_the_header_keeps_the_current_cohort_until_a_transfer_takes_effect(page: Page, world):
    sign_in(page, world["manager"])
    page.goto(f"/clients/{world['current']}/enrollment")
    tomorrow = (date.fromisoformat(page.get_by_label("From").input_value()) + timedelta(days=1)).isoformat()
    page.get_by_label("New cohort").select_option(label="Evening Group")
    page.get_by_label("From").fill(tomorrow)
    page.get_by_role("button", name="Move").click()
    header = page.locator(".client-header hgroup")
    expect(header).to_contain_text("Morning Group · week")
    expect(header).to_contain_text("moves to Evening Group from")
