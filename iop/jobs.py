"""Background jobs: RQ entry points take ids, call a service and commit.

How work is queued lives in iop.queue: with REDIS_URL unset (the zero-setup default) jobs run
in-process at enqueue time; with Redis they go to RQ, and if Redis is down the failure is logged
and the next tick catches up. Services defer jobs by import path until their transaction commits.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime

from flask import current_app, has_app_context

from iop import clock

# Re-exported: the CLI, health check and tests reach the queue through this module.
from iop.queue import QUEUE_NAME, enqueue, queue, redis_connection  # noqa: F401

log = logging.getLogger(__name__)
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


@with_app_context
def hourly_tick() -> int:
    """The clock's hourly work: keep every cohort's sessions generated ahead. Idempotent."""
    from iop.extensions import db
    from iop.services.programs import extend_session_horizon
    from iop.services.throttle import prune
    from iop.services.wearables import expire_staged_uploads
    from iop.session_store import prune_visitor_sessions

    added = extend_session_horizon(current_app.config["IOP_SESSION_HORIZON_WEEKS"])
    prune()
    prune_visitor_sessions(current_app.config["IOP_IDLE_TIMEOUT"])
    expire_staged_uploads()  # a wearable upload nobody confirmed within the hour loses its text
    renew_client_links()
    remind_questionnaires()
    db.session.commit()
    escalation_tick()
    reviews_tick()
    return added


def renew_client_links() -> int:
    """Send a fresh personal link to each client whose link expires within three days (the caller commits)."""
    from flask import url_for

    from iop.services.client_links import renew_expiring_links

    # A job has no request to take the site's address from: links point at IOP_BASE_URL.
    with current_app.test_request_context(base_url=current_app.config["IOP_BASE_URL"]):
        return renew_expiring_links(lambda token: url_for("me.open", link_token=token, _external=True))


def remind_questionnaires() -> int:
    """Remind clients of questionnaires that became due, once each (the caller commits)."""
    from flask import url_for

    from iop.services.reminders import send_questionnaire_reminders

    with current_app.test_request_context(base_url=current_app.config["IOP_BASE_URL"]):
        return send_questionnaire_reminders(lambda: url_for("me.index", _external=True))


@with_app_context
def reviews_tick() -> int:
    """Queue one review job per cohort-week whose reviews are missing, up to 8 weeks back. Idempotent."""
    from iop.extensions import db
    from iop.services.review_runs import review_tick

    queued = review_tick()
    db.session.commit()  # the jobs are enqueued once this commits
    return queued


@with_app_context
def run_reviews(cohort_id: int, week_start: str) -> int:
    """Compute one cohort's reviews of one week (upserting); a failure is recorded, then RQ retries."""
    from datetime import date

    from iop.extensions import db
    from iop.models import Cohort
    from iop.services.review_runs import fail_run, finish_run, start_run
    from iop.services.reviews import compute_cohort_reviews

    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        return 0
    monday = date.fromisoformat(week_start)
    run = start_run(cohort, monday)
    db.session.commit()
    try:
        counts = compute_cohort_reviews(cohort, monday)
        finish_run(run, counts)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        fail_run(run.id, error)
        db.session.commit()
        raise
    return counts.total


@with_app_context
def escalation_tick() -> int:
    """Escalate alerts left unacknowledged past the window; the scheduler runs it every 5 minutes."""
    from iop.extensions import db
    from iop.services.alerts import escalate_overdue_alerts

    escalated = escalate_overdue_alerts()
    db.session.commit()
    return escalated


@with_app_context
def audit_checkpoint_tick() -> bool:
    """Sign the audit chain's head, so events cut off after it are detected; every five minutes."""
    from iop.extensions import db
    from iop.services.audit import write_checkpoint

    written = write_checkpoint() is not None
    db.session.commit()
    return written


@with_app_context
def family_summaries_tick() -> int:
    """Mail last week's attendance summary to each family member whose consent includes it; idempotent."""
    from flask import url_for

    from iop.extensions import db
    from iop.services.family_summaries import send_weekly_summaries

    def summary_url(consent, monday) -> str:
        with current_app.test_request_context(base_url=current_app.config.get("IOP_BASE_URL")):
            return url_for("family.summary", consent_id=consent.id, week=monday.isoformat(), _external=True)

    sent = send_weekly_summaries(summary_url)
    db.session.commit()
    return sent


@with_app_context
def escalate_alert(alert_id: int) -> int:
    """Escalate one alert if it is still open past the window; a no-op before then (the tick catches it)."""
    from iop.extensions import db
    from iop.services.alerts import escalate_overdue_alerts

    escalated = escalate_overdue_alerts(alert_ids=[alert_id])
    db.session.commit()
    return escalated


# Without Redis there is no scheduler: requests run the clock's work, each at most this often (seconds
# of the app's clock, so a travelled clock runs the ticks as the real one would).
IN_PROCESS_INTERVALS = {
    "hourly_tick": 3600,
    "escalation_tick": 60,
    "audit_checkpoint_tick": 300,
    "family_summaries_tick": 3600,
}
_last_run: dict[str, datetime] = {}


def maybe_tick_in_process() -> None:
    """Run the hourly tick and the alert escalation check on a request when they are due."""
    if current_app.config.get("REDIS_URL") or current_app.config.get("TESTING"):
        return
    for job in (hourly_tick, escalation_tick, audit_checkpoint_tick, family_summaries_tick):
        name = job.__name__
        now = clock.now()
        if name in _last_run and (now - _last_run[name]).total_seconds() < IN_PROCESS_INTERVALS[name]:
            continue
        _last_run[name] = now
        try:
            job()
        except Exception:  # noqa: BLE001 - a failed tick must never break a page
            log.exception("in-process %s failed", name)
            from iop.extensions import db

            db.session.rollback()


@with_app_context
def deliver_message(message_id: int) -> str | None:
    """Send one outbox message (or hold it when no transport is configured); RQ retries a failure."""
    from iop.extensions import db
    from iop.models import OutboxMessage
    from iop.services.messaging import deliver

    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        return None
    try:
        status = deliver(message)
    except Exception:
        db.session.commit()  # keep the error for admins; the exception makes RQ retry
        raise
    db.session.commit()
    return status
