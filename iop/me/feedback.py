"""Feedback after a group, by personal link: the groups attended in the last week, one short form each."""

from flask import abort, g, redirect, render_template, request, url_for

from iop.extensions import db
from iop.htmx import invalid
from iop.me.forms import FeedbackForm
from iop.permissions import client_required
from iop.services.client_links import record_client_view
from iop.services.feedback import FeedbackRefused, groups_to_rate, submit_feedback


@client_required
def feedback_list():
    """The groups the client attended in the last week, and which already have feedback."""
    record_client_view("feedback")
    db.session.commit()
    return render_template("me/feedback_list.html", client=g.client, groups=groups_to_rate(g.client))


def _render(group_session, form, given=None, error=None):
    return render_template(
        "me/feedback.html", client=g.client, group_session=group_session, form=form, given=given, error=error
    )


@client_required
def feedback(session_id: int):
    """Three questions and a comment about one group the client attended; a group not theirs is 404."""
    rateable = {group_session.id: (group_session, given) for group_session, given in groups_to_rate(g.client)}
    if session_id not in rateable:
        abort(404)
    group_session, given = rateable[session_id]
    if request.method == "GET":
        record_client_view("feedback_form")
        db.session.commit()
        return _render(group_session, FeedbackForm(formdata=None), given)
    form = FeedbackForm()
    if not form.validate():
        return invalid(lambda: _render(group_session, form))
    try:
        submit_feedback(g.client_link, group_session, form.ratings(), form.comment.data or "")
    except FeedbackRefused as refused:
        message = str(refused)
        return invalid(lambda: _render(group_session, form, given, message))
    db.session.commit()
    return redirect(url_for("me.feedback_list"), 303)
