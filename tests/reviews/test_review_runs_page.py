"""Admins see review runs with their errors, retry a failed one, and watch progress poll until done."""

from sqlalchemy import select

from iop.extensions import db
from iop.models import ReviewRun, WeeklyReview
from tests.factories import make_user
from tests.reviews.data import build_review_world


def make_run(world, status, error=None):
    run = ReviewRun(
        program_id=world.program.id, cohort_id=world.cohort.id, week_start=world.week_start, status=status
    )
    run.error = error
    db.session.add(run)
    db.session.commit()
    return run


def test_a_failed_run_shows_its_error_and_a_retry_that_computes_the_reviews(app, login):
    world = build_review_world(2)
    admin = make_user("admin", programs=[world.program])
    run = make_run(world, "failed", "OperationalError: server closed the connection")
    client = login(admin)
    html = client.get("/admin/review-runs/").get_data(as_text=True)
    assert "OperationalError: server closed the connection" in html
    assert f"/admin/review-runs/{run.id}/retry" in html
    response = client.post(
        f"/admin/review-runs/{run.id}/retry", headers={"HX-Request": "true", "HX-Target": "runs"}
    )
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and fragment.lstrip().startswith('<section id="runs"')
    db.session.expire_all()
    assert db.session.get(ReviewRun, run.id).status == "done"
    assert len(db.session.scalars(select(WeeklyReview)).all()) == 2


def test_progress_polls_itself_while_a_run_is_queued_and_stops_when_all_are_done(app, login):
    world = build_review_world(0)
    admin = make_user("admin", programs=[world.program])
    run = make_run(world, "queued")
    client = login(admin)
    headers = {"HX-Request": "true", "HX-Target": "runs"}
    polling = client.get("/admin/review-runs/", headers=headers).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in polling and "0 of 1 cohorts done" in polling
    run.status = "done"
    db.session.commit()
    finished = client.get("/admin/review-runs/", headers=headers).get_data(as_text=True)
    assert "hx-trigger" not in finished and "1 of 1 cohorts done" in finished


def test_another_programs_run_is_not_found(app, login):
    world = build_review_world(0)
    run = make_run(world, "failed", "RuntimeError: x")
    outsider = make_user("admin", programs=[build_review_world(0).program])
    client = login(outsider)
    assert client.post(f"/admin/review-runs/{run.id}/retry").status_code == 404
    assert "RuntimeError: x" not in client.get("/admin/review-runs/").get_data(as_text=True)
