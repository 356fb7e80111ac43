"""Jobs: in-process without Redis, through RQ with it; the tick is idempotent."""

import signal
from datetime import timedelta

from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from iop.extensions import db
from iop.jobs import QUEUE_NAME, enqueue, hourly_tick
from iop.models import GroupSession
from tests.factories import make_cohort, make_program


def session_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(GroupSession.id)))


def test_tick_generates_the_horizon_and_running_it_twice_changes_nothing(app):
    program = make_program()
    make_cohort(program, meeting_days="024")
    added = hourly_tick()
    weeks = app.config["IOP_SESSION_HORIZON_WEEKS"]
    assert added == session_count()
    assert 3 * weeks - 3 <= added <= 3 * weeks  # Mon/Wed/Fri, depending on today's weekday
    assert hourly_tick() == 0
    assert session_count() == added


def test_without_redis_a_job_runs_in_process_at_enqueue_time(app):
    make_cohort(make_program())
    assert enqueue(hourly_tick, job_id="tick-now")
    assert session_count() > 0


def test_with_redis_the_job_goes_to_rq_and_a_worker_runs_it(make_app, redis_url):
    app = make_app(REDIS_URL=redis_url)
    with app.app_context():
        Redis.from_url(redis_url).flushdb()
        make_cohort(make_program())
        assert enqueue(hourly_tick, job_id="tick-test")
        assert enqueue(hourly_tick, job_id="tick-test")  # a duplicate id is not queued twice
        queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))
        assert queue.count == 1
        assert session_count() == 0
        run_worker_burst(queue)
        assert session_count() > 0


def run_worker_burst(queue: Queue) -> None:
    """Run an RQ worker until the queue is empty, then give the test process its signal handlers back."""
    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


def test_redis_down_keeps_the_app_working_and_reports_not_queued(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    with app.app_context():
        assert enqueue(hourly_tick, job_id="tick-down") is False
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.json == {"status": "degraded", "database": "ok", "redis": "unavailable"}


def test_healthz_reports_database_and_redis(make_app, redis_url):
    app = make_app(REDIS_URL=redis_url)
    assert app.test_client().get("/healthz").json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_sessions_are_generated_in_program_time(app):
    program = make_program(timezone="America/Chicago")
    cohort = make_cohort(program, meeting_days="0123456")
    hourly_tick()
    first = db.session.scalars(select(GroupSession).order_by(GroupSession.starts_at)).first()
    local = first.starts_at.astimezone(program.zone)
    assert (local.hour, local.minute) == (cohort.start_time.hour, cohort.start_time.minute)
    assert first.session_date == local.date() == program.today()
    assert first.starts_at.utcoffset() == timedelta(0)


def test_a_delayed_job_waits_in_rqs_schedule(make_app, redis_url):
    app = make_app(REDIS_URL=redis_url)
    with app.app_context():
        Redis.from_url(redis_url).flushdb()
        assert enqueue(hourly_tick, job_id="tick-later", delay=timedelta(minutes=30))
        queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))
        assert queue.count == 0
        assert "tick-later" in queue.scheduled_job_registry.get_job_ids()


def test_without_redis_a_delayed_job_is_left_to_the_in_process_tick(app):
    make_cohort(make_program())
    assert enqueue(hourly_tick, job_id="tick-later", delay=timedelta(minutes=30))
    assert session_count() == 0
