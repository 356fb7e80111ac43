"""Machine-readable routes: the health check and JSON for integrations (same access rules as the pages)."""

from datetime import date

from flask import Blueprint, current_app, request
from flask_login import current_user
from sqlalchemy import text

from iop.extensions import db
from iop.permissions import care_team_required, get_client_or_404, public, staff_required
from iop.security import take_overview_visit
from iop.services import progress as progress_service
from iop.services.audit import record_event, record_events
from iop.services.review_queue import client_decisions, decision_json, week_reviews

bp = Blueprint("api", __name__)


@bp.get("/healthz")
@public
def healthz():
    """Database and Redis state, for load balancers and monitoring; no client data."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means "not ok" to a health check
        database = "unavailable"
    redis_state = "not configured"
    if current_app.config.get("REDIS_URL"):
        from iop.jobs import redis_connection

        try:
            redis_connection().ping()
            redis_state = "ok"
        except Exception:  # noqa: BLE001
            redis_state = "unavailable"
    healthy = database == "ok" and redis_state != "unavailable"
    return {"status": "ok" if healthy else "degraded", "database": database, "redis": redis_state}, (
        200 if healthy else 503
    )


@bp.get("/api/v1/clients/<int:client_id>/progress")
@staff_required
def client_progress(client_id: int):
    """Scores with severity and change, weekly attendance, participation and adherence, as JSON."""
    client = get_client_or_404(client_id)
    progress = progress_service.client_progress(client)
    if not take_overview_visit(client.id):  # the overview page that fetched this was audited already
        record_event(
            "client.view", "client", client.id, client.id, details={"via": "api", "what": "progress"}
        )
        db.session.commit()
    return {
        "client": {"id": client.id, "name": client.full_name, "program_id": client.program_id},
        **progress.to_json(),
        "decisions": [decision_json(decision) for decision in client_decisions(client)],
    }


def _asked_week() -> tuple[date | None, str | None]:
    """The Monday named by ?week=, or the message saying what is wrong with it."""
    value = request.args.get("week", "")
    try:
        week = date.fromisoformat(value)
    except ValueError:
        return None, f"week must be a date as YYYY-MM-DD (the Monday of the week), got {value!r}"
    if week.weekday() != 0:
        return None, f"week must be the Monday of the reviewed week; {week} is a {week:%A}"
    return week, None


def _review_json(row) -> dict:
    return {
        "id": row.review.id,
        "enrollment_id": row.review.enrollment_id,
        "client_id": row.review.client_id,
        "cohort_id": row.review.cohort_id,
        "recommendation": row.revision.recommendation,
        "reasons": row.revision.reasons,
        "metrics": row.revision.metrics,
        "thresholds": row.revision.thresholds,
        "revision": row.revision.number,
        "status": row.review.status,
        "decision": decision_json(row.decision),
    }


@bp.get("/api/v1/reviews")
@care_team_required
def reviews():
    """One week's reviews of the user's programs (`week` = the Monday of the reviewed week), as JSON."""
    week, error = _asked_week()
    if error:
        return {"error": error}, 400
    rows = week_reviews(sorted(current_user.program_ids), week)
    if rows:
        client_ids = sorted({row.review.client_id for row in rows})
        record_events("review.list", "weekly_review", None, client_ids, details={"via": "api", "week": week})
        db.session.commit()
    return {"week": week.isoformat(), "reviews": [_review_json(row) for row in rows]}
