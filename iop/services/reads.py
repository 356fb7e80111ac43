"""A read built once: a statement with named parameters and the values of one run of it.

The bulk reads that run once per cohort-week (the weekly reviews) build their SQL once per process, so
each run only binds values; the benchmark runs the very same statements over every cohort at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Result, Select

from iop.extensions import db


@dataclass(frozen=True)
class Read:
    statement: Select
    params: dict[str, Any]

    def run(self) -> Result:
        """The rows, as plain tuples, in the session's transaction."""
        return db.session.connection().execute(self.statement, self.params)
