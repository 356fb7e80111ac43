"""The Messages tab: the client's secure thread with the care team, read and answered by the care team."""

from flask import Blueprint, abort, url_for
from flask_login import current_user

from iop.clients.tabs import render_client_tab
from iop.extensions import db
from iop.htmx import changed, invalid
from iop.messages.forms import HandledForm, MessageForm
from iop.models import Client
from iop.permissions import care_team_required, get_client_or_404
from iop.security import checks_control_characters
from iop.services.client_links import active_link
from iop.services.secure_messages import (
    MessageRefused,
    read_as_care_team,
    send_staff_message,
    set_handled,
    thread_messages,
    thread_of,
)

# A tab of the client record: its URLs sit under the client, named like the blueprint and its templates.
bp = Blueprint("messages", __name__, url_prefix="/clients/<int:client_id>/messages")
MESSAGES_UPDATED = "messages-updated"


def _render(client: Client, *, form=None, audit_view=True, notice=None, error=None, newly_read=0):
    return render_client_tab(
        client,
        "messages",
        "messages/index.html",
        audit_view=audit_view,
        messages=thread_messages(client),
        thread=thread_of(client),
        link=active_link(client),
        form=form or MessageForm.blank(),
        handled_form=HandledForm(formdata=None),
        notice=notice,
        error=error,
        newly_read=newly_read,
    )


def _saved(client: Client, message: str):
    return changed(
        lambda: _render(client, audit_view=False, notice=message),
        message=message,
        location=url_for("messages.index", client_id=client.id),
        trigger=MESSAGES_UPDATED,
    )


@bp.get("")
@care_team_required
def index(client_id: int):
    """The thread, newest first; opening it marks the client's messages read by this care-team member."""
    client = get_client_or_404(client_id)
    # Like the audit event of the view, noting who read what is part of opening the thread.
    return _render(client, newly_read=read_as_care_team(client, current_user))


@bp.post("")
@care_team_required
@checks_control_characters
def reply(client_id: int):
    """Write to the client; the client is told by a mail that holds no PHI (at most one an hour)."""
    client = get_client_or_404(client_id)
    form = MessageForm()
    if form.validate():
        try:
            send_staff_message(client, form.body.data, current_user, form.submission_key.data)
        except MessageRefused as refused:
            form.body.errors = [*form.body.errors, str(refused)]
        else:
            db.session.commit()
            return _saved(client, "Message sent.")
    return invalid(lambda: _render(client, form=form, audit_view=False))


@bp.post("/handled")
@care_team_required
def handle(client_id: int):
    """Mark the thread handled, or open it again; the client's next message opens it by itself."""
    client = get_client_or_404(client_id)
    form = HandledForm()
    if not form.validate() or form.handled.data not in ("1", "0"):
        abort(400)
    try:
        set_handled(client, current_user, form.handled.data == "1")
    except MessageRefused as refused:
        message = str(refused)
        return invalid(lambda: _render(client, audit_view=False, error=message), 409)
    db.session.commit()
    return _saved(client, "Thread marked handled." if form.handled.data == "1" else "Thread opened again.")
