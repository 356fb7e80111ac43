"""Admitting clients to cohorts, moving them between cohorts, and ending enrollments."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from iop.extensions import db
from iop.models import END_REASONS, Attendance, Client, Cohort, Enrollment, GroupSession, User
from iop.services.audit import record_event

# The optional parts of a client record an admission may fill in.
RECORD_FIELDS = frozenset(
    {
        "preferred_name",
        "mrn",
        "phone",
        "email",
        "emergency_contact_name",
        "emergency_contact_phone",
        "payer",
        "authorization_number",
        "authorization_start",
        "authorization_end",
    }
)


class EnrollmentError(ValueError):
    """An enrollment change that breaks a rule; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class PossibleDuplicate(EnrollmentError):
    """A client with the same name and date of birth is already in the program."""

    def __init__(self, matches: list[Client]):
        super().__init__("A client with this name and date of birth is already in the program.")
        self.matches = matches


def possible_duplicates(program_id: int, first_name: str, last_name: str, date_of_birth: date | None):
    """Clients of the program with the same name (any case) and date of birth."""
    if date_of_birth is None:
        return []
    return list(
        db.session.scalars(
            select(Client)
            .where(
                Client.program_id == program_id,
                func.lower(Client.first_name) == first_name.strip().lower(),
                func.lower(Client.last_name) == last_name.strip().lower(),
                Client.date_of_birth == date_of_birth,
            )
            .order_by(Client.id)
        )
    )


def admit_client(
    cohort: Cohort,
    *,
    first_name: str,
    last_name: str,
    date_of_birth: date | None,
    started_on: date,
    actor: User,
    record: dict | None = None,
    duplicate_confirmed: bool = False,
) -> Enrollment:
    """Create a client and enroll them in a cohort from a date (rolling admission).

    A client with the same name and date of birth raises PossibleDuplicate unless the case manager
    has seen the match and confirmed this is someone else.
    """
    record = {key: value for key, value in (record or {}).items() if value not in (None, "")}
    if set(record) - RECORD_FIELDS:
        raise ValueError(f"unknown client fields {set(record) - RECORD_FIELDS}")
    if cohort.admission == "closed":
        raise EnrollmentError("This cohort is closed to new admissions.")
    if not duplicate_confirmed:
        matches = possible_duplicates(cohort.program_id, first_name, last_name, date_of_birth)
        if matches:
            raise PossibleDuplicate(matches)
    mrn = record.get("mrn")
    if mrn and db.session.scalar(
        select(Client.id).where(Client.program_id == cohort.program_id, Client.mrn == mrn)
    ):
        raise EnrollmentError("Another client of the program has this MRN.", field="mrn")
    client = Client(
        program_id=cohort.program_id,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        date_of_birth=date_of_birth,
        **record,
    )
    enrollment = Enrollment(client=client, cohort=cohort, started_on=started_on, created_by_id=actor.id)
    db.session.add_all([client, enrollment])
    db.session.flush()
    record_event(
        "enrollment.admit",
        "enrollment",
        enrollment.id,
        client.id,
        actor_id=actor.id,
        details={
            "cohort_id": cohort.id,
            "started_on": started_on,
            "fields": sorted(record),
            "duplicate_confirmed": duplicate_confirmed,
        },
    )
    return enrollment


def end_enrollment(enrollment: Enrollment, *, ended_on: date, reason: str, actor: User | None = None) -> None:
    """End an enrollment on a date: the client is no longer on rosters from that date."""
    if reason not in END_REASONS:
        raise EnrollmentError("Choose why the enrollment ends.")
    if enrollment.ended_on is not None:
        raise EnrollmentError("This enrollment has already ended.")
    if ended_on < enrollment.started_on:
        raise EnrollmentError("The end date cannot be before the admission date.")
    last_signed = last_signed_attendance(enrollment)
    if last_signed is not None and ended_on <= last_signed:
        # Rows of a signed note would drop off the roster and out of the client's weeks.
        raise EnrollmentError(
            f"Attendance is signed for {last_signed:%b} {last_signed.day}, {last_signed.year}: "
            "the enrollment can end the day after at the earliest."
        )
    enrollment.ended_on = ended_on
    enrollment.end_reason = reason
    db.session.flush()
    record_event(
        "enrollment.end",
        "enrollment",
        enrollment.id,
        enrollment.client_id,
        actor_id=actor.id if actor else None,
        details={"ended_on": ended_on, "reason": reason},
    )


def last_signed_attendance(enrollment: Enrollment) -> date | None:
    """The date of the latest signed session with an attendance row of this enrollment."""
    return db.session.scalar(
        select(func.max(GroupSession.session_date))
        .join(Attendance, Attendance.session_id == GroupSession.id)
        .where(Attendance.enrollment_id == enrollment.id, GroupSession.signed_at.is_not(None))
    )


def open_enrollment(client: Client) -> Enrollment | None:
    """The client's enrollment that has not ended (today's, or one still to start)."""
    return next((e for e in client.enrollments if e.ended_on is None), None)


def transfer_cohorts(client: Client) -> list[Cohort]:
    """The active cohorts of the client's program a transfer can move the client to."""
    current = open_enrollment(client)
    cohorts = db.session.scalars(
        select(Cohort)
        .where(Cohort.program_id == client.program_id, Cohort.active.is_(True))
        .order_by(Cohort.name)
    )
    return [cohort for cohort in cohorts if not current or cohort.id != current.cohort_id]


def transfer_client(enrollment: Enrollment, target: Cohort, *, effective_on: date, actor: User) -> Enrollment:
    """Move a client to another cohort of the same program from a date."""
    if target.id == enrollment.cohort_id:
        raise EnrollmentError("The client is already in this cohort.")
    if target.program_id != enrollment.cohort.program_id:
        raise EnrollmentError("Transfers stay within the program.")
    if target.admission == "closed":
        raise EnrollmentError("That cohort is closed to new admissions.")
    end_enrollment(enrollment, ended_on=effective_on, reason="transferred", actor=actor)
    new = Enrollment(
        client_id=enrollment.client_id, cohort=target, started_on=effective_on, created_by_id=actor.id
    )
    db.session.add(new)
    db.session.flush()
    record_event(
        "enrollment.transfer",
        "enrollment",
        new.id,
        enrollment.client_id,
        actor_id=actor.id,
        details={"from_cohort_id": enrollment.cohort_id, "to_cohort_id": target.id, "on": effective_on},
    )
    return new
