"""Secure messages in a browser: the client writes at 375 px (an empty message first, refused with the form
kept), the clinician follows the home page's notice to the Messages tab at 1280 px and replies, and the
client reads the reply. axe runs on every page; none scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from iop.extensions import db
from iop.models import OutboxMessage, SecureMessage
from iop.services.secure_messages import NEW_MESSAGE_BODY
from tests.e2e.browser import has_horizontal_overflow, screenshot
from tests.e2e.test_client_pages import DESKTOP, PHONE, assert_fits_and_accessible, enable_and_read_link
from tests.e2e.test_client_pages import person as person  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e


def test_a_message_both_ways(open_page, live_app, person, page_watch):  # noqa: F811
    page_watch.allow_http_status(422)  # the empty message, on purpose
    staff, link = enable_and_read_link(open_page, live_app, person)
    me = open_page(label="client", viewport=PHONE)
    me.goto(link)
    me.get_by_label("Your date of birth").fill("1994-03-09")
    me.get_by_role("button", name="Open my check-ins").click()
    me.get_by_role("link", name="Messages").click()
    me.get_by_role("textbox", name="Message").fill("   ")
    me.get_by_role("button", name="Send", exact=True).click()
    expect(me.get_by_text("Write a message first.")).to_be_visible()
    assert_fits_and_accessible(me, "client messages with an error")
    screenshot(me, "client-messages-error-375")
    box = me.get_by_role("textbox", name="Message")
    box.fill("Can I join Thursday's group late? I have a doctor's appointment.")
    me.get_by_role("button", name="Send", exact=True).click()
    expect(me.get_by_text("Message sent to your care team.")).to_be_visible()
    expect(me.get_by_text("Not read yet")).to_be_visible()
    assert_fits_and_accessible(me, "client messages")

    staff.goto("/")
    staff.get_by_role("link", name="A client sent the care team a new secure message.").click()
    expect(staff.get_by_role("heading", name="Secure messages with the client")).to_be_visible()
    expect(staff.get_by_text("Can I join Thursday's group late?")).to_be_visible()
    expect(staff.get_by_text("Read by Dana Reyes")).to_be_visible()
    assert_fits_and_accessible(staff, "staff messages tab")
    staff.get_by_role("textbox", name="Message").fill("Of course, join when you can.")
    staff.get_by_role("button", name="Send to the client").click()  # by htmx: the tab comes back
    expect(staff.get_by_text("Not read by the client yet")).to_be_visible()
    screenshot(staff, "staff-messages-tab-1280")
    staff.set_viewport_size(PHONE)
    assert not has_horizontal_overflow(staff), "the Messages tab scrolls sideways at 375 px"
    screenshot(staff, "staff-messages-tab-375")
    staff.set_viewport_size(DESKTOP)

    me.get_by_role("link", name="Today").click()
    expect(me.get_by_text("Your care team sent you a new message.")).to_be_visible()
    me.get_by_role("link", name="Read it").click()
    expect(me.get_by_text("Of course, join when you can.")).to_be_visible()
    assert_fits_and_accessible(me, "client messages with a reply")
    screenshot(me, "client-messages-375")
    with live_app.app_context():
        assert db.session.scalar(
            select(OutboxMessage.body).where(OutboxMessage.purpose == "client_message")
        ) == (NEW_MESSAGE_BODY)
        assert all(m.read_at for m in db.session.scalars(select(SecureMessage)))
