"""The client's own pages by personal link: open the link (with its second step), today's page.

Everything shown comes from the client of the link in this browser's client session (g.client):
no route takes a client id, so no other client's data can be asked for.
"""

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from iop.clients.assessment_forms import ItemsForm, assessment_form
from iop.clients.assessments import enqueue_escalation_checks
from iop.clinical.checkins import CHECKIN_SCALES, SOCIAL_CATEGORIES
from iop.clinical.instruments import AnswerError
from iop.extensions import db
from iop.htmx import invalid
from iop.me import feedback, homework, journal, logs, messages, scores, wearables
from iop.me.forms import CheckinForm, OpenLinkForm
from iop.models import AssessmentResponse
from iop.permissions import client_required, public
from iop.services.assessments import AssessmentRefused, record_assessment
from iop.services.checkins import CheckinRefused, submit_checkin, todays_checkin
from iop.services.client_links import (
    LinkProblem,
    check_second_factor,
    end_client_session,
    open_link,
    record_client_view,
    start_client_session,
)
from iop.services.secure_messages import unread_for_client
from iop.services.self_reports import client_questionnaires

bp = Blueprint("me", __name__, url_prefix="/me")


@bp.before_request
def _audit_as_client():
    # What happens on these pages is the client's doing, whoever else is signed in in this browser.
    g.audit_as_client = True


LINK_PROBLEMS = {
    "unknown": (
        "This link does not work",
        "It may have been copied incompletely. Ask your care team for a new one.",
    ),
    "revoked": (
        "This link was turned off",
        "Your care team turned it off. Ask them for a new one if you need it.",
    ),
    "replaced": (
        "This link was replaced",
        "A newer link was sent to you; use the one in the latest message.",
    ),
    "expired": ("This link has expired", "Links work for 30 days. Ask your care team to send a new one."),
    "throttled": (
        "Too many tries",
        "For your safety this link is paused for a few minutes. Try again later.",
    ),
}


def _problem(kind: str):
    title, message = LINK_PROBLEMS[kind]
    db.session.commit()  # the refusal is audited
    return render_template(
        "me/link_problem.html", title=title, message=message
    ), 404 if kind == "unknown" else 410


def _passes_second_step(link, form: OpenLinkForm) -> bool:
    """Whether the posted form opens the link: its PIN or date of birth when it asks for one. A wrong
    answer is marked on its field (check_second_factor audits and counts it, and raises
    LinkProblem("throttled") after too many)."""
    answer = form.answer_for(link.second_factor) if form.validate() else None
    if form.errors:
        return False
    if link.second_factor == "none" or check_second_factor(link, answer):
        return True
    field = form.pin if link.second_factor == "pin" else form.date_of_birth
    field.errors = ["That does not match. Check it and try again."]
    return False


@bp.route("/l/<link_token>", methods=["GET", "POST"])
@public
def open(link_token: str):
    """The personal link: a button (and the PIN or date of birth when asked) opens the client's pages.

    Opening needs a click, so a mail scanner that follows the link starts nothing.
    """
    form = OpenLinkForm()
    try:
        link = open_link(link_token)
        passed = form.is_submitted() and _passes_second_step(link, form)
    except LinkProblem as problem:
        return _problem(problem.kind)
    if passed:
        start_client_session(link)
        db.session.commit()
        return redirect(url_for("me.index"), 303)
    if not form.is_submitted():
        return render_template("me/open.html", form=form, link=link)
    db.session.commit()  # a failed try is audited and counted
    return render_template("me/open.html", form=form, link=link), 422


@bp.get("/")
@client_required
def index():
    """Today: the check-in and any questionnaire due, for the client of this link only."""
    record_client_view("today")
    db.session.commit()
    return render_template(
        "me/index.html",
        client=g.client,
        checkin=todays_checkin(g.client),
        questionnaires=client_questionnaires(g.client),
        unread_messages=unread_for_client(g.client),
        today=g.client.program.today(),
        CHECKIN_SCALES=CHECKIN_SCALES,
        SOCIAL_CATEGORIES=SOCIAL_CATEGORIES,
    )


def _render_checkin(form, status=200, error=None):
    return (
        render_template(
            "me/checkin.html", client=g.client, form=form, error=error, done=todays_checkin(g.client)
        ),
        status,
    )


@bp.route("/checkin", methods=["GET", "POST"])
@client_required
def checkin():
    """Today's check-in, under a minute: bad input comes back as typed, a double submit stores one."""
    skills = g.client.program.coping_skills
    if request.method == "GET":
        record_client_view("checkin")
        db.session.commit()
        return _render_checkin(CheckinForm.blank(skills))
    form = CheckinForm(skills=skills)
    if not form.validate():
        return invalid(lambda: _render_checkin(form))
    try:
        submit_checkin(g.client_link, form.to_input(), form.submission_key.data)
    except CheckinRefused as refused:
        for name, message in refused.errors.items():
            if name in form:
                form[name].errors = [*form[name].errors, message]
        error = refused.errors.get("form")
        return invalid(lambda: _render_checkin(form, error=error))
    db.session.commit()
    return redirect(url_for("me.index"), 303)


def _render_questionnaire(due, answers, item_errors=None, error=None, status=200):
    html = render_template(
        "me/questionnaire.html",
        client=g.client,
        due=due,
        instrument=due.instrument,
        answers=answers,
        item_errors=item_errors or {},
        error=error,
        today=g.client.program.today(),
    )
    return html, status


class _NotSent(Exception):
    """Why the client's answers were not recorded: a message for the form, or one per item."""

    def __init__(self, error: str | None = None, item_errors: dict | None = None):
        super().__init__(error)
        self.error, self.item_errors = error, item_errors


def _send_questionnaire(due, form) -> AssessmentResponse:
    """Record the client's answers to a questionnaire due today, or _NotSent saying why not."""
    valid, answers, today = form.validate(), form.answers(), g.client.program.today()
    if "csrf_token" in form.errors:
        raise _NotSent("This form had expired: send it again.")
    if not due.is_open(today):
        raise _NotSent("This questionnaire is not due today.")
    if not valid:
        raise _NotSent(item_errors=form.item_errors())
    try:
        return record_assessment(
            g.client, due.instrument.key, answers, today, "self_report", None, client_link=g.client_link
        )
    except AnswerError as problem:
        raise _NotSent(item_errors=problem.item_errors) from problem
    except AssessmentRefused as refused:
        raise _NotSent(str(refused)) from refused


@bp.route("/questionnaires/<instrument>", methods=["GET", "POST"])
@client_required
def questionnaire(instrument: str):
    """A questionnaire due on the program's cadence, sent through the same assessment service the
    care team uses, so scoring and the item-9 alert are the same."""
    due = next((q for q in client_questionnaires(g.client) if q.instrument.key == instrument), None)
    if due is None:
        abort(404)
    if request.method == "GET":
        record_client_view(f"questionnaire_{instrument}")
        db.session.commit()
        return _render_questionnaire(due, [None] * len(due.instrument.items))
    form = assessment_form(due.instrument, base=ItemsForm)
    try:
        response = _send_questionnaire(due, form)
    except _NotSent as not_sent:
        return _render_questionnaire(
            due, form.answers(), item_errors=not_sent.item_errors, error=not_sent.error, status=422
        )
    db.session.commit()
    enqueue_escalation_checks(response)
    return redirect(url_for("me.questionnaire_sent", response_id=response.id), 303)


@bp.get("/questionnaires/sent/<int:response_id>")
@client_required
def questionnaire_sent(response_id: int):
    """Thank you; and at once, when item 9 was above 0, the crisis lines and word that the team was told."""
    response = db.session.get(AssessmentResponse, response_id)
    if response is None or response.client_id != g.client.id:
        abort(404)
    record_client_view("questionnaire_sent")
    db.session.commit()
    return render_template("me/questionnaire_sent.html", client=g.client, response=response)


@bp.post("/sign-out")
@client_required
def sign_out():
    """Sign this browser out of the client's pages; the link keeps working."""
    end_client_session(g.client_session)
    db.session.commit()
    return redirect(url_for("me.ended", signed_out=1), 303)


@bp.get("/ended")
@public
def ended():
    """Where a browser without a working client session lands."""
    return render_template("me/ended.html")


bp.add_url_rule("/journal", "journal", journal.journal, methods=["GET", "POST"])
bp.add_url_rule("/journal/<int:entry_id>/share", "share_entry", journal.share_entry, methods=["POST"])
bp.add_url_rule("/messages", "messages", messages.messages, methods=["GET", "POST"])
bp.add_url_rule("/feedback", "feedback_list", feedback.feedback_list)
bp.add_url_rule("/feedback/<int:session_id>", "feedback", feedback.feedback, methods=["GET", "POST"])
bp.add_url_rule("/homework", "homework", homework.homework)
bp.add_url_rule(
    "/homework/<int:assignment_id>/done", "homework_done", homework.homework_done, methods=["POST"]
)
bp.add_url_rule("/wearables", "wearables", wearables.wearables, methods=["GET", "POST"])
bp.add_url_rule(
    "/wearables/imports/<int:import_id>",
    "wearable_preview",
    wearables.wearable_preview,
    methods=["GET", "POST"],
)
bp.add_url_rule("/wearables/imports/<int:import_id>/done", "wearable_done", wearables.wearable_done)
bp.register_error_handler(413, wearables.too_large)
bp.add_url_rule("/logs", "logs", logs.logs)
bp.add_url_rule("/logs/exposure", "log_exposure", logs.log_exposure_event, methods=["POST"])
bp.add_url_rule("/logs/panic", "log_panic", logs.log_panic_count, methods=["POST"])
bp.add_url_rule("/scores", "scores", scores.scores)
bp.add_url_rule("/scores.json", "scores_data", scores.scores_data)
