"""Find the PostgreSQL and Redis the suite runs against (see the README's test section)."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager

import pytest

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def services_required() -> bool:
    return os.environ.get("IOP_REQUIRE_SERVICES") == "1"


def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def base_database_url() -> str:
    """DATABASE_URL if set; else local PostgreSQL if it answers; else SQLite."""
    from iop.config import normalise_database_url

    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_database_url(url)
    if _postgres_answers(DEFAULT_POSTGRES):
        return DEFAULT_POSTGRES
    if services_required():
        pytest.exit("IOP_REQUIRE_SERVICES=1 but PostgreSQL does not answer on 127.0.0.1:5432", returncode=3)
    return "sqlite:///" + os.path.join(tempfile.gettempdir(), "stepwise-test.sqlite")


def worker_database_url(purpose: str = "") -> str:
    """A database of this test process's own, created empty (runs side by side never collide)."""
    url = base_database_url()
    tag = f"{worker_id()}_{os.getpid()}{'_' + purpose if purpose else ''}"
    name = f"stepwise_test_{tag}"
    if url.startswith("sqlite"):
        stem, suffix = os.path.splitext(url.removeprefix("sqlite:///"))
        path = f"{stem}-{tag}{suffix or '.sqlite'}"
        if os.path.exists(path):
            os.remove(path)
        return f"sqlite:///{path}"
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin_url = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Remove a database made by worker_database_url."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if os.path.exists(path):
            os.remove(path)
        return
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin_url = parsed.set(drivername="postgresql", database=base_database_name()).render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


def base_database_name() -> str:
    from sqlalchemy.engine import make_url

    return make_url(base_database_url()).database


def redis_url() -> str | None:
    """REDIS_URL if set, else local Redis if it answers; a database number per test worker."""
    from redis import Redis
    from redis.exceptions import RedisError

    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    digits = "".join(ch for ch in worker_id() if ch.isdigit())
    # STEPWISE_TEST_REDIS_OFFSET moves a whole run to other databases, so two checkouts can test at once.
    offset = int(os.environ.get("STEPWISE_TEST_REDIS_OFFSET", "0") or 0)
    url = url.rsplit("/", 1)[0] + f"/{1 + (offset + int(digits or 0)) % 15}"
    try:
        Redis.from_url(url, socket_connect_timeout=1).ping()
    except RedisError:
        if services_required():
            pytest.exit(f"IOP_REQUIRE_SERVICES=1 but Redis does not answer at {url}", returncode=3)
        return None
    return url


@contextmanager
def audit_triggers_disabled(conn):
    """Step around the audit table's append-only triggers, as a database owner could."""
    from sqlalchemy import text

    if conn.dialect.name == "postgresql":
        for table in ("audit_events", "audit_checkpoints"):
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        yield
        for table in ("audit_events", "audit_checkpoints"):
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        return
    triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    for name, _ in triggers:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _, sql in triggers:
        conn.execute(text(sql))
