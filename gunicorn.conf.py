"""Gunicorn's production settings: `gunicorn -c gunicorn.conf.py wsgi:app` (the Procfile's web process).

Every number comes from the environment, with defaults for one small host (the README's deployment
guide says how to size them). The access log names the method, the path without its query string, the
status, the size, the time taken and the request id (the same id as in the audit trail): never a query
string, a referrer, a cookie or a form value, which can carry a client's name or a search for one, and
never the secret in a personal link, a family invitation or a password reset link, which is cut out.
"""

import gc
import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# WEB_CONCURRENCY is the usual name on platforms that size it; two per core suits database-bound pages.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1))))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request that takes longer than this has its worker killed and restarted (an export, a stuck query).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# PostgreSQL cancels a statement of a web request after this (iop.config.engine_options), before the
# worker timeout would kill the whole worker; jobs and migrations set their own or have none.
os.environ.setdefault("IOP_DB_STATEMENT_TIMEOUT_MS", str(max(1, timeout - 5) * 1000))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Workers are recycled now and then, so a slow leak never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The app is imported once in the master and the workers forked from it: less memory, and a recycled
# worker starts at once. No database connection is opened at import; post_fork drops any pool anyway.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").lower() not in {"0", "false", "no", "off"}
# X-Forwarded-Proto is believed only from these addresses (the load balancer). The client's address is
# taken from X-Forwarded-For by the app itself (IOP_TRUSTED_PROXIES): set both for the same proxies.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Heartbeat files off the disk, so a slow disk does not make a worker look hung.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# %(U)s is the path alone (%(r)s would add the query string); %(M)s is the time taken in milliseconds.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'

# Paths that carry a bearer secret: /me/l/<token>, /family/invitations/<token>, /auth/reset/<token>.
SECRET_IN_PATH = re.compile(r"^(/me/l/|/family/invitations/|/auth/reset/)[^/]+")


def redact_path(path: str) -> str:
    """The path as it may be logged: a link's secret replaced by a placeholder."""
    return SECRET_IN_PATH.sub(r"\1[redacted]", path)


class RedactingLogger(Logger):
    """Gunicorn's logger, with the secret of a personal or one-time link cut out of the access log."""

    def atoms(self, resp, req, environ, request_time):
        found = super().atoms(resp, req, environ, request_time)
        found["U"] = redact_path(found["U"])
        return found


logger_class = RedactingLogger


def when_ready(server):
    """Before the first worker is forked: compile every template and resolve the bundle URLs in the
    preloaded app (iop.warm), so each worker, and each one started later for a recycled one, serves
    its first request as fast as its hundredth. Without preload each worker warms itself (post_fork)."""
    if server.cfg.preload_app:
        _warm(server)
        # Everything the master holds now lives as long as the workers do: out of the collector's
        # sight, a worker's first full collection neither walks it nor copies its pages (gc.freeze).
        gc.freeze()


def _warm(server):
    from iop.warm import warm

    app = server.app.wsgi()
    if hasattr(app, "jinja_env"):
        warmed = warm(app)
        server.log.info("warmed %s templates and %s bundle URLs", warmed["templates"], len(warmed["bundles"]))


def post_fork(server, worker):
    """Each worker opens its own database connections: none is shared across a fork. It opens its first
    one now, before it takes a request (a new PostgreSQL connection is 10 to 25 ms on loopback); if the
    database cannot be reached yet, the first request connects as it always did."""
    from sqlalchemy.exc import SQLAlchemyError

    from iop.extensions import db

    app = server.app.wsgi()  # the preloaded app (or, without preload, loaded here a moment early)
    if hasattr(app, "app_context"):
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)
                try:
                    engine.connect().close()  # back to this worker's pool, open
                except SQLAlchemyError as error:
                    server.log.warning("no database connection before the first request: %s", error)
    if not server.cfg.preload_app:
        _warm(server)
