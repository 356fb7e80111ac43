"""The session page: the attendance grid (each change saves by itself), the group note, signing."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from iop.extensions import db, htmx
from iop.permissions import (
    admin_required,
    care_team_required,
    get_member_or_404,
    get_session_or_404,
    staff_required,
)
from iop.services.attendance import (
    AttendanceConflict,
    AttendanceInput,
    AttendanceRefused,
    mark_all_present,
    record_attendance,
)
from iop.services.programs import cancel_session
from iop.services.rosters import session_grid
from iop.sessions.forms import AttendanceForm, CancelForm, NoteForm
from iop.sessions.grid import render_session, row_response, save_note_from_form, sign_session, stored_row

bp = Blueprint("sessions", __name__, url_prefix="/sessions")


@bp.get("/<int:session_id>")
@staff_required
def detail(session_id: int):
    """Attendance grid and group note of one session."""
    return render_session(get_session_or_404(session_id))


@bp.post("/<int:session_id>/attendance/<int:enrollment_id>")
@care_team_required
def record(session_id: int, enrollment_id: int):
    """Save one member's row: status, minutes, participation, note."""
    group_session = get_session_or_404(session_id)
    member = get_member_or_404(group_session, enrollment_id)
    # Picking a status resets minutes to that status's default; a plain form post keeps typed minutes.
    status_changed = htmx.trigger_name == "status" if htmx else not request.form.get("minutes_attended")
    form = AttendanceForm(duration_minutes=group_session.duration_minutes, status_changed=status_changed)
    if not form.validate():
        # A page that is out of date hears about the conflict first, not about what it did not fill in.
        current = stored_row(group_session, member)
        if (current.version if current else 0) != form.version.data:
            return row_response(group_session, member, row=current, conflict=True, status=409)
        return row_response(group_session, member, form=form, status=422)
    data = AttendanceInput(
        status=form.status.data,
        minutes_attended=form.minutes_attended.data,
        participation=form.participation.data,
        note=form.note.data or "",
        status_changed=status_changed,
    )
    try:
        row = record_attendance(
            group_session, member, data, expected_version=form.version.data, actor=current_user
        )
    except AttendanceConflict as conflict:
        return row_response(group_session, member, row=conflict.current, conflict=True, status=409)
    except AttendanceRefused as refused:
        return row_response(group_session, member, form=form, message=str(refused), status=422)
    db.session.commit()
    if not htmx:
        flash(f"Saved {member.client.full_name}.", "success")
        return redirect(url_for("sessions.detail", session_id=session_id) + f"#att-row-{member.id}", 303)
    return row_response(group_session, member, row=row, submitted=data)


@bp.post("/<int:session_id>/mark-all-present")
@care_team_required
def mark_present(session_id: int):
    """Record 'present' for every member who has no row yet."""
    group_session = get_session_or_404(session_id)
    grid = session_grid(group_session)
    try:
        count = mark_all_present(group_session, grid.members, current_user)
    except AttendanceRefused as refused:
        flash(str(refused), "error")
        count = 0
    db.session.commit()
    if not htmx:
        flash(f"Marked {count} present.", "success")
        return redirect(url_for("sessions.detail", session_id=session_id), 303)
    return render_session(group_session, trigger="attendance-updated")


@bp.post("/<int:session_id>/note")
@care_team_required
def save_note(session_id: int):
    """Save the group note (after signing, each change is kept as an amendment)."""
    group_session = get_session_or_404(session_id)
    form = NoteForm()
    status = save_note_from_form(group_session, form)
    if status == 303:
        return redirect(url_for("sessions.detail", session_id=session_id), 303)
    return render_session(group_session, status=status, note_form=form)


@bp.post("/<int:session_id>/sign")
@care_team_required
def sign(session_id: int):
    """Sign the note once every member is recorded and the note is complete."""
    group_session = get_session_or_404(session_id)
    status = sign_session(group_session)
    if status == 303:
        return redirect(url_for("sessions.detail", session_id=session_id), 303)
    return render_session(group_session, status=status, signed_just_now=status == 200)


@bp.post("/<int:session_id>/cancel")
@admin_required
def cancel(session_id: int):
    """Cancel a session that has not been held; it stays listed as cancelled."""
    group_session = get_session_or_404(session_id)
    form = CancelForm()
    if form.validate():
        try:
            cancel_session(group_session, form.reason.data)
        except ValueError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("The session is cancelled.", "success")
    else:
        flash(" ".join(form.reason.errors), "error")
    return redirect(url_for("sessions.detail", session_id=session_id), 303)
