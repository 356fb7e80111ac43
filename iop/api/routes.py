"""Machine-readable routes: the health check and JSON for integrations (same access rules as the pages)."""

from flask import Blueprint, current_app
from sqlalchemy import text

from iop.extensions import db
from iop.permissions import get_client_or_404, public, staff_required
from iop.services import progress as progress_service
from iop.services.audit import record_event

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
    record_event("client.view", "client", client.id, client.id, details={"via": "api", "what": "progress"})
    db.session.commit()
    return {
        "client": {"id": client.id, "name": client.full_name, "program_id": client.program_id},
        **progress.to_json(),
    }
