"""Password reset by an emailed link: single use, stored hashed, 30 minutes, throttled, audited.

Asking for a link says the same whatever was typed, so the form never tells whether an account
exists. Using a link ends every session of the account; the second factor still guards the next
sign-in (a reset never signs anyone in).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from iop import clock
from iop.extensions import db
from iop.keys import identifier_hash
from iop.models import PasswordResetToken, User
from iop.services.accounts import normalise_email
from iop.services.audit import record_event
from iop.services.messaging import send_message
from iop.services.passwords import hash_password

RESET_MINUTES = 30


class ResetProblem(ValueError):
    """Why a reset link cannot be used: unknown (or tampered with), used, withdrawn or expired."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _withdraw_open_links(user_id: int) -> None:
    db.session.execute(
        update(PasswordResetToken)
        .where(
            PasswordResetToken.user_id == user_id,
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=clock.now())
    )


def request_reset(email: str, ip: str | None, reset_url: Callable[[str], str]) -> None:
    """Mail a reset link when the email belongs to an active account and the throttle allows it.

    Returns nothing on purpose: the caller shows one answer for every outcome. Throttled per
    account (a few links per window, so nobody floods someone's inbox) and per address.
    """
    from iop.services import throttle

    account_key = identifier_hash(normalise_email(email))
    config = current_app.config
    allowed = throttle.take_attempt(
        throttle.counter_key("reset-ip", str(ip)), config["IOP_RESET_MAX_PER_IP"]
    ) and throttle.take_attempt(
        throttle.counter_key("reset-account", account_key), config["IOP_RESET_MAX_PER_ACCOUNT"]
    )
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    sent = bool(allowed and user is not None and user.active)
    record_event(
        "auth.password_reset_requested",
        "user",
        user.id if sent else None,
        actor_id=user.id if sent else None,
        # What was typed is kept only as a keyed hash, like a failed sign-in.
        details={"account": account_key, "sent": sent, "throttled": not allowed},
    )
    if not sent:
        return
    _withdraw_open_links(user.id)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=_hash_token(token),
            created_at=now,
            expires_at=now + timedelta(minutes=RESET_MINUTES),
        )
    )
    send_message(
        user.email,
        "Reset your Stepwise password",
        "Someone (we hope you) asked to reset the password of your Stepwise account.\n\n"
        f"Open this link within {RESET_MINUTES} minutes to choose a new password:\n\n"
        f"{reset_url(token)}\n\n"
        "The link works once. If you did not ask for it, ignore this message:\n"
        "your password stays as it is.\n",
        purpose="password_reset",
        actor=user,
    )


def open_reset(token: str) -> PasswordResetToken:
    """The live reset link behind a token, or ResetProblem saying why it cannot be used."""
    if not token or len(token) > 100:
        raise ResetProblem("unknown")
    link = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _hash_token(token))
    )
    if link is None:
        raise ResetProblem("unknown")
    if link.used_at is not None:
        raise ResetProblem("used")
    if link.withdrawn_at is not None:
        raise ResetProblem("withdrawn")
    if clock.now() >= link.expires_at or not link.user.active:
        raise ResetProblem("expired")
    return link


def complete_reset(link: PasswordResetToken, new_password: str) -> User:
    """Use the link once: the new password is set, every session of the account ends, other links stop."""
    from iop.security import end_all_sessions

    # Claim the link with one conditional UPDATE, so two racing posts cannot both use it.
    claimed = db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == link.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=clock.now())
    ).rowcount
    if claimed != 1:
        raise ResetProblem("used")
    user = link.user
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    _withdraw_open_links(user.id)
    ended = end_all_sessions(user.id, "password_reset_link")
    record_event(
        "auth.password_reset_completed",
        "user",
        user.id,
        actor_id=user.id,
        details={"link_id": link.id, "sessions_ended": ended},
    )
    return user
