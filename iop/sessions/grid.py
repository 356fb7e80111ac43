"""Helpers behind the session views: the attendance row responses, the note and signing."""

from __future__ import annotations

from flask import flash, render_template, request
from flask_htmx import make_response
from flask_login import current_user
from sqlalchemy import func, select

from iop.extensions import db, htmx
from iop.htmx import render_page
from iop.models import Amendment, Attendance, Enrollment, GroupSession
from iop.services.attendance import AttendanceInput
from iop.services.audit import record_events
from iop.services.notes import NoteConflict, NoteInput, NoteNotReady, save_note, sign_note
from iop.services.rosters import session_grid
from iop.sessions.forms import AttendanceForm, CancelForm, NoteForm

CONFLICT_MESSAGE = (
    "{who} changed this row at {when} while you were editing. "
    "This is the current record; your change was not saved."
)


FRAGMENTS = ("grid", "note")


def render_session(
    group_session: GroupSession,
    *,
    status=200,
    trigger=None,
    note_form=None,
    row_errors=None,
    signed_just_now=False,
):
    """The session page, or one of its blocks for htmx."""
    grid = session_grid(group_session)
    record_events("session.view", "group_session", group_session.id, grid.client_ids)
    db.session.commit()
    return render_page(
        "sessions/detail.html",
        FRAGMENTS,
        status=status,
        trigger=trigger,
        s=group_session,
        grid=grid,
        note_form=note_form or note_form_for(group_session),
        cancel_form=CancelForm(formdata=None),
        row_errors=row_errors or {},
        signed_just_now=signed_just_now,
    )


def values_of(row: Attendance | None) -> dict:
    """The values a row shows, as the grid's controls expect them."""
    if row is None:
        return {"version": 0, "status": None, "minutes_attended": "", "participation": None, "note": ""}
    return {
        "version": row.version,
        "status": row.status,
        "minutes_attended": row.minutes_attended,
        "participation": row.participation,
        "note": row.note,
    }


def _submitted_values() -> dict:
    """What the user sent, as typed, so a refused row comes back exactly as they left it."""
    form = request.form
    participation = form.get("participation")
    return {
        "version": form.get("version", "0"),
        "status": form.get("status"),
        "minutes_attended": form.get("minutes_attended", ""),
        "participation": (
            int(participation)
            if participation and participation.isascii() and participation.isdigit()
            else participation
        ),
        "note": form.get("note", ""),
    }


def row_response(
    group_session: GroupSession,
    member: Enrollment,
    *,
    row: Attendance | None = None,
    form: AttendanceForm | None = None,
    submitted: AttendanceInput | None = None,
    conflict: bool = False,
    message: str | None = None,
    status: int = 200,
):
    """Answer a row save: small out-of-band updates on success, the whole row otherwise."""
    if submitted is not None:
        return _saved_response(group_session, member, row, submitted)
    errors = {name: field.errors[0] for name, field in (form._fields.items() if form else []) if field.errors}
    values = _submitted_values() if form is not None else values_of(row)
    if form is not None and errors.keys() & {"status", "participation"}:
        # A refused choice shows what is stored, not an empty control (a typed value stays for correcting).
        stored = values_of(stored_row(group_session, member))
        values.update({name: stored[name] for name in ("status", "participation") if name in errors})
    mine = None
    if conflict:
        mine = request.form.get("note")
        message = CONFLICT_MESSAGE.format(
            who=row.updated_by.full_name if row else "Someone",
            when=row.updated_at.astimezone(group_session.cohort.program.zone).strftime("%I:%M %p").lstrip("0")
            if row
            else "just now",
        )
    if not htmx:
        return render_session(group_session, status=status, row_errors={member.id: (values, errors, message)})
    html = render_template(
        "sessions/_row.html",
        s=group_session,
        member=member,
        values=values,
        errors=errors,
        message=message,
        state="conflict" if conflict else "error",
        mine=mine,
    )
    return make_response(html, status, retarget=f"#att-row-{member.id}", reswap="outerHTML")


def stored_row(group_session: GroupSession, member: Enrollment) -> Attendance | None:
    """The member's attendance row as stored now."""
    return db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == group_session.id, Attendance.enrollment_id == member.id
        )
    )


def _saved_response(group_session: GroupSession, member: Enrollment, row: Attendance, sent: AttendanceInput):
    recorded = db.session.scalar(
        select(func.count(Attendance.id)).where(Attendance.session_id == group_session.id)
    )
    amendment = None
    if group_session.is_signed:
        amendment = db.session.scalar(
            select(Amendment)
            .where(Amendment.session_id == group_session.id, Amendment.enrollment_id == member.id)
            .order_by(Amendment.id.desc())
            .limit(1)
        )
    html = render_template(
        "sessions/_row_saved.html",
        s=group_session,
        member=member,
        values=values_of(row),
        minutes_changed=sent.minutes_attended != row.minutes_attended,
        rating_changed=sent.participation != row.participation or sent.status_changed,
        recorded=recorded,
        amendment=amendment,
    )
    return make_response(html, 200, trigger="attendance-updated")


def note_form_for(group_session: GroupSession) -> NoteForm:
    """The note form filled from the session as stored."""
    return NoteForm(
        formdata=None,
        version=str(group_session.note_version),
        topic=group_session.topic,
        interventions=group_session.interventions,
        observations=group_session.observations,
    )


def save_note_from_form(group_session: GroupSession, form: NoteForm) -> int:
    """Validate and save the note; returns the HTTP status the view should answer with."""
    if not form.validate():
        return 422
    grid = session_grid(group_session)
    try:
        changed = save_note(
            group_session,
            NoteInput(form.topic.data or "", form.interventions.data or "", form.observations.data or ""),
            expected_version=int(form.version.data),
            actor=current_user,
            client_ids=grid.client_ids,
        )
    except NoteConflict:
        db.session.rollback()
        form.form_errors.append(
            "Someone else saved this note while you were writing. Your text is kept below; "
            "copy what you need, reload, and add it again."
        )
        form.conflict = True
        return 409
    except ValueError as error:
        form.form_errors.append(str(error))
        return 422
    db.session.commit()
    form.saved_message = "Note saved." if changed else "No changes to save."
    form.version.data = str(group_session.note_version)
    return 303 if not htmx else 200


def sign_session(group_session: GroupSession) -> int:
    """Sign the session's note; returns the HTTP status the view should answer with."""
    grid = session_grid(group_session)
    try:
        sign_note(
            group_session,
            actor=current_user,
            unrecorded_names=[member.client.full_name for member in grid.unrecorded],
            client_ids=grid.client_ids,
        )
    except NoteNotReady as not_ready:
        for problem in not_ready.problems:
            flash(problem, "error")
        return 422 if htmx else 303
    db.session.commit()
    flash("Signed. Later changes are kept as amendments.", "success")
    return 303 if not htmx else 200
