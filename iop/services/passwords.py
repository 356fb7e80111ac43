"""Password hashing (argon2id) and the password rules of DESIGN.md §8."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
# Long passwords that still top breach lists; a full list belongs in a later hardening pass.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "password1234",
        "password12345",
        "passwordpassword",
        "qwertyuiop12",
        "qwertyuiopasdf",
        "qwerty123456",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "administrator",
        "changeme1234",
        "abcdefghijkl",
        "111111111111",
        "000000000000",
        "aaaaaaaaaaaa",
        "trustno1trustno1",
        "football1234",
        "baseball1234",
        "monkey123456",
        "sunshine1234",
        "princess1234",
        "starwars1234",
    }
)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def password_problem(password: str, *, email: str | None = None, full_name: str | None = None) -> str | None:
    """Why a new password is not acceptable, or None when it is."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or _is_trivial(lowered):
        return "This password is too common; choose another."
    own = [(email or "").lower(), (email or "").lower().split("@")[0], *(full_name or "").lower().split()]
    if any(len(part) >= 3 and part in lowered for part in own):
        return "Do not use your email or your name in the password."
    return None


def _is_trivial(password: str) -> bool:
    """A short pattern repeated (aaaaaaaaaaaa, abcabcabcabc, 121212121212) or a run (abcdefghijkl)."""
    for size in range(1, 5):
        unit = password[:size]
        if (unit * (len(password) // size + 1)).startswith(password):
            return True
    steps = {ord(b) - ord(a) for a, b in zip(password, password[1:], strict=False)}
    return steps in ({1}, {-1})


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verified against when the account does not exist, so unknown emails take as long as wrong passwords.
DUMMY_HASH = hash_password("not-a-real-password-for-timing")


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)
