"""Admitting clients to cohorts, moving them between cohorts, and ending enrollments."""

from __future__ import annotations

from datetime import date

from iop.extensions import db
from iop.models import END_REASONS, Client, Cohort, Enrollment, User
from iop.services.audit import record_event


class EnrollmentError(ValueError):
    """An enrollment change that breaks a rule; the message is shown to the user."""


def admit_client(
    cohort: Cohort,
    *,
    first_name: str,
    last_name: str,
    date_of_birth: date | None,
    started_on: date,
    actor: User,
) -> Enrollment:
    """Create a client and enroll them in a cohort from a date (rolling admission)."""
    if cohort.admission == "closed":
        raise EnrollmentError("This cohort is closed to new admissions.")
    client = Client(
        program_id=cohort.program_id,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        date_of_birth=date_of_birth,
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
        details={"cohort_id": cohort.id, "started_on": started_on},
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
