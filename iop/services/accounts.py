"""Staff accounts: sign-in checks with throttling, MFA and recovery codes, creation and role changes."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

import pyotp
from sqlalchemy import delete, func, select, update

from iop import clock
from iop.extensions import db
from iop.keys import decrypt_secret, encrypt_secret, identifier_hash, keyed_hash
from iop.models import LoginAttempt, Program, RecoveryCode, StaffRole, User, UserSession
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


def active_user(user_id: int | None) -> User | None:
    """The account with this id while it may sign in, else None."""
    user = db.session.get(User, user_id) if user_id else None
    return user if user is not None and user.active else None


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
    recovery_codes_left: int | None = None  # set when a recovery code was used


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


def check_recovery_code(user: User, code: str) -> SecondFactorResult:
    """A recovery code in place of a TOTP code: same throttle, works once, audited either way."""
    from iop.services import throttle

    if not throttle.reserve_second_factor(user.id):
        record_event("auth.mfa_throttled", "user", user.id, actor_id=user.id)
        return SecondFactorResult(False, throttled=True)
    if user.totp_secret and _use_recovery_code(user, code):
        throttle.second_factor_succeeded(user.id)
        left = unused_recovery_codes(user)
        record_event("auth.recovery_code_used", "user", user.id, actor_id=user.id, details={"left": left})
        return SecondFactorResult(True, recovery_codes_left=left)
    record_event("auth.mfa_failed", "user", user.id, actor_id=user.id, details={"via": "recovery_code"})
    return SecondFactorResult(False)


def pending_totp_secret(user: User) -> str:
    """The key to enrol with, made once and kept (encrypted) on the account until a first code confirms it."""
    secret = _readable_secret(user.totp_pending_secret)
    if secret is None:  # none yet, or unreadable (the key changed): a new one to scan
        secret = pyotp.random_base32()
        user.totp_pending_secret = encrypt_secret(secret)
    return secret


def _readable_secret(stored: str | None) -> str | None:
    """A stored TOTP key decrypted; None when there is none or it cannot be read (tampered, key changed)."""
    from cryptography.fernet import InvalidToken

    if not stored:
        return None
    try:
        return decrypt_secret(stored)
    except InvalidToken:
        return None


def confirm_totp_enrolment(user: User) -> list[str]:
    """A first valid code: the pending key becomes the second factor; returns fresh recovery codes."""
    user.totp_secret, user.totp_pending_secret = user.totp_pending_secret, None
    record_event("auth.mfa_enrolled", "user", user.id, actor_id=user.id)
    return issue_recovery_codes(user)


def verify_totp(user: User, code: str, secret: str | None = None) -> bool:
    """Accept a TOTP code once: a replayed code (same or earlier time step) is refused."""
    secret = secret or _readable_secret(user.totp_secret)
    if not secret or not code.isascii() or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    now = clock.now()
    for offset in (0, -1, 1):  # one step of clock drift either way
        step = totp.timecode(now) + offset
        if hmac.compare_digest(totp.generate_otp(step), code):  # constant time
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


def enrolment_qr(user: User, secret: str) -> tuple[str, str]:
    """The provisioning URI of an enrolment key and an SVG QR code of it (a data: URI for an <img>)."""
    import segno

    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Stepwise")
    return uri, segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


# Recovery codes -------------------------------------------------------------------------------

RECOVERY_CODE_COUNT = 10
# 10 characters of base32 (50 bits) in two groups: "k7mq2-xw4pa". Unambiguous letters and digits.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def normalise_recovery_code(code: str) -> str:
    """Codes are typed loosely: case, spaces and hyphens do not matter."""
    return "".join(char for char in code.casefold() if char not in " -\t")


def _recovery_hash(code: str) -> str:
    # Keyed (HMAC) rather than argon2: the codes are random, and the key is not in the database.
    return keyed_hash("recovery-code", normalise_recovery_code(code))


def issue_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes with new ones; the plain codes are returned to show once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(code)) for code in codes)
    db.session.flush()
    record_event(
        "auth.recovery_codes_issued", "user", user.id, actor_id=user.id, details={"count": len(codes)}
    )
    return codes


def _use_recovery_code(user: User, code: str) -> bool:
    normalised = normalise_recovery_code(code)
    if not normalised.isascii() or not 8 <= len(normalised) <= 16:
        return False
    # One UPDATE ... WHERE used_at IS NULL: two racing uses of one code cannot both succeed.
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(normalised),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=clock.now())
    ).rowcount
    return used == 1


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def create_staff_user(
    email: str,
    full_name: str,
    password: str,
    roles: set[str],
    programs: list[Program],
    *,
    actor_id: int | None = None,
) -> User:
    """Create a staff account; the caller has already checked the password rules."""
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("An account with this email already exists.")
    user = User(email=email, full_name=full_name.strip(), password_hash=hash_password(password), kind="staff")
    user.role_rows = [StaffRole(role=role) for role in sorted(roles)]
    user.programs = list(programs)
    db.session.add(user)
    db.session.flush()
    record_event(
        "user.create",
        "user",
        user.id,
        actor_id=actor_id,
        details={"roles": sorted(roles), "programs": [p.id for p in programs]},
    )
    return user


def update_staff_user(
    user: User, *, full_name: str, roles: set[str], programs: list[Program], active: bool, actor_id: int
) -> None:
    """Change a staff member's roles, programs or active state; deactivation ends their sessions."""
    from iop.security import end_all_sessions

    before = {"roles": sorted(user.roles), "programs": sorted(user.program_ids), "active": user.active}
    user.full_name = full_name.strip()
    current = {row.role: row for row in user.role_rows}
    user.role_rows = [current.get(role) or StaffRole(role=role) for role in sorted(roles)]
    user.programs = list(programs)
    user.active = active
    after = {"roles": sorted(roles), "programs": sorted(p.id for p in programs), "active": active}
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
