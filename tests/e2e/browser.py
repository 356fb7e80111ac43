"""Helpers for the browser tests: a group to work on, signing in, waiting for saves, axe, screenshots."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from playwright.sync_api import Locator, Page, Response, expect
from sqlalchemy import select

from iop import ROOT
from iop.extensions import db
from iop.models import PARTICIPATION_ANCHORS, Attendance
from tests.factories import PASSWORD, make_cohort, make_enrollment, make_program, make_session, make_user

ARTIFACTS = ROOT / "test-artifacts"
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Accessible names of the participation buttons: the score and its anchor ("4 Contributes actively").
RATING = {score: f"{score} {anchor}" for score, anchor in PARTICIPATION_ANCHORS.items()}


@dataclass(frozen=True)
class Member:
    enrollment_id: int
    client_id: int
    name: str


@dataclass(frozen=True)
class Group:
    """Today's 180-minute group, two clinicians and a case manager (plain values, no ORM objects)."""

    session_id: int
    cohort_id: int
    cohort_name: str
    members: tuple[Member, ...]
    clinician_email: str
    clinician_name: str
    colleague_email: str
    colleague_name: str
    manager_email: str

    @property
    def session_path(self) -> str:
        return f"/sessions/{self.session_id}"


def make_group(app: Flask, names: tuple[str, ...] = ("Ada Adams", "Ben Baker", "Cleo Chen")) -> Group:
    """Create the group through the factories (they commit, so the live server sees it)."""
    with app.app_context():
        program = make_program("Riverside Adult IOP")
        cohort = make_cohort(
            program, name="Tuesday Skills Group", meeting_days="0123456", duration_minutes=180
        )
        enrollments = [
            make_enrollment(cohort, first_name=name.split()[0], last_name=name.split()[1]) for name in names
        ]
        group_session = make_session(cohort)
        dana = make_user("clinician", programs=[program], email="dana@example.test", name="Dana Reyes")
        sam = make_user("clinician", programs=[program], email="sam@example.test", name="Sam Ortiz")
        manager = make_user(
            "case_manager", programs=[program], email="casey@example.test", name="Casey Morgan"
        )
        return Group(
            session_id=group_session.id,
            cohort_id=cohort.id,
            cohort_name=cohort.name,
            members=tuple(Member(e.id, e.client_id, e.client.full_name) for e in enrollments),
            clinician_email=dana.email,
            clinician_name=dana.full_name,
            colleague_email=sam.email,
            colleague_name=sam.full_name,
            manager_email=manager.email,
        )


def stored_row(app: Flask, group: Group, member: Member) -> Attendance | None:
    """The attendance row as the database holds it now (detached, attributes loaded)."""
    with app.app_context():
        row = db.session.scalar(
            select(Attendance).where(
                Attendance.session_id == group.session_id, Attendance.enrollment_id == member.enrollment_id
            )
        )
        if row is not None:
            db.session.expunge(row)
        return row


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form and wait until the signed-in header shows."""
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def attendance_row(page: Page, member: Member) -> Locator:
    """One member's row: a form labelled "Attendance for <name>"."""
    return page.get_by_role("form", name=f"Attendance for {member.name}")


def is_row_save(response: Response) -> bool:
    return response.request.method == "POST" and "/attendance/" in response.url


@contextlib.contextmanager
def row_save(page: Page, status: int = 200):
    """Wait for the one row save the block's action causes, and check its HTTP status."""
    with page.expect_response(is_row_save) as info:
        yield info
    assert info.value.status == status, f"row save answered {info.value.status}, expected {status}"


def keep_watch_for_navigation(page: Page) -> list[str]:
    """Record every main-frame navigation from now on, and mark the document so a reload would show."""
    navigations: list[str] = []
    page.on(
        "framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None
    )
    page.evaluate("window.__marker = 1")
    return navigations


def assert_no_navigation(page: Page, navigations: list[str]) -> None:
    assert navigations == [], f"the page navigated: {navigations}"
    assert page.evaluate("window.__marker") == 1, "the document was replaced"


def run_axe(page: Page) -> list[dict]:
    """axe-core's violations on the current page: id, impact, help, and up to five targets."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluate() runs over DevTools, so the page's CSP does not apply to the injected source.
        page.evaluate(AXE_SOURCE.read_text())
    return page.evaluate(
        """async () => {
          const results = await axe.run(document, {resultTypes: ["violations"]});
          return results.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
          }));
        }"""
    )


def serious_axe_violations(page: Page, name: str) -> list[dict]:
    """Run axe, print every violation for the record, return the serious and critical ones."""
    violations = run_axe(page)
    for violation in violations:
        print(
            f"axe {name}: {violation['impact']} {violation['id']}: {violation['help']} {violation['targets']}"
        )
    if not violations:
        print(f"axe {name}: no violations")
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def format_violations(violations: list[dict]) -> str:
    return json.dumps(violations, indent=2)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG in test-artifacts/ (git-ignored) for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def has_horizontal_overflow(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def segment(row: Locator, group: str, option: str) -> Locator:
    """The visible button of one option of a row's segmented control (Status or Participation).

    The radio is found by its role and accessible name; what a person clicks is its label, drawn as a
    button over the visually hidden radio.
    """
    radio = row.get_by_role("group", name=group).get_by_role("radio", name=option, exact=True)
    expect(radio).to_be_enabled()
    return row.locator(f"label[for='{radio.get_attribute('id')}']")


def choose(row: Locator, group: str, option: str) -> None:
    """Press one option of a row's segmented control, the way a person does."""
    segment(row, group, option).click()
