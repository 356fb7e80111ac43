"""The Family tab of a client record: consents, invitations, and the family's observations as collateral."""

from flask import Blueprint, url_for
from flask_login import current_user

from iop.clients.tabs import render_client_tab
from iop.consents.forms import ConsentForm, InviteForm, RevokeForm
from iop.extensions import db
from iop.htmx import changed, invalid
from iop.models import CONCERN_LABELS, CONSENT_STATES, OBSERVATION_RATINGS, Client
from iop.permissions import care_team_required, get_client_or_404, get_consent_or_404, staff_required
from iop.services.consents import (
    ConsentInput,
    ConsentRefused,
    client_consents,
    consent_histories,
    invite,
    record_consent,
    revoke_consent,
)
from iop.services.family import client_observations, family_access_log, weekly_summary

bp = Blueprint("consents", __name__, url_prefix="/clients")
FAMILY_UPDATED = "family-updated"


def _render(
    client: Client, *, consent_form=None, revoke_forms=None, invite_errors=None, audit_view=True, notice=None
):
    consents = client_consents(client)
    observations = client_observations(client)
    return render_client_tab(
        client,
        "family",
        "consents/index.html",
        audit_view=audit_view,
        today=client.program.today(),
        consents=consents,
        histories=consent_histories(consents),
        consent_form=consent_form or ConsentForm.blank(client.program.today()),
        revoke_forms={
            consent.id: RevokeForm(formdata=None, prefix=f"revoke-{consent.id}") for consent in consents
        }
        | (revoke_forms or {}),
        invite_form=InviteForm(formdata=None),
        invite_errors=invite_errors or {},
        notice=notice,
        observations=observations,
        weeks=weekly_summary(client, observations),
        access_log=family_access_log(client),
        CONSENT_STATES=CONSENT_STATES,
        CONCERN_LABELS=CONCERN_LABELS,
        OBSERVATION_RATINGS=OBSERVATION_RATINGS,
    )


def _tab_url(client: Client) -> str:
    return url_for("consents.index", client_id=client.id)


def _saved(client: Client, message: str):
    """A change on this tab was saved: the tab again with the notice for htmx, else the message and a 303."""
    return changed(
        lambda: _render(client, audit_view=False, notice=message),
        message=message,
        location=_tab_url(client),
        trigger=FAMILY_UPDATED,
    )


@bp.get("/<int:client_id>/family")
@staff_required
def index(client_id: int):
    """Consents with their state and history, and the family's observations marked as collateral."""
    return _render(get_client_or_404(client_id))


@bp.post("/<int:client_id>/family/consents")
@care_team_required
def create(client_id: int):
    """Record the client's consent to share with one named person."""
    client = get_client_or_404(client_id)
    form = ConsentForm()
    if form.validate():
        data = ConsentInput(**{name: form[name].data for name in ConsentInput.__dataclass_fields__})
        try:
            record_consent(client, data, current_user)
        except ConsentRefused as refused:
            form.form_errors.append(str(refused))
        else:
            db.session.commit()
            message = f"Consent recorded for {data.recipient_name.strip()}."
            return _saved(client, message)
    return invalid(lambda: _render(client, consent_form=form, audit_view=False))


@bp.post("/<int:client_id>/family/consents/<int:consent_id>/invite")
@care_team_required
def send_invitation(client_id: int, consent_id: int):
    """Mail the consent's recipient a single-use link to set their password (valid 72 hours)."""
    client = get_client_or_404(client_id)
    consent = get_consent_or_404(client, consent_id)
    form = InviteForm()
    if form.validate():
        try:
            invite(consent, current_user, lambda token: url_for("family.accept", token=token, _external=True))
        except ConsentRefused as refused:
            errors = {consent.id: str(refused)}
            return invalid(lambda: _render(client, invite_errors=errors, audit_view=False))
        db.session.commit()
        message = f"Invitation sent to {consent.recipient_email}."
        return _saved(client, message)
    return invalid(
        lambda: _render(client, invite_errors={consent.id: "The form expired; try again."}, audit_view=False)
    )


@bp.post("/<int:client_id>/family/consents/<int:consent_id>/revoke")
@care_team_required
def revoke(client_id: int, consent_id: int):
    """Revoke a consent with a reason; the family member's access ends at once."""
    client = get_client_or_404(client_id)
    consent = get_consent_or_404(client, consent_id)
    form = RevokeForm(prefix=f"revoke-{consent.id}")
    if form.validate():
        try:
            revoke_consent(consent, form.reason.data, current_user)
        except ConsentRefused as refused:
            form.form_errors.append(str(refused))
        else:
            db.session.commit()
            message = f"Consent for {consent.recipient_name} revoked."
            return _saved(client, message)
    return invalid(lambda: _render(client, revoke_forms={consent.id: form}, audit_view=False))
