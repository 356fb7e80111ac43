"""The outcome report: response and remission, attendance, step-downs, length of stay, urgent reviews."""

import csv
import io
from datetime import timedelta

from iop.extensions import db
from iop.services.outcomes import outcome_report
from iop.services.reviews import compute_cohort_reviews
from tests.factories import make_user
from tests.reviews.data import add_member, add_score, build_review_world


def world_with_outcomes():
    """Three members: one responds and remits (15 → 4), one does not (15 → 12) and was stepped down
    after 32 days, one was absent throughout; one urgent review."""
    world = build_review_world(0)
    add_member(world)
    stepped = add_member(world, phq9=(15, 12), gad7=(12, 11))
    absent = add_member(world, minutes=0)
    add_score(absent, world.clinician, "phq9", world.week_end - timedelta(days=1), 22)
    stepped.ended_on, stepped.end_reason = stepped.started_on + timedelta(days=32), "stepped_down"
    db.session.commit()
    compute_cohort_reviews(world.cohort, world.week_start)
    db.session.commit()
    return world


def test_the_report_counts_each_measure_for_the_cohort_and_the_program(app):
    world = world_with_outcomes()
    report = outcome_report([world.program], world.week_start - timedelta(days=13), world.week_end)
    cohort_row, total_row = report.rows
    assert (cohort_row["cohort"], total_row["cohort"]) == (world.cohort.name, "All cohorts")
    assert cohort_row["enrollments"] == 3
    # PHQ-9: 15 → 4 responds and remits; 15 → 12 neither; the absent member 15 → 22 neither.
    assert (cohort_row["phq9_measured"], cohort_row["phq9_response"], cohort_row["phq9_remission"]) == (
        3,
        1 / 3,
        1 / 3,
    )
    # Six 3-hour groups: the first member came to all 6, the stepped-down one to the 5 before leaving,
    # the absent one to none of 6: 11 of 17 scheduled groups attended.
    assert cohort_row["attendance"] == 11 / 17
    assert (cohort_row["ended"], cohort_row["step_down_rate"], cohort_row["median_stay_days"]) == (1, 1.0, 32)
    assert cohort_row["urgent_reviews"] == 1
    assert total_row["enrollments"] == 3 and total_row["urgent_reviews"] == 1


def test_the_page_and_the_csv_show_the_report(app, login):
    world = world_with_outcomes()
    client = login(make_user("admin", programs=[world.program]))
    start, end = (world.week_start - timedelta(days=13)).isoformat(), world.week_end.isoformat()
    page = client.get(f"/admin/outcomes/?start={start}&end={end}").get_data(as_text=True)
    assert "PHQ-9 response rate" in page and "33 %" in page
    response = client.get(f"/admin/outcomes.csv?start={start}&end={end}")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["Cohort"] for row in rows] == [world.cohort.name, "All cohorts"]
    assert rows[0]["Step-down rate"] == "1" and rows[0]["Median length of stay (days)"] == "32"
    assert rows[0]["Period start"] == start


def test_a_bad_period_comes_back_with_a_message_per_field(app, login):
    world = build_review_world(0)
    client = login(make_user("admin", programs=[world.program]))
    response = client.get("/admin/outcomes/?start=2026-02-30&end=2026-01-01")
    assert response.status_code == 422
    assert "Enter a date as YYYY-MM-DD." in response.get_data(as_text=True)
    backwards = client.get("/admin/outcomes/?start=2026-03-01&end=2026-01-01")
    assert "cannot be before its start" in backwards.get_data(as_text=True)
    assert client.get("/admin/outcomes.csv?start=x").status_code == 400
