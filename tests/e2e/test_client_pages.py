"""The client's own pages in a browser at 375 px: the clinician enables check-ins, the client opens the
personal link, sends a full day's check-in (after a typo the form keeps), then a PHQ-9 with item 9
above 0: the crisis lines show at once and the care team has the alert. axe runs on every page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from iop.extensions import db
from iop.models import Alert, DailyCheckin, OutboxMessage
from tests.e2e.browser import (
    format_violations,
    has_horizontal_overflow,
    screenshot,
    serious_axe_violations,
    sign_in,
)
from tests.factories import make_cohort, make_enrollment, make_program, make_user

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class Person:
    client_id: int
    clinician_email: str


@pytest.fixture
def person(live_app) -> Person:
    with live_app.app_context():
        program = make_program("Riverside Adult IOP")
        client = make_enrollment(make_cohort(program), first_name="Jordan", last_name="Lake").client
        client.email = "jordan@example.test"
        client.date_of_birth = date(1994, 3, 9)
        db.session.commit()
        clinician = make_user("clinician", programs=[program], email="dana@example.test", name="Dana Reyes")
        return Person(client.id, clinician.email)


def assert_fits_and_accessible(page: Page, name: str) -> None:
    assert not has_horizontal_overflow(page), f"{name} scrolls sideways"
    serious = serious_axe_violations(page, name)
    assert not serious, f"axe found serious or critical problems on {name}:\n{format_violations(serious)}"


def enable_and_read_link(open_page, live_app, person: Person) -> Page:
    staff = open_page(label="clinician", viewport=DESKTOP)
    sign_in(staff, person.clinician_email)
    staff.goto(f"/clients/{person.client_id}/self-reports")
    staff.get_by_label("The client's date of birth").check()
    staff.get_by_role("button", name="Enable and send link").click()
    expect(staff.get_by_role("status").filter(has_text="Personal link sent by email")).to_be_visible()
    with live_app.app_context():
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.purpose == "client_link"))
    return staff, re.search(r"https?://\S+/me/l/\S+", body).group(0)


def test_a_full_days_check_in_and_a_phq9_with_item_9_above_zero(open_page, live_app, person, page_watch):
    page_watch.allow_http_status(422)  # the typo and the wrong date of birth, on purpose
    staff, link = enable_and_read_link(open_page, live_app, person)

    me = open_page(label="client", viewport=PHONE)
    me.goto(link)
    expect(me.get_by_role("heading", name="Hello Jordan")).to_be_visible()
    assert_fits_and_accessible(me, "client open link")
    screenshot(me, "client-open-375")
    me.get_by_label("Your date of birth").fill("1994-09-03")
    me.get_by_role("button", name="Open my check-ins").click()
    expect(me.get_by_text("That does not match")).to_be_visible()
    assert_fits_and_accessible(me, "client open link, wrong date")
    me.get_by_label("Your date of birth").fill("1994-03-09")
    me.get_by_role("button", name="Open my check-ins").click()
    expect(me.get_by_text("Not done yet today")).to_be_visible()
    assert_fits_and_accessible(me, "client today")
    screenshot(me, "client-today-375")

    me.get_by_role("link", name="Check in", exact=True).last.click()
    expect(me.get_by_role("heading", name="Today's check-in")).to_be_visible()
    assert_fits_and_accessible(me, "client check-in")
    screenshot(me, "client-checkin-375")
    for label, value in {"Mood": "3", "Anxiety": "7", "Cravings": "6", "Stress": "8"}.items():
        me.get_by_label(label, exact=False).first.fill(value)
    expect(me.locator("#cravings-value")).to_have_text("6")  # the number follows the slider
    me.get_by_label("Hours of sleep last night").fill("30")
    me.get_by_label("Minutes of exercise today").fill("20")
    me.get_by_role("group", name="Did you spend time with someone today?").get_by_label("Yes").check()
    me.get_by_label("With whom (if yes)").select_option("family")
    me.get_by_label("A coping skill you used today").select_option("Urge surfing")
    me.get_by_label("Anything else").fill("Hard evening, called my sister.")
    me.get_by_role("button", name="Send check-in").click()
    expect(me.get_by_text("Sleep is 0 to 24 hours.")).to_be_visible()
    expect(me.get_by_label("Anything else")).to_have_value("Hard evening, called my sister.")
    expect(me.locator("#cravings-value")).to_have_text("6")
    assert_fits_and_accessible(me, "client check-in with an error")
    screenshot(me, "client-checkin-error-375")
    me.get_by_label("Hours of sleep last night").fill("5.5")
    me.get_by_role("button", name="Send check-in").click()
    expect(me.get_by_text("Sent today at")).to_be_visible()
    expect(me.get_by_text("5.5 hours")).to_be_visible()
    assert_fits_and_accessible(me, "client today after check-in")
    screenshot(me, "client-today-done-375")
    with live_app.app_context():
        stored = db.session.scalar(select(DailyCheckin))
        assert (stored.mood, stored.anxiety, stored.cravings, stored.stress, stored.sleep_hours) == (
            3,
            7,
            6,
            8,
            5.5,
        )

    me.get_by_role("link", name="PHQ-9").click()
    expect(me.get_by_role("heading", name="PHQ-9")).to_be_visible()
    assert_fits_and_accessible(me, "client PHQ-9")
    screenshot(me, "client-phq9-375")
    for number in range(1, 10):
        answer = "Several days" if number == 9 else "Not at all"
        me.get_by_role("group", name=re.compile(rf"^{number}\. ")).get_by_label(answer).check()
    me.get_by_role("button", name="Send PHQ-9").click()
    crisis = me.get_by_role("alert")
    expect(crisis.get_by_role("heading", name=re.compile("You are not alone"))).to_be_visible()
    expect(crisis.get_by_role("link", name="988")).to_have_attribute("href", "tel:988")
    expect(crisis.get_by_role("link", name="911")).to_have_attribute("href", "tel:911")
    assert_fits_and_accessible(me, "client PHQ-9 sent with item 9 above 0")
    screenshot(me, "client-phq9-crisis-375")
    with live_app.app_context():
        assert db.session.scalar(select(Alert.kind)) == "suicide_risk"

    staff.goto(f"/clients/{person.client_id}/self-reports")
    expect(staff.get_by_role("heading", name="Open safety alerts")).to_be_visible()
    expect(staff.get_by_text("Sent a check-in")).to_be_visible()
    screenshot(staff, "client-self-reports-tab-1280")
    assert not has_horizontal_overflow(staff), "the Self-reports tab scrolls sideways at 1280 px"


def test_journal_practice_and_group_pages_fit_and_pass_axe(open_page, live_app, person, page_watch):
    page_watch.allow_http_status(422)  # the empty journal entry, on purpose
    with live_app.app_context():
        from iop.models import Client, User
        from iop.services.homework import HomeworkInput, assign_homework

        client = db.session.get(Client, person.client_id)
        clinician = db.session.scalar(select(User).where(User.email == person.clinician_email))
        assign_homework(client, HomeworkInput("Practise grounding (5-4-3-2-1)", "daily"), clinician)
        db.session.commit()
    _, link = enable_and_read_link(open_page, live_app, person)
    me = open_page(label="client", viewport=PHONE)
    me.goto(link)
    me.get_by_label("Your date of birth").fill("1994-03-09")
    me.get_by_role("button", name="Open my check-ins").click()
    me.get_by_role("link", name="Journal").click()
    me.get_by_role("button", name="Save entry").click()
    expect(me.get_by_text("Write something first.")).to_be_visible()
    assert_fits_and_accessible(me, "client journal with an error")
    me.get_by_label("New entry").fill("Said no to the party and felt proud.")
    me.get_by_label("Share this entry with my care team").check()
    me.get_by_role("button", name="Save entry").click()
    expect(me.get_by_text("Shared with your care team")).to_be_visible()
    assert_fits_and_accessible(me, "client journal")
    screenshot(me, "client-journal-375")
    me.get_by_role("link", name="Practice").click()
    me.get_by_label("How did it go?").fill("Five minutes before bed.")
    me.get_by_role("button", name=re.compile("Mark done today")).click()
    expect(me.get_by_text("Done today. Well done!")).to_be_visible()
    assert_fits_and_accessible(me, "client practice")
    screenshot(me, "client-practice-375")
    me.get_by_role("link", name="Groups").click()
    expect(me.get_by_text("No groups attended in the last week.")).to_be_visible()
    assert_fits_and_accessible(me, "client groups")


def test_logs_and_scores_pages_fit_and_pass_axe(open_page, live_app, person, page_watch):
    page_watch.allow_http_status(422)  # the out-of-range rating, on purpose
    with live_app.app_context():
        from iop.models import Client, User
        from iop.services.assessments import record_assessment

        client = db.session.get(Client, person.client_id)
        clinician = db.session.scalar(select(User).where(User.email == person.clinician_email))
        client.program.show_clients_scores = True
        today = client.program.today()
        for weeks_ago, phq9, gad7 in ((3, 2, 2), (2, 2, 1), (1, 1, 1)):
            day = date.fromordinal(today.toordinal() - 7 * weeks_ago)
            record_assessment(client, "phq9", [phq9] * 8 + [0], day, "clinician", clinician)
            record_assessment(client, "gad7", [gad7] * 7, day, "clinician", clinician)
        db.session.commit()
    _, link = enable_and_read_link(open_page, live_app, person)
    me = open_page(label="client", viewport=PHONE)
    me.goto(link)
    me.get_by_label("Your date of birth").fill("1994-03-09")
    me.get_by_role("button", name="Open my check-ins").click()
    me.get_by_role("link", name="Logs").click()
    me.get_by_label("The event").fill("Coffee with a coworker")
    me.get_by_label("Anxiety before (0–10)").fill("12")
    me.get_by_label("Anxiety after (0–10)").fill("4")
    me.get_by_role("button", name="Save event").click()
    expect(me.get_by_text("Rate your anxiety before, from 0 to 10.")).to_be_visible()
    expect(me.get_by_label("The event")).to_have_value("Coffee with a coworker")
    assert_fits_and_accessible(me, "client logs with an error")
    screenshot(me, "client-logs-error-375")
    me.get_by_label("Anxiety before (0–10)").fill("7")
    me.get_by_role("button", name="Save event").click()
    expect(me.get_by_text("Anxiety 7 before")).to_be_visible()
    me.get_by_label("How many panic attacks").fill("2")
    me.get_by_role("button", name="Save count").click()
    expect(me.get_by_text("2 panic attacks")).to_be_visible()
    assert_fits_and_accessible(me, "client logs")
    screenshot(me, "client-logs-375")
    me.get_by_role("link", name="Scores").click()
    expect(me.get_by_role("heading", name="PHQ-9")).to_be_visible()
    expect(me.locator("canvas[data-chart='instrument'][data-drawn='true']")).to_have_count(2)
    assert_fits_and_accessible(me, "client scores")
    screenshot(me, "client-scores-375")
