"""Sign-in throttling: atomic attempt counters in fixed windows, held in the database.

An attempt is *reserved* before a password or code is checked (one INSERT ... ON CONFLICT DO UPDATE
... RETURNING, atomic on PostgreSQL and SQLite), so 25 parallel guesses get exactly the allowed
number of checks. Limits are shaped so nobody can lock a whole clinic out (see the README):

- one account from one address: a few attempts per window (the guessing limit);
- one address, or one account from everywhere: larger limits, which never apply to an account
  signing in from an address where it signed in successfully lately, so a flood of made-up emails
  from a clinic's shared address does not lock out the staff who work there.

Counters live in the database, not Redis, so throttling holds when Redis is down.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from iop import clock
from iop.extensions import db
from iop.keys import keyed_hash
from iop.models import LoginAttempt, ThrottleCounter


def _window_start() -> datetime:
    window = current_app.config["IOP_LOGIN_FAILURE_WINDOW"].total_seconds()
    now = clock.now()
    return datetime.fromtimestamp(now.timestamp() // window * window, tz=now.tzinfo)


def counter_key(scope: str, subject: str) -> str:
    """The counter's key: a scope and a keyed hash of the subject (no email or address in clear)."""
    return f"{scope}:{keyed_hash('throttle', f'{scope}|{subject}')}"


def take_attempt(key: str, limit: int) -> bool:
    """Reserve one attempt in the current window; False when the window's attempts are spent."""
    table = ThrottleCounter.__table__
    dialect = db.session.get_bind().dialect.name
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(
        key=key, window_start=_window_start(), attempts=1
    )
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key, table.c.window_start], set_={"attempts": table.c.attempts + 1}
    ).returning(table.c.attempts)
    return db.session.execute(statement).scalar_one() <= limit


def give_back(key: str) -> None:
    """Return a reserved attempt that turned out to be a success."""
    db.session.execute(
        update(ThrottleCounter)
        .where(ThrottleCounter.key == key, ThrottleCounter.window_start == _window_start())
        .where(ThrottleCounter.attempts > 0)
        .values(attempts=ThrottleCounter.attempts - 1)
    )


def reset(key: str) -> None:
    """Forget every attempt of a key (after a success)."""
    db.session.execute(delete(ThrottleCounter).where(ThrottleCounter.key == key))


def _known_address(account_key: str, ip: str | None) -> bool:
    since = clock.now() - timedelta(days=current_app.config["IOP_LOGIN_KNOWN_ADDRESS_DAYS"])
    return (
        db.session.scalar(
            select(LoginAttempt.id)
            .where(LoginAttempt.account_key == account_key, LoginAttempt.ip == ip)
            .where(LoginAttempt.succeeded.is_(True), LoginAttempt.attempted_at >= since)
            .limit(1)
        )
        is not None
    )


def _sign_in_counters(account_key: str, ip: str | None) -> list[tuple[str, int]]:
    config = current_app.config
    counters = [(counter_key("pair", f"{account_key}|{ip}"), config["IOP_LOGIN_MAX_FAILURES_PER_ACCOUNT"])]
    if not _known_address(account_key, ip):
        counters.append((counter_key("ip", str(ip)), config["IOP_LOGIN_MAX_FAILURES_PER_IP"]))
        counters.append((counter_key("account", account_key), config["IOP_LOGIN_MAX_FAILURES_ACCOUNT_WIDE"]))
    return counters


def reserve_sign_in(account_key: str, ip: str | None) -> bool:
    """Reserve a password check for an account from an address; False when throttled."""
    return all(take_attempt(key, limit) for key, limit in _sign_in_counters(account_key, ip))


def sign_in_succeeded(account_key: str, ip: str | None) -> None:
    """A right password: the pair starts afresh and the wider counters get their attempt back."""
    pair, *wider = _sign_in_counters(account_key, ip)
    reset(pair[0])
    for key, _ in wider:
        give_back(key)


def reserve_second_factor(user_id: int) -> bool:
    """Reserve one TOTP or recovery code check for an account; False when throttled."""
    return take_attempt(counter_key("mfa", str(user_id)), current_app.config["IOP_MFA_MAX_FAILURES"])


def second_factor_succeeded(user_id: int) -> None:
    reset(counter_key("mfa", str(user_id)))


def prune(now: datetime | None = None) -> None:
    """Drop counters of past windows and sign-in history older than the known-address horizon."""
    now = now or clock.now()
    config = current_app.config
    db.session.execute(
        delete(ThrottleCounter).where(
            ThrottleCounter.window_start < now - 2 * config["IOP_LOGIN_FAILURE_WINDOW"]
        )
    )
    db.session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.attempted_at < now - timedelta(days=config["IOP_LOGIN_KNOWN_ADDRESS_DAYS"])
        )
    )
