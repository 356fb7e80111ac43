"""Settings read from environment variables; see the README for what each one means."""

import os
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" mean yes)."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """Read a whole-number environment variable."""
    value = (os.environ.get(name) or "").strip()
    return int(value) if value else default


def normalise_database_url(url: str) -> str:
    """Point plain postgres URLs at psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(database_url: str) -> dict:
    """Connection pool and statement limits for one web or worker process (the README's deployment guide).

    Each process holds up to IOP_DB_POOL_SIZE + IOP_DB_MAX_OVERFLOW connections, so PostgreSQL's
    max_connections must cover (gunicorn workers x threads + RQ workers) x that, on every host.
    IOP_DB_STATEMENT_TIMEOUT_MS makes PostgreSQL cancel a statement that runs longer (unset or 0: no
    limit, for migrations, the CLI and jobs); gunicorn.conf.py sets it for web processes a little under
    the worker timeout, so a runaway query ends as one 500 instead of a killed worker.
    """
    options: dict = {"pool_pre_ping": True}
    if normalise_database_url(database_url).startswith("postgresql"):
        options["pool_size"] = env_int("IOP_DB_POOL_SIZE", 5)
        options["max_overflow"] = env_int("IOP_DB_MAX_OVERFLOW", 5)
        options["pool_recycle"] = env_int("IOP_DB_POOL_RECYCLE_SECONDS", 1800)
        timeout_ms = env_int("IOP_DB_STATEMENT_TIMEOUT_MS", 0)
        if timeout_ms > 0:
            options["connect_args"] = {"options": f"-c statement_timeout={timeout_ms}"}
    return options


def from_environment() -> dict:
    """Build the Flask config mapping from the process environment."""
    demo = env_bool("IOP_DEMO", False)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'stepwise.sqlite'}"
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # Unset: mail and text messages are held in the outbox for admins to read (the demo).
        "IOP_SMTP_URL": os.environ.get("IOP_SMTP_URL") or None,
        "IOP_MAIL_FROM": os.environ.get("IOP_MAIL_FROM") or "Stepwise <no-reply@localhost>",
        "IOP_SMS_BACKEND": os.environ.get("IOP_SMS_BACKEND") or None,
        # Where links in mail and messages sent by background jobs point (the weekly family summary, a
        # renewed personal link): they have no request to copy the address from.
        "IOP_BASE_URL": os.environ.get("IOP_BASE_URL") or "http://127.0.0.1:5000",
        # Signs the audit chain and hashes identifiers; unset, a key is derived from SECRET_KEY.
        "IOP_AUDIT_KEY": os.environ.get("IOP_AUDIT_KEY") or None,
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0: trust none).
        "IOP_TRUSTED_PROXIES": env_int("IOP_TRUSTED_PROXIES", 0),
        "IOP_DEMO": demo,
        # MFA protects staff sign-in everywhere except the local demo.
        "IOP_REQUIRE_MFA": env_bool("IOP_REQUIRE_MFA", not demo),
        # Cookies are Secure unless we are the local HTTP demo.
        "SESSION_COOKIE_SECURE": env_bool("IOP_SECURE_COOKIES", not demo),
    }


DEFAULTS = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "stepwise_session",
    # The signed cookie only carries the id of a server-side session record (see iop.security: start_session).
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "IOP_IDLE_TIMEOUT": timedelta(minutes=30),
    "IOP_ABSOLUTE_TIMEOUT": timedelta(hours=12),
    # A CSRF token lives as long as the session, so a long group note never fails on submit.
    "WTF_CSRF_TIME_LIMIT": None,
    "WTF_CSRF_SSL_STRICT": False,
    "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
    "ASSETS_AUTO_BUILD": True,
    "ASSETS_DEBUG": False,
    # Attempts per 15-minute window: one account from one address; one address, and one account
    # from everywhere, both only for accounts not signed in from that address lately (iop.services.throttle).
    "IOP_LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "IOP_LOGIN_MAX_FAILURES_PER_IP": 30,
    "IOP_LOGIN_MAX_FAILURES_ACCOUNT_WIDE": 50,
    "IOP_LOGIN_FAILURE_WINDOW": timedelta(minutes=15),
    "IOP_LOGIN_KNOWN_ADDRESS_DAYS": 30,
    "IOP_MFA_MAX_FAILURES": 5,
    # Password reset links asked for per window: for one account, and from one address.
    "IOP_RESET_MAX_PER_ACCOUNT": 3,
    "IOP_RESET_MAX_PER_IP": 20,
    "IOP_SESSION_HORIZON_WEEKS": 4,
    # How often open pages ask for new safety alerts (the badge poll does not extend the idle timeout).
    "IOP_ALERT_POLL_SECONDS": 60,
    "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
}
