"""Putting work in the background: RQ on Redis, or in-process when no Redis is configured.

Services never enqueue directly: they `defer` a job, which is enqueued only once the database
transaction that asked for it has committed (so the job sees what the request wrote) and is
dropped if it rolls back. Jobs are named by their import path ("iop.jobs.deliver_message"), so
this module sits below the services and never imports the job functions themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.utils import import_attribute
from sqlalchemy import event
from sqlalchemy.orm import Session

from iop.extensions import db

log = logging.getLogger(__name__)
QUEUE_NAME = "default"
_PENDING = "stepwise_deferred_jobs"


def redis_connection() -> Redis:
    """A connection to the configured Redis."""
    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)


def queue(name: str = QUEUE_NAME) -> Queue:
    return Queue(name, connection=redis_connection())


def _callable(job: Callable | str) -> Callable:
    return import_attribute(job) if isinstance(job, str) else job


def enqueue(
    job: Callable | str,
    *args,
    job_id: str,
    delay: timedelta | None = None,
    queue_name: str = QUEUE_NAME,
    rerun_finished: bool = False,
) -> bool:
    """Run a job in the background, after `delay` if given. Returns False if it was not queued.

    Without Redis an immediate job runs right now; a delayed one is left to the in-process tick,
    which runs on requests (see iop.jobs.maybe_tick_in_process). RQ keeps a finished or failed job
    under its id for a while; `rerun_finished` clears it so the same id can run again (a retry).
    """
    if not current_app.config.get("REDIS_URL"):
        if delay is None:
            _callable(job)(*args)
        return True
    options = {"job_id": job_id, "unique": True, "retry": Retry(max=3, interval=[10, 60, 300])}
    try:
        if rerun_finished:
            _clear_finished(job_id)
        if delay is None:
            queue(queue_name).enqueue(job, *args, **options)
        else:  # run by the worker's scheduler (flask worker starts it)
            queue(queue_name).enqueue_in(delay, job, *args, **options)
    except DuplicateJobError:
        return True  # the same job is already waiting: nothing to add
    except RedisError:
        log.exception("could not enqueue %s; the next tick will catch up", job_id)
        return False
    return True


_FINISHED = frozenset({JobStatus.FINISHED, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.STOPPED})


def _clear_finished(job_id: str) -> None:
    try:
        existing = Job.fetch(job_id, connection=redis_connection())
    except NoSuchJobError:
        return
    if existing.get_status() in _FINISHED:
        existing.delete()


@dataclass(frozen=True)
class _Deferred:
    job: str
    args: tuple
    job_id: str
    delay: timedelta | None
    queue_name: str
    rerun_finished: bool = False


def defer(
    job: str,
    *args,
    job_id: str,
    delay: timedelta | None = None,
    queue_name: str = QUEUE_NAME,
    rerun_finished: bool = False,
) -> None:
    """Enqueue `job` (an import path) once the current transaction commits; nothing if it rolls back."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so a rollback before any SQL still drops the job
    session.info.setdefault(_PENDING, []).append(
        _Deferred(job, args, job_id, delay, queue_name, rerun_finished)
    )


@event.listens_for(Session, "after_commit")
def _enqueue_deferred(session: Session) -> None:
    pending: list[_Deferred] = session.info.pop(_PENDING, [])
    if not pending:
        return
    if current_app.config.get("REDIS_URL"):
        for item in pending:
            enqueue(
                item.job,
                *item.args,
                job_id=item.job_id,
                delay=item.delay,
                queue_name=item.queue_name,
                rerun_finished=item.rerun_finished,
            )
        return
    # In-process: the committed session cannot run SQL inside this hook, so each job gets an app
    # context (and with it a database session) of its own, as it would in a worker.
    app = current_app._get_current_object()
    for item in pending:
        with app.app_context():
            try:
                enqueue(item.job, *item.args, job_id=item.job_id, delay=item.delay)
            except Exception:  # noqa: BLE001 - background work must never break the request that asked
                log.exception("in-process job %s failed", item.job_id)
                db.session.rollback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_deferred(session: Session, previous_transaction) -> None:
    # Only a rollback of the whole transaction: a savepoint rolled back keeps the outer work.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
