"""One's own account: change the password, see the sessions that are signed in, end the others."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request, url_for
from flask_login import current_user

from iop.account.forms import PasswordChangeForm
from iop.extensions import db
from iop.htmx import changed, invalid, render_page
from iop.permissions import signed_in_required
from iop.services.accounts import (
    RECOVERY_CODE_COUNT,
    AccountError,
    change_password,
    end_other_sessions,
    issue_recovery_codes,
    open_sessions,
    unused_recovery_codes,
)

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/password", methods=["GET", "POST"])
@signed_in_required
def password():
    """Change one's password (the current one is required); every other session ends."""
    form = PasswordChangeForm(user=current_user)
    render = lambda: render_template("account/password.html", form=form)  # noqa: E731
    if not form.validate_on_submit():
        return invalid(render) if form.is_submitted() else render()
    try:
        change_password(current_user, form.current_password.data, form.new_password.data, keep=g.user_session)
    except AccountError as error:
        form.current_password.errors.append(str(error))
        db.session.commit()  # a wrong current password is audited
        return invalid(render)
    db.session.commit()
    return changed(
        render,
        message="Your password was changed; any other session was signed out.",
        location=url_for("account.sessions"),
    )


@bp.get("/sessions")
@signed_in_required
def sessions():
    """The sessions signed in to this account, this one marked."""
    return _render_sessions()


@bp.post("/sessions/end-others")
@signed_in_required
def end_others():
    """Sign out every session of this account except this one."""
    ended = end_other_sessions(current_user, keep=g.user_session)
    db.session.commit()
    return changed(
        _render_sessions,
        message=f"{ended} other session{'' if ended == 1 else 's'} signed out.",
        location=url_for("account.sessions"),
    )


@bp.route("/recovery-codes", methods=["GET", "POST"])
@signed_in_required
def recovery_codes():
    """How many recovery codes are left; a POST replaces them all and shows the new ones once."""
    enrolled = current_user.totp_secret is not None
    codes = issue_recovery_codes(current_user) if request.method == "POST" and enrolled else None
    db.session.commit()
    return render_template(
        "account/recovery_codes.html",
        codes=codes,
        enrolled=enrolled,
        left=unused_recovery_codes(current_user),
        total=RECOVERY_CODE_COUNT,
    )


def _render_sessions():
    return render_page(
        "account/sessions.html",
        ("sessions",),
        sessions=open_sessions(current_user),
        current_id=g.user_session.id,
    )
