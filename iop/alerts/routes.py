"""Safety alerts: the list, the nav badge that polls for them, and acknowledging one with a note."""

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from iop.extensions import db, htmx
from iop.htmx import changed, invalid, render_page
from iop.models import Alert
from iop.permissions import get_alert_or_404, staff_required
from iop.services.alerts import (
    AlertRefused,
    acknowledge_alert,
    acknowledged_alerts_for,
    open_alert_count,
    open_alerts_for,
)
from iop.services.audit import record_events

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
ALERTS_UPDATED = "alerts-updated"


@bp.get("/")
@staff_required
def index():
    """Open safety alerts of the user's programs (admins: the escalated ones), then the acknowledged ones."""
    return _render_index(errors={})


@bp.get("/badge")
@staff_required
def badge():
    """The nav badge: the number of open alerts. Polled with the background header."""
    return render_template("alerts/_badge.html", count=open_alert_count(current_user))


@bp.post("/<int:alert_id>/acknowledge")
@staff_required
def acknowledge(alert_id: int):
    """Record what was done about an alert; a short note is required. Admins: escalated alerts only."""
    alert = get_alert_or_404(alert_id)
    note = request.form.get("note", "")
    back = "client" if request.form.get("back") == "client" else "alerts"
    try:
        acknowledge_alert(alert, note, current_user)  # refuses before it writes anything
    except AlertRefused as refused:
        error = str(refused)
        return invalid(lambda: _refused(alert, note, error, back))
    db.session.commit()
    return changed(
        lambda: _card(alert, back),
        message=f"Alert for {alert.client.full_name} acknowledged.",
        location=url_for("clients.detail", client_id=alert.client_id)
        if back == "client"
        else url_for("alerts.index"),
        trigger=ALERTS_UPDATED,
    )


def _card(alert: Alert, back: str, note: str = "", error: str | None = None) -> str:
    """The alert card alone: htmx swaps it in place."""
    return render_template("alerts/_alert.html", alert=alert, note=note, error=error, back=back)


def _refused(alert: Alert, note: str, error: str, back: str):
    """htmx: the card with the note as typed and the reason; a plain post: the alerts page with it."""
    if htmx:
        return _card(alert, back, note, error)
    return _render_index(errors={alert.id: (note, error)})


def _render_index(errors: dict):
    alerts = open_alerts_for(current_user)
    history = acknowledged_alerts_for(current_user)
    if alerts or history:
        record_events("alert.list", "alert", None, sorted({a.client_id for a in alerts + history}))
        db.session.commit()
    return render_page("alerts/index.html", ("alerts",), alerts=alerts, history=history, errors=errors)
