"""The family portal in a browser at 375 px: invitation link → password → observation → the care team
sees it and the alert → revoke → the family member's next click lands on the access-ended page.

axe runs on every family page; screenshots go to test-artifacts/ to be looked at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import (
    format_violations,
    has_horizontal_overflow,
    screenshot,
    serious_axe_violations,
    sign_in,
)
from tests.factories import make_cohort, make_consent, make_enrollment, make_program, make_user

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 900}
FAMILY_PASSWORD = "our kitchen table in june"


@dataclass(frozen=True)
class Household:
    client_id: int
    consent_id: int
    clinician_email: str
    admin_email: str


@pytest.fixture
def household(live_app) -> Household:
    with live_app.app_context():
        program = make_program("Riverside Adult IOP")
        client = make_enrollment(make_cohort(program), first_name="Avery", last_name="Stone").client
        clinician = make_user("clinician", programs=[program], email="dana@example.test", name="Dana Reyes")
        admin = make_user("admin", programs=[program], email="ari@example.test", name="Ari Admin")
        consent = make_consent(
            client, clinician, recipient_name="Casey Stone", recipient_email="casey@example.test"
        )
        return Household(client.id, consent.id, clinician.email, admin.email)


def assert_fits_and_accessible(page: Page, name: str) -> None:
    assert not has_horizontal_overflow(page), f"{name} scrolls sideways"
    serious = serious_axe_violations(page, name)
    assert not serious, f"axe found serious or critical problems on {name}:\n{format_violations(serious)}"


def invite_and_read_link(open_page, household: Household) -> str:
    staff = open_page(label="clinician", viewport=TABLET)
    sign_in(staff, household.clinician_email)
    staff.goto(f"/clients/{household.client_id}/family")
    staff.get_by_role("button", name="Send invitation to Casey Stone").click()
    expect(
        staff.get_by_role("status").filter(has_text="Invitation sent to casey@example.test")
    ).to_be_visible()
    admin = open_page(label="admin", viewport=DESKTOP)
    sign_in(admin, household.admin_email)
    admin.goto("/admin/outbox/")
    body = admin.locator(".message-body").first.inner_text()
    return re.search(r"https?://\S+/family/invitations/\S+", body).group(0)


def fill_observation(page: Page, ratings: dict[str, str]) -> None:
    for group, option in ratings.items():
        page.get_by_role("group", name=group).get_by_label(option, exact=True).check()


def test_invitation_to_observation_to_alert_to_revocation(open_page, household, page_watch):
    link = invite_and_read_link(open_page, household)

    family = open_page(label="family", viewport=PHONE)
    family.goto(link)
    expect(family.get_by_role("heading", name="Welcome, Casey Stone")).to_be_visible()
    screenshot(family, "family-accept-375")
    assert_fits_and_accessible(family, "family accept")
    family.get_by_label("Choose a password").fill(FAMILY_PASSWORD)
    family.get_by_label("Type it again").fill(FAMILY_PASSWORD)
    family.get_by_role("button", name="Set password and continue").click()

    expect(family.get_by_role("heading", name="How was this week at home?")).to_be_visible()
    screenshot(family, "family-observe-375")
    assert_fits_and_accessible(family, "family observation form")
    crisis = family.locator(".crisis-now")
    expect(crisis).to_be_hidden()
    fill_observation(
        family,
        {
            "Mood": "2 – Low",
            "Talking with family": "2 – Very little",
            "Handling disagreements": "3 – Sometimes hard",
            "Sleep": "1 – Hardly sleeping",
            "Joining in at home": "2 – Rarely",
        },
    )
    family.get_by_label(re.compile("worried about their safety")).check()
    expect(crisis).to_be_visible()  # the crisis lines appear the moment the box is ticked
    family.get_by_label(re.compile("Anything else")).fill("Said they would be better off gone.")
    screenshot(family, "family-observe-safety-375")
    family.get_by_role("button", name="Send", exact=True).click()

    expect(family.get_by_role("heading", name="What to do now")).to_be_visible()
    expect(family.get_by_role("alert").get_by_role("link", name="911")).to_have_attribute("href", "tel:911")
    screenshot(family, "family-sent-375")
    assert_fits_and_accessible(family, "family confirmation")
    family.get_by_role("link", name="What I have sent").click()
    expect(family.get_by_text("Said they would be better off gone.")).to_be_visible()
    screenshot(family, "family-submissions-375")
    assert_fits_and_accessible(family, "family submissions")

    staff = open_page(label="clinician again", viewport=TABLET)
    sign_in(staff, household.clinician_email)
    staff.goto(f"/clients/{household.client_id}/family")
    expect(staff.get_by_text("from Casey Stone")).to_be_visible()
    expect(staff.get_by_text("Said they would be better off gone.")).to_be_visible()
    expect(staff.get_by_role("heading", name="Open safety alerts")).to_be_visible()
    expect(staff.get_by_text("Casey Stone, a family member, reported a safety concern").first).to_be_visible()
    screenshot(staff, "family-tab-768")
    assert not has_horizontal_overflow(staff), "the Family tab scrolls sideways at 768 px"

    staff.get_by_label("Reason for revoking").fill("Client withdrew consent in session")
    staff.get_by_role("button", name="Revoke consent for Casey Stone").click()
    expect(staff.locator(".consent-state")).to_have_text("Revoked")

    family.get_by_role("link", name="This week").click()
    expect(family.get_by_role("heading", name="Your access has ended")).to_be_visible()
    screenshot(family, "family-ended-375")
    assert_fits_and_accessible(family, "family access ended")


@pytest.mark.parametrize("viewport", [PHONE, TABLET, DESKTOP], ids=["375", "768", "1280"])
def test_family_pages_fit_and_pass_axe_at_each_width(open_page, household, viewport, page_watch):
    page_watch.allow_http_status(404)  # the tampered link, on purpose
    page_watch.allow_http_status(422)  # the forms sent empty, on purpose
    link = invite_and_read_link(open_page, household)
    family = open_page(label="family", viewport=viewport)
    family.goto(link + "tampered")
    expect(family.get_by_role("heading", name="This link does not work")).to_be_visible()
    assert_fits_and_accessible(family, f"family bad link {viewport['width']}")
    family.goto(link)
    assert_fits_and_accessible(family, f"family accept {viewport['width']}")
    family.get_by_role("button", name="Set password and continue").click()
    expect(family.get_by_text("Choose a password.")).to_be_visible()
    assert_fits_and_accessible(family, f"family accept with errors {viewport['width']}")
    family.get_by_label("Choose a password").fill(FAMILY_PASSWORD)
    family.get_by_label("Type it again").fill(FAMILY_PASSWORD)
    family.get_by_role("button", name="Set password and continue").click()
    family.get_by_role("button", name="Send", exact=True).click()
    expect(family.get_by_text("Choose how mood was this week, from 1 to 5.")).to_be_visible()
    assert_fits_and_accessible(family, f"family observation with errors {viewport['width']}")
    if viewport is PHONE:
        screenshot(family, "family-observe-errors-375")
