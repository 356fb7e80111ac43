"""The Self-reports tab: enable client check-ins by personal link, revoke a lost link, read what the
client reported."""

from flask import Blueprint, url_for
from flask_login import current_user

from iop import clock
from iop.clients.tabs import render_client_tab
from iop.clinical.checkins import CHECKIN_SCALES, FEEDBACK_QUESTIONS, HOMEWORK_FREQUENCIES
from iop.clinical.wearables import SOURCES
from iop.extensions import db
from iop.htmx import changed, invalid
from iop.models import CHANNELS, LINK_STATES, SECOND_FACTORS, Client
from iop.permissions import care_team_required, get_client_link_or_404, get_client_or_404, staff_required
from iop.self_reports.forms import EnableForm, HomeworkForm, RevokeLinkForm
from iop.services.audit import record_event
from iop.services.client_links import EnableInput, LinkRefused, enable_checkins, revoke_link
from iop.services.homework import HomeworkInput, HomeworkRefused, assign_homework
from iop.services.self_reports import CLIENT_ACTIONS, self_report_trends, self_reports_tab

bp = Blueprint("self_reports", __name__, url_prefix="/clients")


def _render(
    client: Client, *, enable_form=None, homework_form=None, audit_view=True, notice=None, error=None
):
    return render_client_tab(
        client,
        "self_reports",
        "self_reports/index.html",
        status=422 if enable_form or homework_form or error else 200,
        **vars(self_reports_tab(client)),
        homework_form=homework_form or HomeworkForm(formdata=None),
        HOMEWORK_FREQUENCIES=HOMEWORK_FREQUENCIES,
        audit_view=audit_view,
        checked_at=clock.now(),
        enable_form=enable_form or EnableForm.blank(client.program.today()),
        revoke_form=RevokeLinkForm(formdata=None),
        WEARABLE_SOURCES=SOURCES,
        FEEDBACK_QUESTIONS=FEEDBACK_QUESTIONS,
        CHECKIN_SCALES=CHECKIN_SCALES,
        CLIENT_ACTIONS=CLIENT_ACTIONS,
        notice=notice,
        error=error,
        LINK_STATES=LINK_STATES,
        CHANNELS=CHANNELS,
        SECOND_FACTORS=SECOND_FACTORS,
    )


def _done(client: Client, message: str):
    return changed(
        lambda: _render(client, audit_view=False, notice=message),
        message=message,
        location=url_for("self_reports.index", client_id=client.id),
        trigger="self-reports-updated",
    )


@bp.get("/<int:client_id>/self-reports")
@staff_required
def index(client_id: int):
    """The personal link's state, the client's check-in trends and adherence, and what the client did."""
    return _render(get_client_or_404(client_id))


@bp.get("/<int:client_id>/self-reports/trends")
@staff_required
def trends(client_id: int):
    """The last 28 days of check-ins as JSON for the tab's chart (the tab's table holds the same)."""
    client = get_client_or_404(client_id)
    found = self_report_trends(client)
    record_event(
        "client.view", "client", client.id, client.id, details={"via": "json", "what": "self_reports"}
    )
    db.session.commit()
    return found.chart_data() if found else {"days": [], "series": {}}


@bp.post("/<int:client_id>/self-reports/link")
@care_team_required
def enable(client_id: int):
    """Record the client's consent and send a personal link (an earlier link stops working)."""
    client = get_client_or_404(client_id)
    form = EnableForm()
    if form.validate():
        data = EnableInput(
            form.purpose.data,
            form.consent_on.data,
            form.channel.data,
            form.second_factor.data,
            form.pin.data or "",
        )
        try:
            enable_checkins(
                client, data, current_user, lambda token: url_for("me.open", link_token=token, _external=True)
            )
        except LinkRefused as refused:
            form.form_errors.append(str(refused))
        else:
            db.session.commit()
            return _done(client, f"Personal link sent by {CHANNELS[data.channel].lower()}.")
    return invalid(lambda: _render(client, enable_form=form, audit_view=False))


@bp.post("/<int:client_id>/self-reports/links/<int:link_id>/revoke")
@care_team_required
def revoke(client_id: int, link_id: int):
    """One click: the link stops working and every browser that opened it is signed out."""
    client = get_client_or_404(client_id)
    link = get_client_link_or_404(client, link_id)
    if RevokeLinkForm().validate():
        try:
            revoke_link(link, current_user)
        except LinkRefused as refused:
            message = str(refused)
            return invalid(lambda: _render(client, audit_view=False, error=message))
        db.session.commit()
        return _done(client, "Personal link revoked.")
    return invalid(lambda: _render(client, audit_view=False, error="The form expired; try again."))


@bp.post("/<int:client_id>/self-reports/homework")
@care_team_required
def assign(client_id: int):
    """Assign skill practice: once by a due date, daily or weekly."""
    client = get_client_or_404(client_id)
    form = HomeworkForm()
    if form.validate():
        data = HomeworkInput(
            form.title.data, form.frequency.data, form.due_on.data, form.instructions.data or ""
        )
        try:
            assign_homework(client, data, current_user)
        except HomeworkRefused as refused:
            form.form_errors.append(str(refused))
        else:
            db.session.commit()
            return _done(client, f"Homework assigned: {data.title.strip()}.")
    return invalid(lambda: _render(client, homework_form=form, audit_view=False))
