"""The session page: the attendance grid (each change saves by itself), the group note, signing."""

from functools import partial

from flask import Blueprint, request
from flask_htmx import make_response
from flask_login import current_user

from iop.extensions import db
from iop.htmx import changed, invalid
from iop.participant_reports import ReportError
from iop.permissions import (
    admin_required,
    care_team_required,
    get_session_member_or_404,
    get_session_or_404,
    staff_required,
)
from iop.services import notes
from iop.services.attendance import (
    AttendanceConflict,
    AttendanceRefused,
    current_row,
    mark_all_present,
    record_attendance,
)
from iop.services.attendance_import import apply_import, preview_import, read_report, view_import
from iop.services.notes import NoteConflict, NoteNotReady
from iop.services.programs import cancel_session
from iop.services.rosters import session_grid, view_session
from iop.sessions.forms import AttendanceForm, CancelForm, NoteForm
from iop.sessions.grid import (
    SIGNED_MESSAGE,
    render_note,
    render_row_conflict,
    render_row_refused,
    render_row_saved,
    render_session,
    session_url,
)
from iop.sessions.import_forms import ConfirmImportForm, ReportUploadForm
from iop.sessions.imports import (
    STALE_MESSAGE,
    drop_import,
    held_import,
    hold_import,
    import_url,
    render_import,
    render_import_refused,
)

bp = Blueprint("sessions", __name__, url_prefix="/sessions")


@bp.get("/<int:session_id>")
@staff_required
def detail(session_id: int):
    """Attendance grid and group note of one session."""
    group_session = get_session_or_404(session_id)
    grid = view_session(group_session, current_user)
    db.session.commit()
    return render_session(group_session, grid)


@bp.post("/<int:session_id>/attendance/<int:enrollment_id>")
@care_team_required
def record(session_id: int, enrollment_id: int):
    """Save one member's row: status, minutes, participation, note (a note needs no status)."""
    group_session, member = get_session_member_or_404(session_id, enrollment_id)
    form = AttendanceForm.for_session(group_session)
    try:
        if not form.validate():
            # A page that is out of date hears about the conflict first, not about what it did not fill in.
            stored = current_row(group_session, member, form.version.data)
            return invalid(lambda: render_row_refused(group_session, member, form, stored))
        saved = record_attendance(group_session, member, form.to_input(), **form.context(current_user))
    except AttendanceConflict as conflict:
        return invalid(
            partial(render_row_conflict, group_session, member, conflict.current, form.note.data), 409
        )
    except AttendanceRefused as refused:
        return invalid(
            partial(render_row_refused, group_session, member, form, refused.current, str(refused))
        )
    db.session.commit()
    return changed(
        lambda: render_row_saved(group_session, member, saved),
        message=f"Saved {member.client.full_name}.",
        location=session_url(group_session, f"#att-row-{member.id}"),
        trigger="attendance-updated",
    )


@bp.post("/<int:session_id>/mark-all-present")
@care_team_required
def mark_present(session_id: int):
    """Record 'present' for every member not yet recorded."""
    group_session = get_session_or_404(session_id)
    grid = session_grid(group_session)
    try:
        marked = mark_all_present(grid, current_user, reason=request.form.get("reason", ""))
    except AttendanceRefused as refused:
        return invalid(partial(render_session, group_session, grid, grid_message=str(refused)))
    db.session.commit()
    count = len(grid.unrecorded) - len(marked.unrecorded)
    return changed(
        lambda: render_session(group_session, marked, marked_all=True),
        message=f"Marked {count} present.",
        location=session_url(group_session),
        trigger="attendance-updated",
    )


@bp.post("/<int:session_id>/note")
@care_team_required
def save_note(session_id: int):
    """Save the group note: a draft while typed; after signing, an amendment with a reason."""
    group_session = get_session_or_404(session_id)
    grid, form = session_grid(group_session), NoteForm()
    if not form.validate():
        return invalid(lambda: render_note(group_session, grid, form))
    try:
        saved = notes.save_note(group_session, form.to_input(), actor=current_user, **form.save_context(grid))
    except NoteConflict:
        return invalid(lambda: render_note(group_session, grid, form, conflict=True), 409)
    except ValueError as error:
        form.form_errors.append(str(error))
        return invalid(lambda: render_note(group_session, grid, form))
    db.session.commit()
    return changed(
        lambda: render_note(group_session, grid, form, saved=saved),
        message="No changes to save." if group_session.is_signed and not saved else "Note saved.",
        location=session_url(group_session),
    )


@bp.post("/<int:session_id>/sign")
@care_team_required
def sign(session_id: int):
    """Sign the note once every member is recorded and the note is complete; the text on screen is saved
    first, so a refused sign loses nothing."""
    group_session = get_session_or_404(session_id)
    grid, form = session_grid(group_session), NoteForm()
    draft = form.draft()
    if draft is not None and not form.validate():
        return invalid(lambda: render_note(group_session, grid, form))
    try:
        notes.sign_note(group_session, actor=current_user, draft=draft, **form.sign_context(grid))
    except NoteConflict:
        return invalid(lambda: render_note(group_session, grid, form, conflict=True), 409)
    except NoteNotReady as not_ready:
        db.session.commit()  # the draft on screen is kept even though it cannot be signed yet
        return invalid(partial(render_note, group_session, grid, form, note_problems=not_ready.problems))
    db.session.commit()
    return changed(
        lambda: render_note(group_session, grid, note_message=SIGNED_MESSAGE, signed_just_now=True),
        message=SIGNED_MESSAGE,
        location=session_url(group_session),
    )


@bp.post("/<int:session_id>/cancel")
@admin_required
def cancel(session_id: int):
    """Cancel a session that has not been held; it stays listed as cancelled."""
    group_session = get_session_or_404(session_id)
    form = CancelForm()
    try:
        if form.validate():
            cancel_session(group_session, form.reason.data)
            db.session.commit()
            return changed(
                lambda: "", message="The session is cancelled.", location=session_url(group_session)
            )
    except ValueError as error:
        form.reason.errors = [*form.reason.errors, str(error)]
    return invalid(lambda: render_session(group_session, cancel_form=form))


@bp.get("/<int:session_id>/import")
@care_team_required
def import_attendance(session_id: int):
    """Upload a Zoom or Teams participant report; once one is uploaded, what it proposes, to confirm."""
    group_session = get_session_or_404(session_id)
    held = held_import(group_session)
    preview = view_import(group_session, held.report, current_user) if held else None
    db.session.commit()
    return render_import(group_session, held=held, preview=preview)


@bp.post("/<int:session_id>/import")
@care_team_required
def upload_report(session_id: int):
    """Read an uploaded report and hold it for the preview; a file that cannot be read comes back with why."""
    group_session = get_session_or_404(session_id)
    form = ReportUploadForm()
    if form.validate():
        try:
            hold_import(group_session, read_report(group_session, form.report_bytes()), form.filename)
        except (ReportError, AttendanceRefused) as error:
            form.refuse(str(error))
        else:
            url = import_url(group_session)
            return changed(lambda: make_response("", redirect=url), location=url)
    return invalid(lambda: render_import(group_session, form))


@bp.post("/<int:session_id>/import/confirm")
@care_team_required
def confirm_import(session_id: int):
    """Record the ticked proposals through the attendance service: all of them, or none."""
    group_session = get_session_or_404(session_id)
    held, form = held_import(group_session), ConfirmImportForm()
    if held is None or form.import_id.data != held.id:
        return invalid(lambda: render_import(group_session, held=held, message=STALE_MESSAGE), 409)
    preview = preview_import(group_session, held.report)
    try:
        if not form.validate():
            raise AttendanceRefused("Check the reason for the amendment.")
        written = apply_import(preview, **form.choices(), actor=current_user)
    except (AttendanceConflict, AttendanceRefused) as refused:
        return invalid(*render_import_refused(group_session, held, form, refused))
    drop_import()
    db.session.commit()
    return changed(
        lambda: render_session(group_session),
        message=f"Recorded {len(written)} from the {held.report.source_label} report.",
        location=session_url(group_session),
        trigger="attendance-updated",
    )
