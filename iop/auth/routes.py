"""Sign-in (password, then a TOTP code for staff when MFA is on) and sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from iop import clock
from iop.auth.forms import CodeForm, ForgotPasswordForm, NewPasswordForm, RecoveryCodeForm, SignInForm
from iop.extensions import db
from iop.models import User
from iop.permissions import public, signed_in_required
from iop.security import end_session, fresh_anonymous_session, start_session
from iop.services.accounts import (
    active_user,
    check_credentials,
    check_recovery_code,
    check_second_factor,
    confirm_totp_enrolment,
    enrolment_qr,
    pending_totp_secret,
)
from iop.services.audit import record_event
from iop.services.password_reset import ResetProblem, complete_reset, open_reset, request_reset

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
            fresh_anonymous_session()  # a planted token does not carry the pending sign-in
            db.session.commit()
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


def _render_mfa(
    user: User, form: CodeForm, recovery_form: RecoveryCodeForm, using_recovery: bool, setup_secret
):
    return render_template(
        "auth/mfa.html",
        form=form,
        recovery_form=recovery_form,
        using_recovery=using_recovery,
        setup_secret=setup_secret,
        qr_code=enrolment_qr(user, setup_secret) if setup_secret else None,
    )


def _checked_code(user: User, form, recovery_form, using_recovery: bool, setup_secret):
    """The result of the code posted (None on a GET or an invalid form); a wrong code is marked on its
    field."""
    if request.method != "POST" or not (recovery_form if using_recovery else form).validate():
        return None
    if using_recovery:
        result = check_recovery_code(user, recovery_form.recovery_code.data)
    else:
        result = check_second_factor(user, form.code.data, secret=setup_secret)
    if not result.ok and not result.throttled:
        field = recovery_form.recovery_code if using_recovery else form.code
        field.errors.append(WRONG_RECOVERY_CODE if using_recovery else WRONG_CODE)
    return result


@bp.route("/mfa", methods=["GET", "POST"])
@public
def mfa():
    """Second factor: a TOTP code or a recovery code; first-time users set up their authenticator here."""
    user = _pending_user()
    if user is None:
        session.clear()
        return redirect(url_for("auth.login"))
    setup_secret = None if user.totp_secret else pending_totp_secret(user)
    form, recovery_form = CodeForm(), RecoveryCodeForm()
    using_recovery = "recovery_code" in request.form and not setup_secret
    result = _checked_code(user, form, recovery_form, using_recovery, setup_secret)
    if result is not None and result.ok:
        return _second_factor_passed(user, result, setup_secret)
    if result is not None and result.throttled:
        db.session.commit()  # the throttled attempt is kept
        session.clear()  # the pending sign-in ends: the password step starts again
        flash(THROTTLED, "error")
        return redirect(url_for("auth.login"))
    db.session.commit()  # the failed attempt, or a newly made enrolment key, is kept server-side
    return _render_mfa(user, form, recovery_form, using_recovery, setup_secret)


WRONG_CODE = "That code is not valid. Codes change every 30 seconds and work once."
WRONG_RECOVERY_CODE = "That recovery code is not valid or was already used."


def _second_factor_passed(user: User, result, setup_secret: str | None):
    """Signed in; right after enrolment the recovery codes are shown, once, before going on."""
    codes = confirm_totp_enrolment(user) if setup_secret else None
    response = _complete_sign_in(user, session.get("mfa_next"))
    if codes:
        return render_template("account/recovery_codes.html", codes=codes, next_url=response.location)
    if result.recovery_codes_left is not None:
        flash(_codes_left_message(result.recovery_codes_left), "info")
    return response


def _codes_left_message(left: int) -> str:
    if left == 0:
        return "You used your last recovery code. Make new ones on your account page now."
    return f"Recovery code accepted; {left} left. Make new ones on your account page when few remain."


@bp.route("/forgot", methods=["GET", "POST"])
@public
def forgot():
    """Ask for a reset link; the answer is the same whether or not the email has an account."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/forgot.html", form=form, sent=False), status
    request_reset(
        form.email.data,
        request.remote_addr,
        lambda token: url_for("auth.reset", reset_token=token, _external=True),
    )
    db.session.commit()
    return render_template("auth/forgot.html", form=form, sent=True)


RESET_PROBLEMS = {
    "unknown": ("This link does not work", "It may have been copied incompletely. Ask for a new link."),
    "used": ("This link was already used", "Each link works once. Sign in, or ask for a new link."),
    "withdrawn": ("This link was replaced", "A newer link was sent; use the one in the latest email."),
    "expired": ("This link has expired", "Links work for 30 minutes. Ask for a new one."),
}


def _reset_problem(kind: str):
    title, message = RESET_PROBLEMS[kind]
    return render_template("auth/reset_problem.html", title=title, message=message), (
        404 if kind == "unknown" else 410
    )


@bp.route("/reset/<reset_token>", methods=["GET", "POST"])
@public
def reset(reset_token: str):
    """Choose a new password from an emailed link (once, within 30 minutes); every session ends."""
    try:
        link = open_reset(reset_token)
    except ResetProblem as problem:
        return _reset_problem(problem.kind)
    form = NewPasswordForm(user=link.user)
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/reset.html", form=form), status
    try:
        complete_reset(link, form.new_password.data)
    except ResetProblem as problem:
        db.session.rollback()
        return _reset_problem(problem.kind)
    if current_user.is_authenticated:
        end_session("password_reset_link")
        logout_user()
    db.session.commit()
    flash("Your password was changed and every session signed out. Sign in with the new password.", "info")
    return redirect(url_for("auth.login"), 303)


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
