"""Keys the database never holds: the audit chain's HMAC key, the key that hashes identifiers and
recovery codes, and the key that encrypts TOTP secrets.

All derive from `IOP_AUDIT_KEY` (or, when it is unset, from `SECRET_KEY`), one purpose each, so a
copy of the database alone can neither re-sign the audit trail, reverse a hashed email or code, nor
read a second factor.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app


def _master_key() -> bytes:
    key = current_app.config.get("IOP_AUDIT_KEY") or current_app.config["SECRET_KEY"]
    return key.encode() if isinstance(key, str) else key


def purpose_key(purpose: str) -> bytes:
    """A key of its own for one purpose, derived from the master key."""
    return hmac.new(_master_key(), f"stepwise:{purpose}".encode(), hashlib.sha256).digest()


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA256 of the value under the purpose's key, as 64 hex characters."""
    return hmac.new(purpose_key(purpose), value.encode(), hashlib.sha256).hexdigest()


def identifier_hash(identifier: str) -> str:
    """What a failed sign-in is recorded under: the typed identifier, keyed and hashed."""
    return keyed_hash("identifier", identifier)


def _fernet():
    from cryptography.fernet import Fernet

    return Fernet(base64.urlsafe_b64encode(purpose_key("totp-secret")))


def encrypt_secret(secret: str) -> str:
    """A TOTP key as stored: Fernet (AES-128-CBC and HMAC-SHA256) under a key the database does not hold."""
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(stored: str) -> str:
    """The TOTP key back from what is stored; cryptography.fernet.InvalidToken when it was tampered with."""
    return _fernet().decrypt(stored.encode()).decode()
