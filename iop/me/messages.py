"""Secure messages by personal link: the client's thread with their care team (not a chat)."""

from flask import g, redirect, render_template, request, url_for

from iop.extensions import db
from iop.htmx import invalid
from iop.messages.forms import MessageForm
from iop.permissions import client_required
from iop.security import checks_control_characters
from iop.services.client_links import record_client_view
from iop.services.secure_messages import MessageRefused, read_as_client, send_client_message, thread_messages


def _render(form):
    return render_template("me/messages.html", client=g.client, form=form, messages=thread_messages(g.client))


@client_required
@checks_control_characters
def messages():
    """The thread, newest first, and a new message; opening it marks the care team's replies read."""
    if request.method == "GET":
        record_client_view("messages")
        read_as_client(g.client_link)
        db.session.commit()
        return _render(MessageForm.blank())
    form = MessageForm()
    if not form.validate():
        return invalid(lambda: _render(form))
    try:
        send_client_message(g.client_link, form.body.data, form.submission_key.data)
    except MessageRefused as refused:
        form.body.errors = [*form.body.errors, str(refused)]
        return invalid(lambda: _render(form))
    db.session.commit()
    return redirect(url_for("me.messages", sent=1), 303)
