"""Sign-in sessions, HTTP security headers, and error pages.

Sessions live in the database (UserSession): the cookie carries only a random token (its values,
flashes included, stay server-side: iop.session_store), so sign-out, deactivation and timeouts end
a session for real, on every web process at once.
"""

from __future__ import annotations

import re
import uuid

from flask import Flask, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_htmx import make_response as htmx_response
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import update

from iop import clock
from iop.extensions import db, htmx, login_manager
from iop.models import User, UserSession
from iop.permissions import enforce_policy
from iop.session_store import ServerSessionInterface, new_record

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Pico draws its checkbox and select icons as data: SVGs.
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Requests made by polling widgets carry this header and do not count as activity.
BACKGROUND_HEADER = "X-Stepwise-Background"
# Writing last_seen_at on every request would be a write per page; once a minute is precise enough.
_TOUCH_INTERVAL_SECONDS = 60
_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,36}$")


# The overview page fetches its chart data right after it renders: that fetch is part of the visit.
OVERVIEW_VISIT_SECONDS = 120


# A client's page whose form token failed (open too long, or the link session ended).
CLIENT_FORM_EXPIRED = {
    "title": "This page has expired",
    "message": "Nothing was saved. Go back, reload the page and try again. If it still does not work, open "
    "your personal link again from the message your care team sent you.",
}


def _visit_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="overview-visit")


def overview_visit_token(client_id: int) -> str:
    """A signed note, put on the charts' data URL, that this user's overview of this client was just audited.

    Signed rather than kept in the session, so showing the overview writes nothing but its audit event."""
    return _visit_serializer().dumps([current_user.id, client_id])


def is_overview_visit(token: str | None, client_id: int) -> bool:
    """Whether the progress JSON is the chart fetch of an overview this user was shown (and audited) lately.

    So one visit is one audit event: the page's own fetch is not a second view, while any other read of
    the progress JSON (an integration, a stale or another user's URL) is audited as usual.
    """
    if not token:
        return False
    try:
        user_id, visited = _visit_serializer().loads(token, max_age=OVERVIEW_VISIT_SECONDS)
    except (BadData, ValueError, TypeError):
        return False
    return user_id == current_user.id and visited == client_id


def start_session(user: User) -> UserSession:
    """Begin a fresh session for the user: a new record and token, so a planted session id is useless."""
    previous = getattr(session, "record", None)
    session.clear()
    if previous is not None and previous.user_id is None:
        db.session.delete(previous)  # what a visitor stored before signing in does not carry over
    record, token = new_record(user)
    session.bind(record, token)
    session.permanent = True
    g.user_session = record
    return record


def fresh_anonymous_session() -> None:
    """Drop what this browser stored before signing in and give it a new token (before the MFA step)."""
    previous = getattr(session, "record", None)
    if previous is not None and previous.user_id is None:
        db.session.delete(previous)
    session.detach()


def end_session(reason: str) -> None:
    """End the current session record; the browser starts a fresh one (for the "signed out" flash)."""
    record = g.get("user_session")
    if record is not None and record.ended_at is None:
        record.ended_at = clock.now()
        record.end_reason = reason
    session.detach()


def end_all_sessions(user_id: int, reason: str, keep: UserSession | None = None) -> int:
    """End every open session of a user (deactivation, password change), but `keep`; how many ended."""
    statement = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    return db.session.execute(statement.values(ended_at=clock.now(), end_reason=reason)).rowcount


@login_manager.request_loader
def load_user_from_session(_request) -> User | None:
    """The signed-in user behind the session record (iop.session_store); expire it when it timed out."""
    record = getattr(session, "record", None)
    if record is None or record.user_id is None or not record.user.active:
        # A family member whose consent ended lands on the page that says so, not on the sign-in form.
        g.access_ended = g.get("ended_session_reason") == "access_ended"
        if record is not None and record.user_id is not None:
            session.detach()
        return None
    from flask import current_app

    now = clock.now()
    if now - record.created_at > current_app.config["IOP_ABSOLUTE_TIMEOUT"]:
        return _expire(record, "absolute_timeout")
    if now - record.last_seen_at > current_app.config["IOP_IDLE_TIMEOUT"]:
        return _expire(record, "idle_timeout")
    is_background = request.headers.get(BACKGROUND_HEADER) == "1"
    if not is_background and (now - record.last_seen_at).total_seconds() > _TOUCH_INTERVAL_SECONDS:
        record.last_seen_at = now
        db.session.commit()
    g.user_session = record
    return record.user


def _expire(record: UserSession, reason: str) -> None:
    record.ended_at = clock.now()
    record.end_reason = reason
    db.session.commit()
    session.detach()
    g.session_expired = True
    return None


def end_access():
    """A family member has no active consent left: end all their sessions and show the access-ended page."""
    from flask_login import logout_user

    from iop.services.audit import record_event

    user_id = current_user.id
    end_all_sessions(user_id, "access_ended")
    record_event("family.access_ended", "user", user_id, actor_id=user_id)
    logout_user()
    session.detach()
    db.session.commit()
    return _to_access_ended()


def _to_access_ended():
    target = url_for("family.ended")
    if htmx:
        return htmx_response("", 401, redirect=target)
    return redirect(target)


@login_manager.unauthorized_handler
def unauthorized():
    """Send the visitor to sign in; htmx gets a 401 with HX-Redirect rather than a login fragment."""
    if g.get("access_ended"):
        return _to_access_ended()
    login_url = url_for(
        "auth.login",
        next=request.full_path if request.method == "GET" else None,
        expired=1 if g.get("session_expired") else None,
    )
    if htmx:
        return htmx_response(
            "", 401, redirect=url_for("auth.login", expired=1 if g.get("session_expired") else None)
        )
    if request.path.startswith("/api/"):
        return {"error": "authentication required"}, 401
    return redirect(login_url)


def _assign_request_id():
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else str(uuid.uuid4())


# What someone whose password an admin reset may open before choosing their own.
_OPEN_BEFORE_PASSWORD_CHANGE = frozenset({"account.password", "auth.logout", "static"})


def _require_password_change():
    """After an admin's reset, every page leads to the change-password form until it is done."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _OPEN_BEFORE_PASSWORD_CHANGE
    ):
        target = url_for("account.password")
        return htmx_response("", 200, redirect=target) if htmx else redirect(target)
    return None


def checks_control_characters(view):
    """Mark a view whose form refuses NUL bytes itself: the form comes back with a message by the field
    and the rest of what was typed, instead of the bare 400 below (its service refuses them as well)."""
    view.checks_control_characters = True
    return view


def _refuse_nul_bytes():
    """No form or query value ever needs a NUL byte, and PostgreSQL refuses them in text."""
    sources = [request.args]
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    checked_by_view = getattr(view, "checks_control_characters", False)
    if (
        not checked_by_view
        and request.method != "GET"
        and request.mimetype
        in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        )
    ):
        sources.append(request.form)
    for values in sources:
        if any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
            abort(400)


def _security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    headers["X-Request-Id"] = g.get("request_id", "")
    if request.endpoint != "static":
        # Pages hold client data: never keep them in a browser or proxy cache.
        headers["Cache-Control"] = "no-store"
        response.vary.add("HX-Request")
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def _error_page(status: int, title: str, message: str):
    if request.path.startswith("/api/"):
        return {"error": title}, status
    if htmx:
        return htmx_response(
            render_template("errors/_message.html", title=title, message=message),
            status,
            retarget="#flash-area",
            reswap="innerHTML",
        )
    return render_template("errors/error.html", title=title, message=message, status=status), status


def init_app(app: Flask) -> None:
    """Wire sessions, policies, headers and error pages into the app."""
    login_manager.login_view = "auth.login"
    login_manager.session_protection = None  # our server-side sessions do this job
    app.session_interface = ServerSessionInterface()

    from iop.jobs import maybe_tick_in_process

    app.before_request(_assign_request_id)
    app.before_request(_refuse_nul_bytes)
    app.before_request(enforce_policy)
    app.before_request(_require_password_change)
    app.before_request(maybe_tick_in_process)
    app.after_request(_security_headers)

    @app.context_processor
    def inject_user():
        return {"current_user": current_user, "background_header": BACKGROUND_HEADER}

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        # A client's pages (by personal link) have no account to sign in to: say what to do there instead.
        if request.blueprint == "me":
            return render_template("me/link_problem.html", **CLIENT_FORM_EXPIRED), 400
        # A token fails after sign-out too: then the honest answer is "sign in again", not "reload".
        if not current_user.is_authenticated and request.endpoint not in (
            "auth.login",
            "auth.mfa",
            "auth.forgot",
            "auth.reset",
        ):
            return unauthorized()
        return _error_page(
            400,
            "This form has expired",
            "Your sign-in changed since the page was loaded. Reload the page and try again; "
            "nothing was saved.",
        )

    @app.errorhandler(400)
    def bad_request(error):
        return _error_page(400, "That request could not be read", "Check what was typed and try again.")

    @app.errorhandler(403)
    def forbidden(error):
        return _error_page(403, "Not allowed", "Your role does not include this action.")

    @app.errorhandler(404)
    def not_found(error):
        return _error_page(404, "Not found", "There is nothing here, or it is not in your programs.")

    @app.errorhandler(405)
    def method_not_allowed(error):
        return _error_page(405, "Not allowed", "That action is not available here.")

    @app.errorhandler(413)
    def too_large(error):
        # A request over MAX_CONTENT_LENGTH is refused before any view reads it (uploads included).
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return _error_page(
            413, "That upload is too large", f"Requests are limited to {limit} MB; nothing was saved."
        )

    @app.errorhandler(500)
    def server_error(error):
        # Never echo the exception: it may contain client data.
        db.session.rollback()
        return _error_page(500, "Something went wrong", "The error was logged. Nothing was saved.")
