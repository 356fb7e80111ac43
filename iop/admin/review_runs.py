"""Admin views of review runs: each cohort-week's job, its progress (a fragment that polls itself while
work is under way) and a retry for a failed one."""

from flask import url_for
from flask_login import current_user

from iop.admin import bp
from iop.extensions import db
from iop.htmx import changed, render_page
from iop.permissions import admin_required, get_review_run_or_404, permitted_program_ids
from iop.services.review_runs import retry_run, runs_by_week

POLL_SECONDS = 2


def _render():
    weeks = runs_by_week(sorted(permitted_program_ids()))
    return render_page(
        "admin/review_runs.html",
        ("runs",),
        weeks=weeks,
        polling=any(week.in_progress for week in weeks),
        poll_seconds=POLL_SECONDS,
    )


@bp.get("/review-runs/")
@admin_required
def review_runs():
    """The latest weeks' review runs of the admin's programs: queued, running, done or failed."""
    return _render()


@bp.post("/review-runs/<int:run_id>/retry")
@admin_required
def retry_review_run(run_id: int):
    """Queue a failed review run again."""
    run = get_review_run_or_404(run_id)
    retry_run(run, current_user)
    db.session.commit()  # the job is queued (or, without Redis, run) as this commits
    return changed(
        _render,
        message=f"Reviews of {run.cohort.name} for the week of {run.week_start:%b %d} queued again.",
        location=url_for("admin.review_runs"),
        trigger="review-runs-updated",
    )
