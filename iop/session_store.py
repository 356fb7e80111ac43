"""Flask's session kept server-side: the cookie holds a random token and nothing else.

What Flask and its extensions keep in `session` (flashes, which can name a client; the CSRF token;
a pending MFA step) is stored as JSON on the browser's UserSession record, found by the hash of
the token. A visitor who has not signed in gets a record without a user the first time something
is stored; signing in starts a new record with a new token (iop.security.start_session).
"""

from __future__ import annotations

import hashlib
import json
import secrets

from flask import g
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import CallbackDict

from iop import clock
from iop.extensions import db
from iop.models import User, UserSession


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    """A session dict bound to a UserSession record (or to none yet)."""

    def __init__(self, initial=None, record: UserSession | None = None, token: str | None = None):
        def on_update(self):
            self.modified = True

        super().__init__(initial, on_update)
        self.record = record
        self.token = token
        self.modified = False
        self.new_cookie = False

    def bind(self, record: UserSession, token: str) -> None:
        """Move this browser onto a new record and token (sign-in); the cookie changes with it."""
        self.record, self.token = record, token
        self.new_cookie = self.modified = True

    def detach(self) -> None:
        """Forget the record (it ended): anything stored from now on starts a fresh one."""
        self.clear()
        self.record = self.token = None
        self.new_cookie = self.modified = True


def _lookup(token: str) -> UserSession | None:
    # One query for the session, the user, their roles and their programs (the request loader needs them).
    return (
        db.session.execute(
            select(UserSession)
            .where(UserSession.token_hash == hash_token(token))
            .options(joinedload(UserSession.user).joinedload(User.role_rows))
            .options(joinedload(UserSession.user).joinedload(User.programs))
        )
        .unique()
        .scalar_one_or_none()
    )


def new_record(user: User | None) -> tuple[UserSession, str]:
    """A new session record and its token (only the token's hash is stored)."""
    from flask import request

    token = secrets.token_urlsafe(32)
    record = UserSession(
        token_hash=hash_token(token),
        user_id=user.id if user else None,
        ip=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:255],
    )
    db.session.add(record)
    return record, token


def prune_visitor_sessions(idle) -> int:
    """Delete sessions of visitors who never signed in and have been idle longer than `idle`."""
    from sqlalchemy import delete

    return db.session.execute(
        delete(UserSession).where(
            UserSession.user_id.is_(None), UserSession.last_seen_at < clock.now() - idle
        )
    ).rowcount


class ServerSessionInterface(SessionInterface):
    """Sessions stored in user_sessions.data; the cookie is the bare token."""

    def open_session(self, app, request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        static = app.static_url_path and request.path.startswith(app.static_url_path + "/")
        if not token or static or len(token) > 100:
            return ServerSession()
        record = _lookup(token)
        if record is None:
            return ServerSession()
        if record.ended_at is not None:
            # Ended (signed out, timed out, consent ended): a new session; the loader reads why it ended.
            g.ended_session_reason = record.end_reason
            return ServerSession()
        return ServerSession(json.loads(record.data or "{}"), record=record, token=token)

    def save_session(self, app, session: ServerSession, response) -> None:
        if not session.modified:
            return
        if session.record is None:
            if not session:
                if session.new_cookie:
                    response.delete_cookie(
                        self.get_cookie_name(app),
                        domain=self.get_cookie_domain(app),
                        path=self.get_cookie_path(app),
                    )
                return
            record, token = new_record(None)
            session.bind(record, token)
        session.record.data = json.dumps(dict(session), default=str) if session else None
        if session.record.user_id is None:
            session.record.last_seen_at = clock.now()
        db.session.commit()
        if session.new_cookie:
            response.set_cookie(
                self.get_cookie_name(app),
                session.token,
                expires=self.get_expiration_time(app, session),
                httponly=self.get_cookie_httponly(app),
                domain=self.get_cookie_domain(app),
                path=self.get_cookie_path(app),
                secure=self.get_cookie_secure(app),
                samesite=self.get_cookie_samesite(app),
            )
