"""Homework by personal link: what the care team assigned, marked done today with a note."""

from flask import abort, g, redirect, render_template, request, url_for

from iop.extensions import db
from iop.htmx import invalid
from iop.me.forms import HomeworkDoneForm
from iop.permissions import client_required
from iop.services.client_links import record_client_view
from iop.services.homework import HomeworkRefused, client_homework, mark_done


def _render(forms=None, error=None, error_for=None):
    assignments = client_homework(g.client)
    forms = forms or {}
    return render_template(
        "me/homework.html",
        client=g.client,
        today=g.client.program.today(),
        assignments=assignments,
        forms={
            a.id: forms.get(a.id) or HomeworkDoneForm(formdata=None, prefix=f"done-{a.id}")
            for a in assignments
        },
        error=error,
        error_for=error_for,
    )


@client_required
def homework():
    """The practice the care team assigned, and what is done today."""
    if request.method == "GET":
        record_client_view("homework")
        db.session.commit()
    return _render()


@client_required
def homework_done(assignment_id: int):
    """Mark one assignment done today, with an optional note; another client's answers 404."""
    assignment = next((a for a in client_homework(g.client) if a.id == assignment_id), None) or abort(404)
    form = HomeworkDoneForm(prefix=f"done-{assignment.id}")
    if not form.validate():
        return invalid(lambda: _render({assignment.id: form}))
    try:
        mark_done(g.client_link, assignment, form.note.data or "")
    except HomeworkRefused as refused:
        message = str(refused)
        return invalid(lambda: _render({assignment.id: form}, message, assignment.id))
    db.session.commit()
    return redirect(url_for("me.homework") + f"#homework-{assignment.id}", 303)
