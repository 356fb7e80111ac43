"""The client's journal by personal link: private by default, shared or unshared entry by entry."""

from flask import abort, g, redirect, render_template, request, url_for

from iop.extensions import db
from iop.htmx import invalid
from iop.me.forms import JournalForm, ShareForm
from iop.models import JournalEntry
from iop.permissions import client_required
from iop.services.client_links import record_client_view
from iop.services.journal import JournalRefused, own_entries, set_shared, write_entry


def _render(form, error=None):
    return render_template(
        "me/journal.html", client=g.client, form=form, entries=own_entries(g.client), error=error
    )


@client_required
def journal():
    """The client's own entries and a new one; nothing is shared unless the client ticks the box."""
    if request.method == "GET":
        record_client_view("journal")
        db.session.commit()
        return _render(JournalForm.blank())
    form = JournalForm()
    if not form.validate():
        return invalid(lambda: _render(form))
    try:
        write_entry(g.client_link, form.body.data, bool(form.shared.data), form.submission_key.data)
    except JournalRefused as refused:
        message = str(refused)
        return invalid(lambda: _render(form, error=message))
    db.session.commit()
    return redirect(url_for("me.journal"), 303)


@client_required
def share_entry(entry_id: int):
    """Share one entry with the care team, or take it back."""
    entry = db.session.get(JournalEntry, entry_id)
    if entry is None or entry.client_id != g.client.id:
        abort(404)
    form = ShareForm()
    if not form.validate() or form.shared.data not in ("1", "0"):
        abort(400)
    set_shared(entry, g.client_link, form.shared.data == "1")
    db.session.commit()
    return redirect(url_for("me.journal") + f"#entry-{entry.id}", 303)
