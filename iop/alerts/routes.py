"""Safety alerts: the list, the nav badge that polls for them, and acknowledging one with a note."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_htmx import make_response
from flask_login import current_user

from iop.extensions import db, htmx
from iop.htmx import render_page
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
    try:
        acknowledge_alert(alert, note, current_user)
    except AlertRefused as error:
        db.session.rollback()
        return _after(alert, note, str(error), 422)
    db.session.commit()
    return _after(alert, "", None, 200)


def _after(alert: Alert, note: str, error: str | None, status: int):
    """htmx gets the alert card back in place; a plain post goes back to where it came from."""
    back = "client" if request.form.get("back") == "client" else "alerts"
    if htmx:
        html = render_template("alerts/_alert.html", alert=alert, note=note, error=error, back=back)
        return make_response(html, status, trigger=ALERTS_UPDATED if error is None else None)
    if error is None:
        flash(f"Alert for {alert.client.full_name} acknowledged.", "success")
        if back == "client":
            return redirect(url_for("clients.detail", client_id=alert.client_id), 303)
        return redirect(url_for("alerts.index"), 303)
    return _render_index(errors={alert.id: (note, error)}, status=status)


def _render_index(errors: dict, status: int = 200):
    alerts = open_alerts_for(current_user)
    history = acknowledged_alerts_for(current_user)
    if alerts or history:
        record_events("alert.list", "alert", None, sorted({a.client_id for a in alerts + history}))
        db.session.commit()
    return render_page(
        "alerts/index.html", ("alerts",), status=status, alerts=alerts, history=history, errors=errors
    )
