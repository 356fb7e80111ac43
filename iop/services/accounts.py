"""Staff accounts: sign-in checks with throttling, MFA, creation and role changes."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyotp
from sqlalchemy import select

from iop import clock
from iop.extensions import db
from iop.keys import identifier_hash
from iop.models import LoginAttempt, Program, ProgramRole, User, UserSession
from iop.services.audit import record_event
from iop.services.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password


class AccountError(ValueError):
    """An account change that breaks a rule; the message is shown to the user."""


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    throttled: bool = False


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def check_credentials(email: str, password: str, ip: str | None) -> SignInResult:
    """Check a password sign-in. Unknown accounts and wrong passwords look the same to the caller.

    What was typed as the email is kept only as a keyed hash (it is sometimes a password); a
    throttled attempt is refused before the password is checked.
    """
    from iop.services import throttle

    account_key = identifier_hash(normalise_email(email))
    throttled = not throttle.reserve_sign_in(account_key, ip)
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    password_ok = not throttled and verify_password(user.password_hash if user else DUMMY_HASH, password)
    succeeded = bool(user and user.active and password_ok)
    if succeeded:
        throttle.sign_in_succeeded(account_key, ip)
    db.session.add(LoginAttempt(account_key=account_key, ip=ip, succeeded=succeeded))
    if succeeded and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if not succeeded:
        record_event(
            "auth.sign_in_failed",
            "user",
            user.id if user else None,
            details={"account": account_key, "throttled": throttled},
        )
        return SignInResult(None, throttled=throttled)
    return SignInResult(user)


@dataclass(frozen=True)
class SecondFactorResult:
    ok: bool
    throttled: bool = False


def check_second_factor(user: User, code: str, secret: str | None = None) -> SecondFactorResult:
    """Check a TOTP code, throttled like the password step; failures and lockouts are audited."""
    from iop.services import throttle

    if not throttle.reserve_second_factor(user.id):
        record_event("auth.mfa_throttled", "user", user.id, actor_id=user.id)
        return SecondFactorResult(False, throttled=True)
    if verify_totp(user, code, secret=secret):
        throttle.second_factor_succeeded(user.id)
        return SecondFactorResult(True)
    record_event("auth.mfa_failed", "user", user.id, actor_id=user.id)
    return SecondFactorResult(False)


def pending_totp_secret(user: User) -> str:
    """The key to enrol with, made once and kept on the account until a first code confirms it."""
    if not user.totp_pending_secret:
        user.totp_pending_secret = pyotp.random_base32()
    return user.totp_pending_secret


def confirm_totp_enrolment(user: User) -> None:
    """A first valid code: the pending key becomes the account's second factor."""
    user.totp_secret, user.totp_pending_secret = user.totp_pending_secret, None
    record_event("auth.mfa_enrolled", "user", user.id, actor_id=user.id)


def verify_totp(user: User, code: str, secret: str | None = None) -> bool:
    """Accept a TOTP code once: a replayed code (same or earlier time step) is refused."""
    secret = secret or user.totp_secret
    if not secret or not code.isascii() or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    now = clock.now()
    for offset in (0, -1, 1):  # one step of clock drift either way
        step = totp.timecode(now) + offset
        if hmac.compare_digest(totp.generate_otp(step), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


Grants = Mapping[Program, Iterable[str]]


def _apply_grants(user: User, grants: Grants) -> None:
    """Set the user's roles program by program; a program with no role left is no longer theirs."""
    current = {(row.program_id, row.role): row for row in user.role_rows}
    wanted = {(program.id, role) for program, roles in grants.items() for role in roles}
    user.role_rows = [
        current.get((program_id, role)) or ProgramRole(program_id=program_id, role=role)
        for program_id, role in sorted(wanted)
    ]
    user.programs = [program for program, roles in grants.items() if set(roles)]


def _coded_grants(pairs) -> list[list]:
    return [[program_id, role] for program_id, role in sorted(pairs)]


def create_staff_user(
    email: str,
    full_name: str,
    password: str,
    grants: Grants,
    *,
    actor_id: int | None = None,
) -> User:
    """Create a staff account holding these roles in these programs; the caller checked the password rules."""
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("An account with this email already exists.")
    user = User(email=email, full_name=full_name.strip(), password_hash=hash_password(password), kind="staff")
    _apply_grants(user, grants)
    db.session.add(user)
    db.session.flush()
    record_event(
        "user.create",
        "user",
        user.id,
        actor_id=actor_id,
        details={"roles": _coded_grants(user.grants()), "programs": sorted(user.program_ids)},
    )
    return user


def update_staff_user(user: User, *, full_name: str, grants: Grants, active: bool, actor_id: int) -> None:
    """Change a staff member's roles per program, name or active state; deactivation ends their sessions.

    `grants` is the whole new set: the caller keeps what the acting admin may not change.
    """
    from iop.security import end_all_sessions

    before = {
        "roles": _coded_grants(user.grants()),
        "programs": sorted(user.program_ids),
        "active": user.active,
    }
    user.full_name = full_name.strip()
    _apply_grants(user, grants)
    user.active = active
    after = {"roles": _coded_grants(user.grants()), "programs": sorted(user.program_ids), "active": active}
    if not active:
        end_all_sessions(user.id, "deactivated")
    db.session.flush()
    record_event(
        "user.update", "user", user.id, actor_id=actor_id, details={"before": before, "after": after}
    )


def change_password(user: User, current: str, new: str, *, keep: UserSession | None) -> None:
    """Change one's own password (the current one is required); every other session ends at once."""
    from iop.security import end_all_sessions

    if not verify_password(user.password_hash, current):
        record_event("auth.password_change_refused", "user", user.id, actor_id=user.id)
        raise AccountError("That is not your current password.")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_all_sessions(user.id, "password_changed", keep=keep)
    record_event("auth.password_changed", "user", user.id, actor_id=user.id)


def reset_password(member: User, temporary: str, *, actor_id: int) -> None:
    """An admin sets a temporary password: the member is signed out and must choose their own next time."""
    from iop.security import end_all_sessions

    member.password_hash = hash_password(temporary)
    member.must_change_password = True
    end_all_sessions(member.id, "password_reset")
    record_event("auth.password_reset", "user", member.id, actor_id=actor_id)


def open_sessions(user: User) -> list[UserSession]:
    """The user's sessions that have not ended, newest first."""
    return db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.created_at.desc())
    ).all()


def end_other_sessions(user: User, *, keep: UserSession | None, actor_id: int | None = None) -> int:
    """End every open session of the user but `keep`; how many ended."""
    from iop.security import end_all_sessions

    ended = end_all_sessions(user.id, "ended_by_user" if actor_id is None else "ended_by_admin", keep=keep)
    record_event(
        "auth.sessions_ended", "user", user.id, actor_id=actor_id or user.id, details={"count": ended}
    )
    return ended
