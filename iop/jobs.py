"""Background jobs: RQ entry points take ids, call a service and commit.

With REDIS_URL unset (the zero-setup default) jobs run in-process at enqueue time. With Redis
configured they go to RQ; if Redis is down the failure is logged and the next tick catches up.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from flask import current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError

log = logging.getLogger(__name__)
QUEUE_NAME = "default"
_app = None


def with_app_context(job: Callable) -> Callable:
    """Give a job an app context once, here, rather than in every job body."""

    @functools.wraps(job)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return job(*args, **kwargs)
        global _app
        if _app is None:
            from iop import create_app

            _app = create_app()
        with _app.app_context():
            return job(*args, **kwargs)

    return wrapper


def redis_connection() -> Redis:
    """A connection to the configured Redis."""
    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)


def queue() -> Queue:
    return Queue(QUEUE_NAME, connection=redis_connection())


def enqueue(job: Callable, *args, job_id: str, delay: timedelta | None = None) -> bool:
    """Run a job in the background, after `delay` if given. Returns False if it was not queued.

    Without Redis an immediate job runs right now; a delayed one is left to the in-process tick,
    which runs on requests (see maybe_tick_in_process).
    """
    if not current_app.config.get("REDIS_URL"):
        if delay is None:
            job(*args)
        return True
    options = {"job_id": job_id, "unique": True, "retry": Retry(max=3, interval=[10, 60, 300])}
    try:
        if delay is None:
            queue().enqueue(job, *args, **options)
        else:  # run by the worker's scheduler (flask worker starts it)
            queue().enqueue_in(delay, job, *args, **options)
    except DuplicateJobError:
        return True  # the same job is already waiting: nothing to add
    except RedisError:
        log.exception("could not enqueue %s; the next tick will catch up", job_id)
        return False
    return True


@with_app_context
def hourly_tick() -> int:
    """The clock's hourly work: keep every cohort's sessions generated ahead. Idempotent."""
    from iop.extensions import db
    from iop.services.programs import extend_session_horizon

    added = extend_session_horizon(current_app.config["IOP_SESSION_HORIZON_WEEKS"])
    db.session.commit()
    escalation_tick()
    return added


@with_app_context
def escalation_tick() -> int:
    """Escalate alerts left unacknowledged past the window; the scheduler runs it every 5 minutes."""
    from iop.extensions import db
    from iop.services.alerts import escalate_overdue_alerts

    escalated = escalate_overdue_alerts()
    db.session.commit()
    return escalated


@with_app_context
def escalate_alert(alert_id: int) -> int:
    """Escalate one alert if it is still open past the window; a no-op before then (the tick catches it)."""
    from iop.extensions import db
    from iop.services.alerts import escalate_overdue_alerts

    escalated = escalate_overdue_alerts(alert_ids=[alert_id])
    db.session.commit()
    return escalated


# Without Redis there is no scheduler: requests run the clock's work, each at most this often.
IN_PROCESS_INTERVALS = {"hourly_tick": 3600, "escalation_tick": 60}
_last_run: dict[str, float] = {}


def maybe_tick_in_process() -> None:
    """Run the hourly tick and the alert escalation check on a request when they are due."""
    if current_app.config.get("REDIS_URL") or current_app.config.get("TESTING"):
        return
    for job in (hourly_tick, escalation_tick):
        name = job.__name__
        if name in _last_run and time.monotonic() - _last_run[name] < IN_PROCESS_INTERVALS[name]:
            continue
        _last_run[name] = time.monotonic()
        try:
            job()
        except Exception:  # noqa: BLE001 - a failed tick must never break a page
            log.exception("in-process %s failed", name)
            from iop.extensions import db

            db.session.rollback()
