"""Fixtures: one migrated database per test worker, emptied after every test."""

from __future__ import annotations

import contextvars
import os

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from iop import ROOT, create_app
from iop.extensions import db
from tests import services
from tests.factories import sign_in


def pytest_configure(config):
    """STEPWISE_TEST_NOW=2026-12-31T23:30:00-06:00 runs the whole suite at that moment, the clock
    ticking on from there (each xdist worker travels too): the suite must pass on any date."""
    moment = os.environ.get("STEPWISE_TEST_NOW")
    if moment:
        import time_machine

        config._stepwise_travel = time_machine.travel(moment, tick=True)
        config._stepwise_travel.start()


def pytest_unconfigure(config):
    travel = getattr(config, "_stepwise_travel", None)
    if travel is not None:
        travel.stop()


def pytest_report_header(config):
    moment = os.environ.get("STEPWISE_TEST_NOW")
    return f"clock travelled to {moment}" if moment else None


TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "IOP_DEMO": False,
    "IOP_REQUIRE_MFA": False,
    "SESSION_COOKIE_SECURE": False,
    "WTF_CSRF_ENABLED": False,
    "REDIS_URL": None,
    "ASSETS_AUTO_BUILD": False,
}


@pytest.fixture(scope="session")
def database_url():
    url = services.worker_database_url()
    yield url
    services.drop_database(url)


@pytest.fixture(scope="session")
def _migrated(database_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()
    yield database_url
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def make_app(_migrated):
    """Build an app on the test database with extra settings (CSRF on, MFA on, ...)."""

    apps = []

    def factory(**overrides):
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": _migrated, **overrides})
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield factory
    if apps:  # every test leaves the database empty, whichever app it used
        with apps[0].app_context():
            _empty_database()
        for app in apps:
            with app.app_context():
                db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production: its own app context, `g` and
    database session, never the test's. Otherwise Flask reuses the test's app context and
    identity map, which hides real query counts and leaks `g` between requests."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()


def _empty_database() -> None:
    """Remove every row; the audit table's append-only triggers are stepped around for SQLite."""
    db.session.remove()
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Fail loudly rather than hang if a connection was left inside a transaction.
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            # The audit tables refuse TRUNCATE (migration 0008); a test database owner steps around it.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            return
        with services.audit_triggers_disabled(conn):
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            if _has_sequence(conn):
                conn.execute(text("DELETE FROM sqlite_sequence"))


def _has_sequence(conn) -> bool:
    return (
        conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first() is not None
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(client):
    """Sign a user in on the shared test client: login(user)."""

    def do(user):
        sign_in(client, user)
        return client

    return do


@pytest.fixture(scope="session")
def redis_url():
    url = services.redis_url()
    if url is None:
        pytest.skip("Redis does not answer at REDIS_URL or 127.0.0.1:6379 (start it; CI requires it)")
    return url
