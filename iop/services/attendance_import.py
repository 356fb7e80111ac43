"""Attendance from a video platform's participant report: read it, propose a row per member, record the
rows the clinician confirms through the same service as the grid (version checks, audit, amendments)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from iop.clinical.video_attendance import Proposal, propose
from iop.extensions import db
from iop.models import Attendance, Enrollment, GroupSession, ProgramRole, User
from iop.participant_reports import (
    ParticipantRow,
    Person,
    Report,
    ReportError,
    RowMatch,
    match_rows,
    parse_report,
    person_names,
)
from iop.services.attendance import AttendanceInput, AttendanceRefused, check_session_open, record_attendance
from iop.services.audit import record_event, record_events
from iop.services.rosters import session_grid


@dataclass
class MemberProposal:
    """One member: what the report proposes, the rows it came from, and the row as stored now."""

    enrollment: Enrollment
    proposal: Proposal
    rows: list[ParticipantRow]
    stored: Attendance | None
    # How the rows were matched ("email", "name"); empty when the report has no row of the member.
    matched_by: list[str] = field(default_factory=list)

    @property
    def recorded(self) -> bool:
        """Recorded by hand (or an earlier import) already: only replaced when the clinician ticks it."""
        return self.stored is not None and self.stored.status is not None

    @property
    def unreadable_rows(self) -> bool:
        """A row of the member's could not be read: the proposal may miss time they attended."""
        return any(row.problem for row in self.rows)

    @property
    def proposed_by_default(self) -> bool:
        """Ticked in the preview: not recorded yet, and nothing in the report left unread."""
        return not self.recorded and not self.unreadable_rows

    @property
    def version(self) -> int:
        return self.stored.version if self.stored else 0

    @property
    def same_as_stored(self) -> bool:
        return self.recorded and (self.stored.status, self.stored.minutes_attended) == (
            self.proposal.status,
            self.proposal.minutes_attended,
        )


@dataclass
class ImportPreview:
    session: GroupSession
    report: Report
    members: list[MemberProposal]
    staff: list[RowMatch]
    unmatched: list[RowMatch]

    @property
    def found(self) -> int:
        return sum(1 for member in self.members if member.rows)


def read_report(group_session: GroupSession, data: bytes) -> Report:
    """The uploaded report, when it can be read and is about this session; ReportError (or
    AttendanceRefused for a session that takes no attendance) with the reason otherwise."""
    check_session_open(group_session)
    report = parse_report(data, group_session.cohort.program.zone)
    start, end = group_session.starts_at, group_session.ends_at
    if not any(row.counts and row.left > start and row.joined < end for row in report.rows):
        local = group_session.local_start
        raise ReportError(
            f"Nobody in this report was in the meeting during this session ({local:%b} {local.day}, "
            f"{local:%I:%M %p}). Is it the report of another group or another day?".replace(" 0", " ")
        )
    return report


def _staff_of(program_id: int) -> list[Person]:
    """The program's staff, so their rows (the facilitator, a co-therapist) are recognised and left out."""
    users = db.session.scalars(
        select(User)
        .join(ProgramRole, ProgramRole.user_id == User.id)
        .where(ProgramRole.program_id == program_id)
    ).unique()
    return [Person(user.id, person_names(*_split(user.full_name)), user.email) for user in users]


def _split(full_name: str) -> tuple[str, str]:
    first, _, last = full_name.strip().rpartition(" ")
    return (first, last) if first else (last, "")


def preview_import(group_session: GroupSession, report: Report) -> ImportPreview:
    """Every member of the session with a proposal (no row in the report: absent), and the rows left."""
    grid = session_grid(group_session)
    people = [
        Person(
            m.id,
            person_names(m.client.first_name, m.client.last_name, m.client.preferred_name),
            m.client.email,
        )
        for m in grid.members
    ]
    matches = match_rows(report, people, _staff_of(group_session.cohort.program_id))
    rows_of: dict[int, list[RowMatch]] = defaultdict(list)
    for match in matches:
        if match.kind == "member":
            rows_of[match.key].append(match)
    start, end = group_session.starts_at, group_session.ends_at
    members = []
    for member in grid.members:
        rows = [match.row for match in rows_of[member.id]]
        intervals = [(row.joined, row.left) for row in rows if row.counts]
        how = sorted({match.how for match in rows_of[member.id]})
        members.append(
            MemberProposal(member, propose(intervals, start, end), rows, grid.rows.get(member.id), how)
        )
    return ImportPreview(
        group_session,
        report,
        members,
        staff=[match for match in matches if match.kind == "staff"],
        unmatched=[match for match in matches if match.kind == "unmatched"],
    )


def view_import(group_session: GroupSession, report: Report, viewer: User) -> ImportPreview:
    """The preview opened by a staff member, who is recorded as viewing each member's attendance."""
    preview = preview_import(group_session, report)
    record_events(
        "attendance.import_preview",
        "group_session",
        group_session.id,
        [member.enrollment.client_id for member in preview.members],
        actor_id=viewer.id,
        details={"source": report.source, "rows": len(report.rows), "unmatched": len(preview.unmatched)},
    )
    return preview


def apply_import(
    preview: ImportPreview, chosen: set[int], versions: dict[int, int], *, actor: User, reason: str = ""
) -> list[MemberProposal]:
    """Record the proposals of the chosen members (enrollment ids), each at the version the clinician saw.

    All or nothing: one conflict or refusal undoes every row of the import (AttendanceConflict,
    AttendanceRefused). Participation and notes already on a row are kept.
    """
    group_session = preview.session
    check_session_open(group_session)
    targets = [member for member in preview.members if member.enrollment.id in chosen]
    if not targets:
        raise AttendanceRefused("Tick at least one member to record.")
    with db.session.begin_nested():
        for member in targets:
            stored = member.stored
            record_attendance(
                group_session,
                member.enrollment,
                AttendanceInput(
                    member.proposal.status,
                    member.proposal.minutes_attended,
                    stored.participation if stored else None,
                    stored.note if stored else "",
                ),
                expected_version=versions.get(member.enrollment.id, -1),
                actor=actor,
                reason=reason,
            )
        record_event(
            "attendance.import",
            "group_session",
            group_session.id,
            actor_id=actor.id,
            details={
                "source": preview.report.source,
                "enrollment_ids": [member.enrollment.id for member in targets],
                "replaced": [member.enrollment.id for member in targets if member.recorded],
            },
        )
    return targets
