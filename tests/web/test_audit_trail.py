"""The audit trail holds under concurrency and against someone with database access but not the key."""

from __future__ import annotations

import hashlib
import http.cookiejar
import threading
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select, text
from werkzeug.serving import make_server

from iop.extensions import db
from iop.jobs import audit_checkpoint_tick
from iop.models import AuditCheckpoint, AuditEvent
from iop.services import audit
from iop.services.audit import record_event, verify_chain, write_checkpoint
from tests.factories import PASSWORD, make_cohort, make_enrollment, make_program, make_user
from tests.services import audit_triggers_disabled


def _tamper(*statements: str, params: list[dict] | None = None) -> None:
    """What an attacker with database access would do: step around the append-only triggers."""
    db.session.remove()
    with db.engine.begin() as conn, audit_triggers_disabled(conn):
        for index, statement in enumerate(statements):
            conn.execute(text(statement), (params or [{}] * len(statements))[index])
    db.session.remove()


def _events(count: int) -> list[int]:
    for number in range(count):
        record_event("client.view", "client", number, number)
    db.session.commit()
    return db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()


def _assert_one_unforked_chain(expected: int) -> None:
    db.session.remove()
    links = db.session.execute(select(AuditEvent.prev_hash)).scalars().all()
    assert len(links) == expected
    assert len(set(links)) == expected, "two events share a predecessor: the chain forked"
    assert list(verify_chain()) == []


def test_appends_from_many_connections_at_once_keep_one_chain(app):
    """Eight threads, each with its own connection, append 15 events each, as fast as they can."""
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def append_events(worker: int) -> None:
        with app.app_context():
            try:
                start.wait()
                for number in range(15):
                    record_event("client.view", "client", number, worker)
                    db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported below, on the test's thread
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=append_events, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    _assert_one_unforked_chain(8 * 15)


@pytest.mark.postgresql
def test_an_append_that_waited_for_the_lock_links_to_the_head_committed_meanwhile(app):
    """PostgreSQL takes the chain's lock and reads the head in one statement (migration 0020): the read must
    see the event the lock's holder committed while this append waited, not the head before it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the one-statement lock and read is PostgreSQL's (SQLite's write lock serialises)")
    record_event("client.view", "client", 1, 1)  # holds the chain's lock until it commits
    db.session.flush()
    holder_hash = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    failures: list[BaseException] = []

    def append_behind_the_holder() -> None:
        with app.app_context():
            try:
                record_event("client.view", "client", 2, 2)
                db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported below, on the test's thread
                failures.append(error)
            finally:
                db.session.remove()

    waiter = threading.Thread(target=append_behind_the_holder)
    waiter.start()
    with db.engine.connect() as watcher:  # until the waiter's statement is blocked on the lock
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'"
            " AND datname = current_database()"
        )
        while waiter.is_alive() and not watcher.execute(waiting).scalar():
            threading.Event().wait(0.01)
    db.session.commit()
    waiter.join()
    assert failures == []
    db.session.remove()
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (last.object_id, last.prev_hash) == ("2", holder_hash)
    _assert_one_unforked_chain(2)


@pytest.fixture
def live_server(app):
    """The app behind a real threaded HTTP server on loopback."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def _browser(base_url: str, email: str):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    body = urllib.parse.urlencode({"email": email, "password": PASSWORD}).encode()
    assert opener.open(f"{base_url}/auth/login", body).status == 200
    return opener


def test_two_people_browsing_client_pages_side_by_side_keep_one_chain(app, live_server):
    program = make_program()
    cohort = make_cohort(program)
    clients = [make_enrollment(cohort).client for _ in range(3)]
    people = [make_user("clinician", programs=[program]) for _ in range(2)]
    db.session.commit()
    browsers = [_browser(live_server, person.email) for person in people]
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    db.session.remove()
    start = threading.Barrier(len(browsers))
    statuses: list[int] = []

    def browse(opener) -> None:
        start.wait()
        for round_number in range(20):
            client = clients[round_number % len(clients)]
            statuses.append(opener.open(f"{live_server}/clients/{client.id}").status)

    threads = [threading.Thread(target=browse, args=(opener,)) for opener in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 40
    # Every page view is one audit event, and all of them sit on one chain.
    _assert_one_unforked_chain(before + 40)


def test_a_rewritten_chain_re_hashed_without_the_key_is_detected(app):
    ids = _events(3)
    _tamper("UPDATE audit_events SET action = 'nothing.happened' WHERE id = :id", params=[{"id": ids[1]}])
    # Re-hash every row from the changed one on, as the old plain SHA-256 chain allowed.
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    prev_hash = rows[0].hash
    updates = []
    for event in rows[1:]:
        row = {column: getattr(event, column) for column in audit._HASHED_COLUMNS}
        new_hash = hashlib.sha256(audit._material(prev_hash, row)).hexdigest()
        updates.append({"id": event.id, "prev": prev_hash, "hash": new_hash})
        prev_hash = new_hash
    _tamper(
        *["UPDATE audit_events SET prev_hash = :prev, hash = :hash WHERE id = :id"] * len(updates),
        params=updates,
    )
    problems = list(verify_chain())
    assert [problem.event_id for problem in problems] == ids[1:]
    assert all("without the audit key" in problem.reason for problem in problems)


def test_a_chain_signed_with_another_key_does_not_verify(make_app):
    app = make_app(IOP_AUDIT_KEY="the-key-the-clinic-holds")
    with app.app_context():
        _events(2)
    other = make_app(IOP_AUDIT_KEY="a-key-an-attacker-guessed")
    with other.app_context():
        assert [problem.reason for problem in verify_chain()][:1] == [
            "its contents do not match its hash (the row was changed)"
        ]
    with app.app_context():
        assert list(verify_chain()) == []


def test_cutting_off_the_newest_events_after_a_checkpoint_is_detected(app):
    ids = _events(4)
    checkpoint = write_checkpoint()
    db.session.commit()
    assert checkpoint.event_id == ids[-1]
    assert list(verify_chain()) == []
    _tamper("DELETE FROM audit_events WHERE id >= :id", params=[{"id": ids[2]}])
    problems = list(verify_chain())
    assert [problem.event_id for problem in problems] == [ids[-1]]
    assert "the trail was cut short" in problems[0].reason


def test_removing_checkpoints_too_is_caught_by_a_checkpoint_kept_outside_the_database(app):
    _events(2)
    kept_in_the_log = write_checkpoint().signature
    db.session.commit()
    ids = _events(2)
    write_checkpoint()
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify", "--checkpoint", kept_in_the_log]).exit_code == 0
    _tamper("DELETE FROM audit_checkpoints", "DELETE FROM audit_events")
    # With every row gone the database alone looks like a fresh install...
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    # ...but the signature held elsewhere is no longer there.
    result = runner.invoke(args=["audit", "verify", "--checkpoint", kept_in_the_log])
    assert result.exit_code == 1
    assert "the checkpoint you hold is missing" in result.output
    assert ids  # the events existed before they were removed


def test_a_forged_checkpoint_is_detected(app):
    ids = _events(2)
    write_checkpoint()
    db.session.commit()
    signature = db.session.scalar(select(AuditCheckpoint.signature))
    _tamper(
        "INSERT INTO audit_checkpoints (created_at, event_id, event_hash, prev_signature, signature) "
        "SELECT created_at, event_id, event_hash, signature, :forged FROM audit_checkpoints",
        params=[{"forged": "f" * 64}],
    )
    problems = list(verify_chain())
    assert [problem.event_id for problem in problems] == [ids[-1]]
    assert "not signed with the audit key" in problems[0].reason
    assert signature


def test_the_checkpoint_tick_signs_only_a_head_that_moved(app):
    _events(1)
    assert audit_checkpoint_tick() is True
    assert audit_checkpoint_tick() is False
    _events(1)
    assert audit_checkpoint_tick() is True
    assert db.session.scalar(select(func.count(AuditCheckpoint.id))) == 2
    assert list(verify_chain()) == []


def test_the_database_refuses_replace_and_truncate_around_the_triggers(app):
    """SQLite's INSERT OR REPLACE deletes without delete triggers; PostgreSQL's TRUNCATE fires none."""
    ids = _events(2)
    if db.engine.dialect.name == "sqlite":
        statement = (
            "INSERT OR REPLACE INTO audit_events "
            "(id, occurred_at, action, object_type, details, prev_hash, hash) "
            f"VALUES ({ids[0]}, '2026-01-01 00:00:00', 'x', 'x', '{{}}', 'x', 'x')"
        )
    else:
        statement = "TRUNCATE audit_events"
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all() == ids
    write_checkpoint()
    db.session.commit()
    for change in ("DELETE FROM audit_checkpoints", "UPDATE audit_checkpoints SET event_id = 0"):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(change))
        db.session.rollback()
    assert db.session.scalar(select(func.count(AuditCheckpoint.id))) == 1
