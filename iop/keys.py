"""Keys the database never holds: the audit chain's HMAC key and the key that hashes identifiers.

Both derive from `IOP_AUDIT_KEY` (or, when it is unset, from `SECRET_KEY`), one purpose each, so a
copy of the database alone can neither re-sign the audit trail nor reverse a hashed email.
"""

from __future__ import annotations

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
