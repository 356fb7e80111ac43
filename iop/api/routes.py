"""Machine-readable routes: the health check (JSON integrations come with later issues)."""

from flask import Blueprint, current_app
from sqlalchemy import text

from iop.extensions import db
from iop.permissions import public

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
