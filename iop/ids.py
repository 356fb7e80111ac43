"""Row ids from the outside world: ASCII digits within the database's integer range, or nothing.

Ids in paths go through `RowIdConverter` (it replaces Flask's `int` converter app-wide), ids in
forms and query strings through `parse_row_id`, so an id of 2**63 or of Unicode digits is a 404
or a form error, never a database error.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

# Primary keys are PostgreSQL `integer` columns.
MAX_ROW_ID = 2**31 - 1


def is_row_id(raw: str | None) -> bool:
    """True when the text is an id that could name a row."""
    return bool(raw) and raw.isascii() and raw.isdigit() and len(raw) <= 10 and 0 < int(raw) <= MAX_ROW_ID


def parse_row_id(raw: str | None) -> int | None:
    """The id the text names, or None."""
    return int(raw) if is_row_id(raw) else None


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: 1 to MAX_ROW_ID in ASCII digits; anything else does not match."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Install the converter before any blueprint registers its routes."""
    app.url_map.converters["int"] = RowIdConverter
