"""Two unrelated lists read in one SQL statement, for pages held to DESIGN.md §10's statement budget."""

from __future__ import annotations

from sqlalchemy import Select, false, select
from sqlalchemy.orm import aliased

from iop.extensions import db


def stacked(first: Select, second: Select) -> tuple[list, list]:
    """The rows of two entity queries (each with its own filter, order and limit), as two lists.

    A FULL OUTER JOIN on false pairs no row with another, so each row of either side comes back once
    beside NULLs; PostgreSQL and SQLite (3.39+) both answer it. The join keeps neither side's order:
    callers sort what they get (a page's lists are short, being limited).
    """
    first_rows, second_rows = first.subquery(), second.subquery()
    first_entity = aliased(first.column_descriptions[0]["entity"], first_rows)
    second_entity = aliased(second.column_descriptions[0]["entity"], second_rows)
    pairs = db.session.execute(
        select(first_entity, second_entity).select_from(first_rows).join(second_rows, false(), full=True)
    ).all()
    return (
        [row for row, _ in pairs if row is not None],
        [row for _, row in pairs if row is not None],
    )
