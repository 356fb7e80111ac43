"""Finding clients: search by name, date of birth or MRN, filtered by program, cohort and status."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists, false, func, not_, or_, select
from sqlalchemy.orm import selectinload

from iop.models import Client, Enrollment, Program, User

CLIENT_STATUSES = {
    "active": "Active",
    "pre_admission": "Pre-admission",
    "discharged": "Discharged",
}
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y")


@dataclass(frozen=True)
class ClientFilters:
    query: str = ""
    program_id: int | None = None
    cohort_id: int | None = None
    status: str | None = None


def parse_date(term: str) -> date | None:
    """A date typed as 1990-04-02, 04/02/1990 or 4/2/90; None when it is not a date."""
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(term, pattern).date()
        except ValueError:
            continue
    return None


def client_status(client: Client, today: date) -> tuple[str, Enrollment | None]:
    """Where the client stands today, and the enrollment that says so (current, next or last)."""
    current = next((e for e in client.enrollments if e.is_active_on(today)), None)
    if current:
        return "active", current
    upcoming = next((e for e in client.enrollments if e.started_on > today), None)
    if upcoming:
        return "pre_admission", upcoming
    return "discharged", client.enrollments[-1] if client.enrollments else None


def _status_condition(status: str, today_by_program: dict[int, date]):
    """Clients with that status, each program judged by its own today."""

    def active(today):
        return exists().where(
            Enrollment.client_id == Client.id,
            Enrollment.started_on <= today,
            or_(Enrollment.ended_on.is_(None), Enrollment.ended_on > today),
        )

    def upcoming(today):
        return exists().where(Enrollment.client_id == Client.id, Enrollment.started_on > today)

    def per_program(condition):
        return or_(
            false(),
            *(and_(Client.program_id == pid, condition(today)) for pid, today in today_by_program.items()),
        )

    if status == "active":
        return per_program(active)
    if status == "pre_admission":
        return per_program(lambda today: and_(not_(active(today)), upcoming(today)))
    return per_program(lambda today: and_(not_(active(today)), not_(upcoming(today))))


def client_search(user: User, filters: ClientFilters):
    """A select() of the clients of the user's programs matching the filters, sorted by name."""
    programs = [p for p in user.programs if filters.program_id in (None, p.id)]
    today_by_program = {program.id: program.today() for program in programs}
    query = (
        select(Client)
        .join(Program, Program.id == Client.program_id)
        .where(Client.program_id.in_(today_by_program))
        .options(selectinload(Client.enrollments))
        .order_by(func.lower(Client.last_name), func.lower(Client.first_name), Client.id)
    )
    for term in re.split(r"[\s,]+", filters.query.strip())[:5]:
        if not term:
            continue
        born = parse_date(term)
        if born:
            query = query.where(Client.date_of_birth == born)
            continue
        like = f"%{term.lower().replace('%', '').replace('_', '')}%"
        query = query.where(
            or_(
                func.lower(Client.first_name).like(like),
                func.lower(Client.last_name).like(like),
                func.lower(Client.preferred_name).like(like),
                func.lower(Client.mrn) == term.lower(),
            )
        )
    if filters.cohort_id:
        query = query.where(
            exists().where(Enrollment.client_id == Client.id, Enrollment.cohort_id == filters.cohort_id)
        )
    if filters.status in CLIENT_STATUSES:
        query = query.where(_status_condition(filters.status, today_by_program))
    return query
