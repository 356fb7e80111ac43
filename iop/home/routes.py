"""Home: today's groups for clinicians and case managers; admins land on the admin screens."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from iop.extensions import db
from iop.home.forms import MarkReadForm
from iop.htmx import changed, invalid
from iop.permissions import signed_in_required
from iop.services.messaging import mark_all_read, recent_notifications
from iop.services.rosters import todays_sessions
from iop.services.todo import todo_for

bp = Blueprint("home", __name__)


def _render():
    return render_template(
        "home/index.html",
        sessions=todays_sessions(current_user),
        todo=todo_for(current_user),
        notifications=recent_notifications(current_user, limit=20, unread_only=True),
        mark_read_form=MarkReadForm(formdata=None),
    )


@bp.get("/")
@signed_in_required
def index():
    """Today's groups across the user's programs, in each program's time, the notices and the to-do list."""
    if current_user.kind == "family":
        return redirect(url_for("family.index"))
    if not current_user.has_role("clinician", "case_manager"):
        return redirect(url_for("admin.index"))
    return _render()


@bp.post("/notifications/read")
@signed_in_required
def read_notifications():
    """Mark every notice of the signed-in user read."""
    if not MarkReadForm().validate():
        return invalid(_render)
    mark_all_read(current_user)
    db.session.commit()
    return changed(_render, message="Notifications marked read.", location=url_for("home.index"))
