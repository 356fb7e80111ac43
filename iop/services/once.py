"""Forms that store once, however often they are posted (a double tap, a retry on a slow phone).

Each such form carries a random submission key (iop.fields.OnceForm) and the row it stores keeps that
key under a unique index. A post whose key is already stored saves nothing and answers with the row
stored first; two posts racing with one key are settled by the index. The services of the client's
check-in, journal, logs and messages and of the family observation share these two steps.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from iop.extensions import db

ALREADY_USED = "This form was already used. Reload the page and try again."

Row = TypeVar("Row")


def stored_with_key(model: type[Row], submission_key: str) -> Row | None:
    """The row an earlier post of the same form stored, if any. The caller checks that it is the
    same person's: a key another person's row carries is refused with ALREADY_USED."""
    return db.session.scalar(select(model).where(model.submission_key == submission_key))


def insert_once(row: Row) -> tuple[Row | None, bool]:
    """Insert `row` (which carries its form's key); returns the row stored and whether it is this one.

    When a request running alongside stored the same key first, this insert is undone (a savepoint)
    and the winner is returned. None comes back when another unique rule refused the row and no row
    has the key (a check-in for a day that has one, say): the caller says why."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return stored_with_key(type(row), row.submission_key), False
    return row, True
