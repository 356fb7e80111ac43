"""Review jobs: the tick queues missing cohort-weeks, jobs upsert, failures are kept, the CLI runs a week."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from iop import ROOT
from iop.extensions import db
from iop.jobs import reviews_tick, run_reviews
from iop.models import Notification, ReviewRun, WeeklyReview, review_job_id
from iop.services.review_runs import REVIEW_QUEUE, completed_week_starts, retry_run
from tests.reviews.data import add_member, build_review_world


def review_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(WeeklyReview.id)))


def reviewed_weeks() -> set:
    db.session.expire_all()
    return set(db.session.scalars(select(WeeklyReview.week_start)))


def test_the_tick_reviews_every_completed_week_a_member_was_enrolled_and_twice_changes_nothing(app):
    world = build_review_world(2)
    reviews_tick()
    # Enrolled 34 days before the last completed week ended: five weeks, each reviewed once,
    # as after a scheduler that was down for weeks.
    weeks = {world.week_start - timedelta(days=7 * back) for back in range(5)}
    assert reviewed_weeks() == weeks
    assert review_count() == 2 * 5
    reviews_tick()
    assert review_count() == 2 * 5
    runs = db.session.scalars(select(ReviewRun)).all()
    assert len(runs) == 5 and {run.status for run in runs} == {"done"}


def test_the_tick_looks_back_at_most_eight_weeks(app):
    world = build_review_world(0)
    member = add_member(world)
    member.started_on = world.week_end - timedelta(days=7 * 12)
    db.session.commit()
    reviews_tick()
    assert reviewed_weeks() == set(completed_week_starts(world.program))
    assert len(reviewed_weeks()) == 8


def test_a_completed_week_tells_the_programs_case_managers_once(app):
    world = build_review_world(1)
    run_reviews(world.cohort.id, world.week_start.isoformat())
    run_reviews(world.cohort.id, world.week_start.isoformat())
    notices = db.session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind) for n in notices] == [(world.case_manager.id, "reviews_ready")]
    assert "week of" in notices[0].text and f"week={world.week_start.isoformat()}" in notices[0].link


def test_a_failing_run_is_recorded_left_alone_by_the_tick_and_retried_by_an_admin(app, monkeypatch):
    world = build_review_world(1)

    def broken(cohort, monday):
        raise RuntimeError("database went away")

    monkeypatch.setattr("iop.services.reviews.compute_cohort_reviews", broken)
    with pytest.raises(RuntimeError):
        run_reviews(world.cohort.id, world.week_start.isoformat())
    run = db.session.scalar(select(ReviewRun).where(ReviewRun.week_start == world.week_start))
    assert (run.status, run.attempts, run.error) == ("failed", 1, "RuntimeError: database went away")
    monkeypatch.undo()
    reviews_tick()  # the other weeks are computed; the failed one waits for an admin
    db.session.refresh(run)
    assert run.status == "failed" and world.week_start not in reviewed_weeks()
    retry_run(run, world.case_manager)
    db.session.commit()
    db.session.refresh(run)
    assert (run.status, run.attempts) == ("done", 2)
    assert world.week_start in reviewed_weeks()


def test_reviews_run_cli_computes_the_last_completed_week_and_twice_leaves_the_same_reviews(app):
    world = build_review_world(2)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reviews", "run"])
    assert first.exit_code == 0, first.output
    assert "2 reviews computed" in first.output
    assert reviewed_weeks() == {world.week_start}
    runner.invoke(args=["reviews", "run"])
    assert review_count() == 2


def test_reviews_run_cli_takes_a_week(app):
    world = build_review_world(1)
    earlier = world.week_start - timedelta(days=7)
    result = app.test_cli_runner().invoke(
        args=["reviews", "run", "--week", (earlier + timedelta(days=3)).isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert reviewed_weeks() == {earlier}


def test_reviews_run_cli_refuses_a_malformed_week(app):
    result = app.test_cli_runner().invoke(args=["reviews", "run", "--week", "2026-13-01"])
    assert result.exit_code != 0 and "Invalid value" in result.output


def test_with_redis_two_ticks_queue_each_cohort_week_once_and_a_real_worker_computes_them(
    make_app, redis_url
):
    app = make_app(REDIS_URL=redis_url)
    with app.app_context():
        Redis.from_url(redis_url).flushdb()
        world = build_review_world(2)
        reviews_tick()
        reviews_tick()
        queue = Queue(REVIEW_QUEUE, connection=Redis.from_url(redis_url))
        assert sorted(queue.get_job_ids()) == sorted(
            review_job_id(world.cohort.id, world.week_start - timedelta(days=7 * back)) for back in range(5)
        )
        assert review_count() == 0
        environment = {
            **os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": redis_url,
            "SECRET_KEY": "test-secret-key",
        }
        finished = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert finished.returncode == 0, finished.stderr[-2000:]
        assert review_count() == 2 * 5
        reviews_tick()
        assert queue.count == 0  # nothing missing any more
