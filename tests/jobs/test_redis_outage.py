"""Redis stopped while the app runs (DESIGN §7): pages and writes keep working, and the next tick catches up.

The test starts a private redis-server on a port of its own and stops it midway; the shared Redis on
6379 is never touched.
"""

import socket
import subprocess
import time

import pytest
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import func, select

from iop.extensions import db
from iop.jobs import reviews_tick
from iop.models import Attendance, ReviewRun, WeeklyReview
from iop.services.review_runs import REVIEW_QUEUE
from tests.factories import make_enrollment, make_session, make_user, sign_in
from tests.jobs.test_jobs import run_worker_burst
from tests.reviews.data import build_review_world


class PrivateRedis:
    """A redis-server of this test's own, on a free port, that the test can stop and start again."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                if Redis.from_url(self.url, socket_connect_timeout=0.2).ping():
                    return
            except RedisError:  # not listening yet
                pass
            time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


def test_with_redis_stopped_pages_and_writes_work_and_the_next_tick_catches_up(make_app, private_redis):
    app = make_app(REDIS_URL=private_redis.url)
    with app.app_context():
        world = build_review_world(2)
        today_session = make_session(world.cohort)
        member = make_enrollment(world.cohort)
        clinician = make_user("clinician", programs=[world.program])
        browser = app.test_client()
        sign_in(browser, clinician)
        assert browser.get("/healthz").json["redis"] == "ok"

        private_redis.stop()

        assert browser.get("/healthz").json == {
            "status": "degraded",
            "database": "ok",
            "redis": "unavailable",
        }
        page = browser.get(f"/sessions/{today_session.id}")
        assert page.status_code == 200 and member.client.last_name in page.text
        saved = browser.post(
            f"/sessions/{today_session.id}/attendance/{member.id}",
            data={
                "version": "0",
                "status": "present",
                "minutes_attended": "",
                "participation": "4",
                "note": "",
            },
            headers={"HX-Request": "true", "HX-Trigger-Name": "status"},
        )
        assert saved.status_code == 200
        assert (
            db.session.scalar(select(Attendance.participation).where(Attendance.enrollment_id == member.id))
            == 4
        )
        assert browser.get(f"/clients/{member.client_id}").status_code == 200
        # The hourly tick cannot hand its review jobs to Redis: it logs that and leaves the runs queued.
        reviews_tick()
        assert db.session.scalar(select(func.count(WeeklyReview.id))) == 0
        assert db.session.scalar(select(func.count(ReviewRun.id))) > 0

        private_redis.start()  # Redis is back (empty: nothing of the failed enqueues survived)

        reviews_tick()
        queue = Queue(REVIEW_QUEUE, connection=Redis.from_url(private_redis.url))
        assert queue.count > 0
        run_worker_burst(queue)
        db.session.expire_all()
        reviewed = set(db.session.execute(select(WeeklyReview.enrollment_id, WeeklyReview.week_start)).all())
        assert {(enrollment.id, world.week_start) for enrollment in world.members} <= reviewed
        assert db.session.scalar(select(func.count(ReviewRun.id)).where(ReviewRun.status != "done")) == 0
