"""The family portal: this week's observation, own past submissions, and the invitation link.

Nothing clinical is shown here. Every page needs an active consent naming the signed-in person
(the family gate in iop.permissions); without one, the only page left is "access ended".
"""

from datetime import date, timedelta

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_login import current_user

from iop.clinical.weeks import week_start
from iop.extensions import db
from iop.family.forms import ExistingAccountForm, NewAccountForm, ObservationForm
from iop.htmx import changed, invalid
from iop.models import CONCERN_LABELS, OBSERVATION_RATINGS, FamilyObservation
from iop.permissions import family_required, get_family_consent_or_404, get_own_observation_or_404, public
from iop.security import start_session
from iop.services.audit import record_event
from iop.services.consents import (
    ConsentRefused,
    InvitationProblem,
    accept_invitation,
    existing_account,
    open_invitation,
)
from iop.services.family import (
    ObservationInput,
    ObservationRefused,
    own_observations,
    record_family_view,
    submit_observation,
    this_weeks_observation,
)
from iop.services.family_summaries import last_completed_week, week_count

bp = Blueprint("family", __name__, url_prefix="/family")


@bp.get("/")
@family_required
def index():
    """The portal's front door: this week's form for the (usually one) person they support."""
    consents = g.family_consents
    if len(consents) == 1:
        return redirect(url_for("family.observe", consent_id=consents[0].id))
    return render_template("family/choose.html", consents=consents)


def _render_form(consent, form, *, corrects=None, concerns=frozenset(), error=None):
    return render_template(
        "family/observe.html",
        consent=consent,
        form=form,
        corrects=corrects,
        concerns=concerns,
        error=error,
        sent=None if corrects else this_weeks_observation(consent, current_user),
        CONCERN_LABELS=CONCERN_LABELS,
    )


def _correctable(consent, observation_id: int | None) -> FamilyObservation | None:
    """The observation a ?corrects= or confirmation names: this person's own, under this consent."""
    return get_own_observation_or_404(consent, observation_id) if observation_id is not None else None


@bp.route("/<int:consent_id>/observation", methods=["GET", "POST"])
@family_required
def observe(consent_id: int):
    """This week's observation (or, with ?corrects=, a correction of an earlier one)."""
    consent = get_family_consent_or_404(consent_id)
    corrects = _correctable(consent, request.args.get("corrects", type=int))
    if request.method == "GET":
        record_family_view(consent, "correction" if corrects else "observation")
        db.session.commit()
        return _render_form(consent, ObservationForm.blank(), corrects=corrects)
    form = ObservationForm()
    concerns = form.concerns_from(request.form.getlist("concerns"))
    if not form.validate():
        return invalid(lambda: _render_form(consent, form, corrects=corrects, concerns=concerns))
    data = ObservationInput(form.ratings(), concerns, form.note.data or "")
    try:
        observation, _ = submit_observation(consent, current_user, data, form.submission_key.data, corrects)
    except ObservationRefused as refused:
        message = str(refused)
        return invalid(
            lambda: _render_form(consent, form, corrects=corrects, concerns=concerns, error=message)
        )
    db.session.commit()
    location = url_for("family.sent", consent_id=consent.id, observation_id=observation.id)
    return changed(lambda: redirect(location, 303), location=location)


@bp.get("/<int:consent_id>/observations/<int:observation_id>")
@family_required
def sent(consent_id: int, observation_id: int):
    """The confirmation: what was sent, and what to do now when a safety concern was ticked."""
    consent = get_family_consent_or_404(consent_id)
    observation = _correctable(consent, observation_id)
    record_family_view(consent, "confirmation")
    db.session.commit()
    return render_template(
        "family/sent.html",
        consent=consent,
        observation=observation,
        CONCERN_LABELS=CONCERN_LABELS,
        OBSERVATION_RATINGS=OBSERVATION_RATINGS,
    )


@bp.get("/<int:consent_id>/submissions")
@family_required
def submissions(consent_id: int):
    """Everything this person sent about the client, newest first; nobody else's."""
    consent = get_family_consent_or_404(consent_id)
    record_family_view(consent, "submissions")
    db.session.commit()
    return render_template(
        "family/submissions.html",
        consent=consent,
        observations=own_observations(consent, current_user),
        CONCERN_LABELS=CONCERN_LABELS,
        OBSERVATION_RATINGS=OBSERVATION_RATINGS,
    )


@bp.get("/<int:consent_id>/summary")
@family_required
def summary(consent_id: int):
    """The week's attendance count for a consent that includes the summary; nothing clinical."""
    consent = get_family_consent_or_404(consent_id)
    if not consent.scope_attendance_summary:
        abort(404)
    latest = last_completed_week(consent)
    first = week_start(max(consent.granted_on, consent.client.program.today() - timedelta(weeks=52)))
    monday = _week_arg(request.args.get("week"), default=latest)
    if monday is None or not first <= monday <= latest:
        abort(404)
    record_family_view(consent, "attendance_summary")
    db.session.commit()
    return render_template(
        "family/summary.html",
        consent=consent,
        count=week_count(consent, monday),
        previous=monday - timedelta(days=7) if monday > first else None,
        following=monday + timedelta(days=7) if monday < latest else None,
    )


def _week_arg(value: str | None, *, default: date) -> date | None:
    """A Monday from ?week=YYYY-MM-DD; None for anything else (a bad or hostile value)."""
    if value is None:
        return default
    try:
        day = date.fromisoformat(value) if value.isascii() and len(value) == 10 else None
    except ValueError:
        return None
    return day if day is not None and day.weekday() == 0 else None


@bp.get("/ended")
@public
def ended():
    """The one page left when consent has expired or been revoked."""
    return render_template("family/ended.html")


INVITATION_PROBLEMS = {
    "unknown": (
        "This link does not work",
        "It may have been copied incompletely. Ask the care team for a new one.",
    ),
    "used": ("This link was already used", "Each link works once. Sign in with the password you chose."),
    "withdrawn": (
        "This link was replaced",
        "The care team sent a newer invitation; use the link in that email.",
    ),
    "expired": ("This link has expired", "Links work for 72 hours. Ask the care team to send a new one."),
    "consent_ended": ("This invitation has ended", "The consent it was sent under is no longer active."),
}


def _link_problem(kind: str):
    """Why an invitation link does not work: 404 for a link that never existed, 410 for a spent one."""
    title, message = INVITATION_PROBLEMS[kind]
    return render_template(
        "family/link_problem.html", title=title, message=message
    ), 404 if kind == "unknown" else 410


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept(token: str):
    """Set a password (or confirm an existing account) from an invitation link; one use, 72 hours."""
    try:
        invitation = open_invitation(token)
    except InvitationProblem as problem:
        return _link_problem(problem.kind)
    account = existing_account(invitation)
    form = _acceptance_form(invitation, account)
    render = lambda: render_template("family/accept.html", form=form, invitation=invitation, account=account)  # noqa: E731
    if request.method == "GET":
        return render()
    if form.validate():
        try:
            full_name = form.full_name.data if account is None else None
            user = accept_invitation(
                invitation, password=form.password.data, full_name=full_name, ip=request.remote_addr
            )
        except ConsentRefused as refused:
            form.password.errors.append(str(refused))
            db.session.commit()  # a wrong password is counted for throttling and audited
        else:
            return _signed_in(user)
    return invalid(render)


def _acceptance_form(invitation, account):
    """Confirm an existing account with its password, or set up a new one named as the consent names them."""
    if account:
        return ExistingAccountForm()
    consent = invitation.consent
    return NewAccountForm(full_name=consent.recipient_name, email=consent.recipient_email)


def _signed_in(user):
    """The invitation accepted: signed in (audited as a sign-in by invitation) and on to the family portal."""
    start_session(user)
    record_event("auth.sign_in", "user", user.id, actor_id=user.id, details={"via": "invitation"})
    db.session.commit()
    location = url_for("family.index")
    return changed(lambda: redirect(location, 303), location=location)
