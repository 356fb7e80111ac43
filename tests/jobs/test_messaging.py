"""The outbox: messages are stored, delivered by a job after the commit, held without a transport."""

from __future__ import annotations

import socket

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from iop.extensions import db
from iop.models import AuditEvent, Notification, OutboxMessage
from iop.queue import QUEUE_NAME, defer
from iop.services.messaging import mark_all_read, notify, send_message, unread_count
from tests.factories import make_program, make_user
from tests.jobs.test_jobs import run_worker_burst

DELIVERED: list[tuple[str, str]] = []


class RecordingSms:
    """A stand-in SMS gateway (IOP_SMS_BACKEND names it) that remembers what it was given."""

    def send(self, message: OutboxMessage) -> None:
        DELIVERED.append((message.recipient, message.body))


def record_call(marker: str) -> None:
    DELIVERED.append(("job", marker))


def stored(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


@pytest.fixture(autouse=True)
def _fresh_deliveries():
    DELIVERED.clear()


def test_a_deferred_job_runs_only_after_the_commit(app):
    defer("tests.jobs.test_messaging.record_call", "first", job_id="call-1")
    assert DELIVERED == []
    db.session.commit()
    assert DELIVERED == [("job", "first")]
    db.session.commit()
    assert DELIVERED == [("job", "first")]  # run once, not at every later commit


def test_a_rolled_back_transaction_drops_its_deferred_jobs(app):
    defer("tests.jobs.test_messaging.record_call", "lost", job_id="call-2")
    db.session.rollback()
    db.session.commit()
    assert DELIVERED == []


def test_a_savepoint_rolled_back_keeps_the_outer_transactions_jobs(app):
    defer("tests.jobs.test_messaging.record_call", "kept", job_id="call-3")
    savepoint = db.session.begin_nested()
    db.session.add(OutboxMessage(recipient="x@example.test", purpose="test"))
    db.session.flush()
    savepoint.rollback()
    db.session.commit()
    assert DELIVERED == [("job", "kept")]


def test_without_a_transport_a_message_is_held_in_the_outbox_with_its_body(app):
    program = make_program()
    message = send_message(
        "parent@example.test",
        "Your invitation",
        "Open this link: …",
        purpose="family_invitation",
        program_id=program.id,
    )
    assert message.status == "queued"
    db.session.commit()
    held = stored(message.id)
    assert (held.status, held.body, held.sent_at) == ("held", "Open this link: …", None)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "message.queue")).one()
    assert event.object_id == str(message.id)
    assert "Open this link" not in event.details and "parent@example.test" not in event.details


def test_a_configured_sms_backend_delivers_and_the_body_is_dropped(make_app):
    app = make_app(IOP_SMS_BACKEND="tests.jobs.test_messaging.RecordingSms")
    with app.app_context():
        message = send_message("+15555550100", "", "Your check-in link", purpose="client_link", channel="sms")
        db.session.commit()
        sent = stored(message.id)
        assert DELIVERED == [("+15555550100", "Your check-in link")]
        assert (sent.status, sent.body) == ("sent", None)
        assert sent.sent_at is not None


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_mail_server_that_refuses_leaves_the_message_queued_with_the_reason(make_app):
    app = make_app(IOP_SMTP_URL=f"smtp://127.0.0.1:{_closed_port()}")
    with app.app_context():
        message = send_message("a@example.test", "Hello", "Body text", purpose="password_reset")
        db.session.commit()  # the in-process delivery fails; the request that sent it does not
        failed = stored(message.id)
        assert failed.status == "queued"
        assert failed.error.startswith("ConnectionRefusedError")
        assert "Body text" not in failed.error


def test_mail_goes_through_a_real_smtp_server(make_app):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    class Keep(Sink):
        received: list = []

        async def handle_DATA(self, server, session, envelope):
            self.received.append((envelope.rcpt_tos, envelope.content.decode()))
            return "250 OK"

    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=_closed_port())
    controller.start()
    try:
        app = make_app(
            IOP_SMTP_URL=f"smtp://127.0.0.1:{controller.port}", IOP_MAIL_FROM="clinic@example.test"
        )
        with app.app_context():
            message = send_message(
                "b@example.test", "Reset your password", "Link: https://x", purpose="password_reset"
            )
            db.session.commit()
            sent = stored(message.id)
    finally:
        controller.stop()
    assert (sent.status, sent.body) == ("sent", None)
    [(recipients, content)] = handler.received
    assert recipients == ["b@example.test"]
    assert "Subject: Reset your password" in content and "Link: https://x" in content


def test_with_redis_the_delivery_is_queued_after_the_commit_and_a_worker_runs_it(make_app, redis_url):
    app = make_app(REDIS_URL=redis_url)
    with app.app_context():
        Redis.from_url(redis_url).flushdb()
        queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))
        message = send_message("c@example.test", "Hi", "Body", purpose="reviews_ready")
        assert queue.count == 0  # not before the commit
        db.session.commit()
        assert queue.get_job_ids() == [f"deliver-message-{message.id}"]
        run_worker_burst(queue)
        assert stored(message.id).status == "held"


def test_notify_leaves_one_unread_notice_per_person_and_marking_read_clears_them(app):
    program = make_program()
    first, second = (
        make_user("case_manager", programs=[program]),
        make_user("case_manager", programs=[program]),
    )
    notify(
        [first.id, second.id, first.id],
        "reviews_ready",
        "Reviews for the week of Nov 23 are ready",
        "/reviews/",
    )
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id))) == 2
    assert unread_count(first) == 1
    assert mark_all_read(first) == 1
    db.session.commit()
    assert (unread_count(first), unread_count(second)) == (0, 1)
