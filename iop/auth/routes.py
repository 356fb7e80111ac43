"""Sign-in (password, then a TOTP code for staff when MFA is on) and sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

import pyotp
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from iop import clock
from iop.auth.forms import CodeForm, SignInForm
from iop.extensions import db
from iop.models import User
from iop.permissions import public, signed_in_required
from iop.security import end_session, start_session
from iop.services.accounts import (
    active_user,
    check_credentials,
    check_second_factor,
    confirm_totp_enrolment,
    pending_totp_secret,
)
from iop.services.audit import record_event

bp = Blueprint("auth", __name__, url_prefix="/auth")

SIGN_IN_FAILED = "That email and password do not match an active account."
THROTTLED = "Too many attempts. Wait 15 minutes and try again."
MFA_PENDING_SECONDS = 300


def _safe_next(target: str | None) -> str:
    """Only follow same-site relative paths after sign-in."""
    if (
        target
        and target.isprintable()  # no CR/LF (header splitting) or other control characters
        and target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("home.index")


def _complete_sign_in(user: User, next_url: str | None):
    start_session(user)
    record_event("auth.sign_in", "user", user.id, actor_id=user.id)
    db.session.commit()
    return redirect(_safe_next(next_url))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Password sign-in."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if form.validate_on_submit():
        result = check_credentials(form.email.data, form.password.data, request.remote_addr)
        if result.user is None:
            db.session.commit()  # keep the failed attempt for throttling
            form.password.errors.append(THROTTLED if result.throttled else SIGN_IN_FAILED)
            return render_template("auth/login.html", form=form), 200
        next_url = request.args.get("next")
        # DESIGN.md §8: the second factor guards staff accounts; family members sign in by password.
        if current_app.config["IOP_REQUIRE_MFA"] and result.user.kind == "staff":
            db.session.commit()
            session.clear()
            session["mfa_user_id"] = result.user.id
            session["mfa_started"] = clock.now().timestamp()
            session["mfa_next"] = next_url
            return redirect(url_for("auth.mfa"))
        return _complete_sign_in(result.user, next_url)
    if request.args.get("expired"):
        flash("You were signed out after 30 minutes without activity.", "info")
    return render_template("auth/login.html", form=form)


def _pending_user() -> User | None:
    """The account whose password was just checked, while its second step is still open (5 minutes)."""
    started = session.get("mfa_started", 0)
    user = active_user(session.get("mfa_user_id"))
    return user if user and clock.now().timestamp() - started <= MFA_PENDING_SECONDS else None


def _render_mfa(user: User, form: CodeForm, setup_secret: str | None):
    uri = (
        pyotp.TOTP(setup_secret).provisioning_uri(name=user.email, issuer_name="Stepwise")
        if setup_secret
        else None
    )
    return render_template("auth/mfa.html", form=form, setup_secret=setup_secret, provisioning_uri=uri)


@bp.route("/mfa", methods=["GET", "POST"])
@public
def mfa():
    """Second factor: a TOTP code; first-time users set up their authenticator here."""
    user = _pending_user()
    if user is None:
        session.clear()
        return redirect(url_for("auth.login"))
    setup_secret = None if user.totp_secret else pending_totp_secret(user)
    form = CodeForm()
    if form.validate_on_submit():
        result = check_second_factor(user, form.code.data, secret=setup_secret)
        if result.ok:
            if setup_secret:
                confirm_totp_enrolment(user)
            return _complete_sign_in(user, session.get("mfa_next"))
        if result.throttled:
            db.session.commit()  # the throttled attempt is kept
            session.clear()  # the pending sign-in ends: the password step starts again
            flash(THROTTLED, "error")
            return redirect(url_for("auth.login"))
        form.code.errors.append("That code is not valid. Codes change every 30 seconds and work once.")
    db.session.commit()  # the failed attempt, or a newly made enrolment key, is kept server-side
    return _render_mfa(user, form, setup_secret)


@bp.post("/logout")
@signed_in_required
def logout():
    """End the session everywhere: the server-side record is closed, not just the cookie."""
    record_event("auth.sign_out", "user", current_user.id)
    end_session("signed_out")
    logout_user()
    db.session.commit()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
