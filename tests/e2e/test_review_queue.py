"""In the browser: a case manager works the review queue: expands a review, steps the client down with
a rationale; the client leaves the roster from the effective date and the decision shows on their page."""

from playwright.sync_api import expect

from iop.extensions import db
from iop.services.reviews import compute_cohort_reviews
from tests.e2e.browser import screenshot, serious_axe_violations, sign_in
from tests.reviews.data import add_member, build_review_world


def make_queue(app):
    with app.app_context():
        world = build_review_world(0)
        candidate = add_member(world)
        add_member(world, minutes=0)
        compute_cohort_reviews(world.cohort, world.week_start)
        db.session.commit()
        return {
            "manager_email": world.case_manager.email,
            "clinician_email": world.clinician.email,
            "cohort_id": world.cohort.id,
            "client_id": candidate.client_id,
            "name": candidate.client.full_name,
            "today": world.program.today().isoformat(),
        }


def test_a_case_manager_steps_a_client_down_from_the_queue(live_app, open_page):
    data = make_queue(live_app)
    page = open_page("case manager")
    sign_in(page, data["manager_email"])
    page.get_by_role("link", name="Reviews").first.click()
    row = page.locator("article.review-row", has=page.get_by_role("link", name=data["name"]))
    expect(row.locator(".rec")).to_have_text("Ready to step down")
    assert serious_axe_violations(page, "review queue") == []

    row.get_by_role("button", name="Evidence and reasons").click()
    expect(row.locator(".reasons li").first).to_contain_text("enrolled 35 days")
    expect(row.get_by_text("15 → 4")).to_be_visible()
    row.get_by_role("button", name="Decide").click()
    form = row.locator("form")
    form.locator("label", has_text="Step down").click()
    form.get_by_label("Destination or discharge type").select_option("standard_outpatient")
    form.get_by_label("Effective date").fill(data["today"])
    form.get_by_label("Rationale").fill("Remission on PHQ-9 and GAD-7, attending every group.")
    assert serious_axe_violations(page, "decision form") == []
    screenshot(page, "review-queue-decide")
    form.get_by_role("button", name="Record the decision").click()
    expect(row.locator(".decision-panel")).to_contain_text("Step down: Standard outpatient (ASAM 1)")

    page.goto(f"/cohorts/{data['cohort_id']}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text(data["name"])).to_have_count(0)

    clinician = open_page("clinician")
    sign_in(clinician, data["clinician_email"])
    clinician.goto(f"/clients/{data['client_id']}")
    clinician.get_by_role("link", name="Reviews").last.click()
    expect(clinician.locator("#record")).to_contain_text("Step down: Standard outpatient (ASAM 1)")
    assert serious_axe_violations(clinician, "client reviews tab") == []
