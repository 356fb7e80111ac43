"""In the browser: the overview charts draw (CSP-clean), and a new safety alert reaches an open page."""

from datetime import timedelta

from playwright.sync_api import expect

from iop.extensions import db
from iop.models import AssessmentResponse, Attendance
from tests.e2e.browser import screenshot, serious_axe_violations, sign_in
from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user


def make_history(app):
    with app.app_context():
        program = make_program("Riverside Adult IOP")
        cohort = make_cohort(program, name="Tuesday Skills Group")
        clinician = make_user("clinician", programs=[program], name="Dana Reyes")
        manager = make_user("case_manager", programs=[program], name="Sam Ortiz")
        today = program.today()
        start = today - timedelta(days=35)
        enrollment = make_enrollment(cohort, started_on=start, first_name="Robin", last_name="Hale")
        for week in range(5):
            day = start + timedelta(days=7 * week)
            s = make_session(cohort, day=day, status="held")
            db.session.add(
                Attendance(
                    session_id=s.id,
                    enrollment_id=enrollment.id,
                    status="present",
                    minutes_attended=180,
                    participation=3 + week % 2,
                    updated_by_id=clinician.id,
                )
            )
            for key, total, severity in (
                ("phq9", 19 - 3 * week, "moderate"),
                ("gad7", 15 - 2 * week, "mild"),
            ):
                db.session.add(
                    AssessmentResponse(
                        client_id=enrollment.client_id,
                        enrollment_id=enrollment.id,
                        instrument=key,
                        administered_on=day,
                        answers_json="[]",
                        total=total,
                        severity=severity,
                        source="self_report",
                        entered_by_id=clinician.id,
                    )
                )
        db.session.commit()
        return enrollment.client_id, clinician.email, manager.email


def test_overview_charts_draw_and_tabs_keep_real_urls(live_app, open_page):
    client_id, clinician_email, _ = make_history(live_app)
    page = open_page("clinician")
    sign_in(page, clinician_email)
    page.goto(f"/clients/{client_id}")
    for selector in ('canvas[data-key="phq9"]', 'canvas[data-key="gad7"]', 'canvas[data-chart="hours"]'):
        expect(page.locator(selector)).to_have_attribute("data-drawn", "true")
    expect(page.get_by_text("Reliable improvement").first).to_be_visible()
    assert serious_axe_violations(page, "client overview") == []
    screenshot(page, "client-overview")

    page.get_by_role("link", name="Enrollment").click()
    expect(page).to_have_url(f"{page.url.split('/clients/')[0]}/clients/{client_id}/enrollment")
    expect(page.get_by_role("heading", name="Enrollments")).to_be_visible()
    page.go_back()
    expect(page.locator('canvas[data-key="phq9"]')).to_have_attribute("data-drawn", "true")


def test_a_new_safety_alert_reaches_an_open_page_without_reload(live_app, open_page):
    client_id, clinician_email, manager_email = make_history(live_app)
    manager = open_page("case manager")
    sign_in(manager, manager_email)
    manager.evaluate("window.__notReloaded = true")
    expect(manager.locator(".alert-count")).to_have_text("0 open")

    clinician = open_page("clinician")
    sign_in(clinician, clinician_email)
    clinician.goto(f"/clients/{client_id}/assessments/new?instrument=phq9")
    for number in range(1, 9):
        clinician.locator(f'input[name="item-{number}"][value="1"]').check()
    clinician.locator('input[name="item-9"][value="1"]').check()
    clinician.get_by_role("button", name="Save PHQ-9").click()
    expect(clinician.get_by_text("PHQ-9 recorded: total 9, Mild.")).to_be_visible()

    # The badge polls (every 60 s in production, 2 s here); the page is never reloaded.
    expect(manager.locator(".alert-count")).to_have_text("1 open", timeout=10_000)
    assert manager.evaluate("window.__notReloaded") is True
