"""In the browser: an incomplete PHQ-9 keeps its answers; item 9 above 0 alerts the case manager at once."""

from playwright.sync_api import expect

from tests.e2e.browser import screenshot, serious_axe_violations, sign_in
from tests.factories import make_cohort, make_enrollment, make_program, make_user


def make_world(app):
    with app.app_context():
        program = make_program("Riverside Adult IOP")
        enrollment = make_enrollment(
            make_cohort(program, name="Tuesday Skills Group"), first_name="Robin", last_name="Hale"
        )
        clinician = make_user("clinician", programs=[program], name="Dana Reyes")
        manager = make_user("case_manager", programs=[program], name="Sam Ortiz")
        return enrollment.client_id, clinician.email, manager.email


def test_phq9_entry_and_the_alert_it_raises(live_app, open_page, page_watch):
    client_id, clinician_email, manager_email = make_world(live_app)
    page_watch.allow_http_status(422)
    page = open_page("clinician")
    sign_in(page, clinician_email)
    page.goto(f"/clients/{client_id}/assessments/new?instrument=phq9")
    for number, answer in ((1, "Several days"), (2, "More than half the days"), (6, "Not at all")):
        page.get_by_role("group", name=f"{number}.", exact=False).first.get_by_label(answer).check()
    page.get_by_role("button", name="Save PHQ-9").click()
    expect(page.get_by_text("Choose an answer for item 9.")).to_be_visible()
    expect(page.locator('input[name="item-2"][value="2"]')).to_be_checked()
    assert serious_axe_violations(page, "phq9 form with errors") == []
    screenshot(page, "assessment-form-errors")

    for number in (3, 4, 5, 7, 8):
        page.locator(f'input[name="item-{number}"][value="0"]').check()
    page.locator('input[name="item-9"][value="1"]').check()
    page.get_by_role("button", name="Save PHQ-9").click()
    expect(page.get_by_text("PHQ-9 recorded: total 4, Minimal.")).to_be_visible()

    manager = open_page("case manager")
    sign_in(manager, manager_email)
    manager.goto(f"/clients/{client_id}")
    expect(manager.get_by_role("heading", name="Open safety alerts")).to_be_visible()
    expect(manager.locator(".alert-count")).to_have_text("1 open")
    assert serious_axe_violations(manager, "client page with an alert") == []
    screenshot(manager, "client-page-alert")
