"""In the browser: every tab of the client record passes axe, fits a tablet, and the dose grid saves a tap."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import has_horizontal_overflow, screenshot, serious_axe_violations, sign_in
from tests.factories import (
    log_doses,
    make_cohort,
    make_custom_instrument,
    make_enrollment,
    make_goal,
    make_medication,
    make_program,
    make_user,
)

TABS = ("assessments", "symptoms", "goals", "medications", "enrollment")


def make_record(app):
    with app.app_context():
        program = make_program("Riverside Adult IOP")
        enrollment = make_enrollment(make_cohort(program), first_name="Robin", last_name="Hale")
        clinician = make_user("clinician", programs=[program], name="Dana Reyes")
        admin = make_user("admin", programs=[program], name="Lee Admin")
        make_custom_instrument(program, key="resilience")
        make_goal(enrollment.client, clinician)
        today = program.today()
        medication = make_medication(enrollment.client, clinician, started_on=today - timedelta(days=20))
        log_doses(medication, clinician, {today - timedelta(days=d): "taken" for d in range(1, 10)})
        return enrollment.client_id, clinician.email, admin.email, program.id


@pytest.mark.parametrize("width", [1280, 768])
def test_every_tab_passes_axe_and_fits(live_app, open_page, width):
    client_id, clinician_email, _, _ = make_record(live_app)
    page = open_page("clinician", viewport={"width": width, "height": 1000})
    sign_in(page, clinician_email)
    for tab in TABS:
        page.goto(f"/clients/{client_id}/{tab}")
        expect(page.locator('.client-tabs a[aria-current="page"]')).to_have_count(1)
        assert serious_axe_violations(page, f"{tab} tab at {width}") == []
        assert not has_horizontal_overflow(page), f"{tab} scrolls sideways at {width}px"
        screenshot(page, f"tab-{tab}-{width}")


def test_a_dose_cell_tap_saves_without_navigation(live_app, open_page):
    client_id, clinician_email, _, _ = make_record(live_app)
    page = open_page("clinician")
    sign_in(page, clinician_email)
    page.goto(f"/clients/{client_id}/medications")
    page.evaluate("window.__notReloaded = true")
    cell = page.locator("form.dose-cell button:not([disabled])").last
    before = cell.get_attribute("aria-label")
    with page.expect_response(lambda r: "/doses/" in r.url and r.request.method == "POST") as saved:
        cell.click()
    assert saved.value.status == 200
    expect(page.locator("form.dose-cell button:not([disabled])").last).not_to_have_attribute(
        "aria-label", before
    )
    assert page.evaluate("window.__notReloaded") is True


def test_admin_instrument_pages_pass_axe(live_app, open_page):
    _, _, admin_email, program_id = make_record(live_app)
    page = open_page("admin")
    sign_in(page, admin_email)
    for path in (
        f"/admin/programs/{program_id}/instruments/",
        f"/admin/programs/{program_id}/instruments/new",
    ):
        page.goto(path)
        assert serious_axe_violations(page, path) == []
