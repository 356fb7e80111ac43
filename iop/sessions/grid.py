"""Rendering behind the session views: the page and its blocks, one attendance row, the group note.

Only rendering lives here; the views validate, call one service, commit once, and end through
iop.htmx.changed / iop.htmx.invalid with one of these functions.
"""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_htmx import make_response
from flask_login import current_user

from iop.extensions import htmx
from iop.htmx import render_page
from iop.models import Attendance, Enrollment, GroupSession
from iop.services.attendance import RowSaved, may_record
from iop.services.notes import NOTE_FIELDS, NoteSaved
from iop.services.rosters import SessionGrid, session_grid
from iop.sessions.forms import AttendanceForm, CancelForm, NoteForm

CONFLICT_MESSAGE = (
    "{who} changed this row at {when} while you were editing. "
    "This is the current record; your change was not saved."
)
NOTE_CONFLICT_MESSAGE = (
    "Someone else saved this note while you were writing. Your text is kept in the boxes and the saved "
    "note is shown below them; saving again puts your text in its place."
)
SIGNED_MESSAGE = "Signed. Later changes are kept as amendments."
# An htmx block has the id of the element it renders (iop/htmx.py).
FRAGMENTS = ("grid", "note")


def render_session(
    group_session: GroupSession,
    grid: SessionGrid | None = None,
    *,
    note_form: NoteForm | None = None,
    cancel_form: CancelForm | None = None,
    row_errors: dict | None = None,
    **note_context,
):
    """The session page, or one of its blocks for htmx."""
    note_form = note_form or note_form_for(group_session)
    if not note_context.get("stored_note"):
        _autosave(group_session, note_form)
    return render_page(
        "sessions/detail.html",
        FRAGMENTS,
        s=group_session,
        grid=grid or session_grid(group_session),
        note_form=note_form,
        cancel_form=cancel_form or CancelForm(formdata=None),
        row_errors=row_errors or {},
        note_message=note_context.get("note_message"),
        note_problems=note_context.get("note_problems", ()),
        stored_note=note_context.get("stored_note"),
        signed_just_now=note_context.get("signed_just_now", False),
        grid_message=note_context.get("grid_message"),
        marked_all=note_context.get("marked_all", False),
    )


def values_of(row: Attendance | None) -> dict:
    """The values a row shows, as the grid's controls expect them."""
    if row is None:
        return {"version": 0, "status": None, "minutes_attended": "", "participation": None, "note": ""}
    return {
        "version": row.version,
        "status": row.status,
        "minutes_attended": "" if row.minutes_attended is None else row.minutes_attended,
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


def _row(
    group_session: GroupSession, member: Enrollment, values, errors, message, state, mine=None, status=422
):
    """One row redrawn in place for htmx; for a plain post, the whole page with the row's messages."""
    if not htmx:
        return render_session(group_session, row_errors={member.id: (values, errors, message, mine)})
    html = render_template(
        "sessions/_row.html",
        s=group_session,
        member=member,
        values=values,
        errors=errors,
        message=message,
        state=state,
        mine=mine,
    )
    return make_response(html, status, retarget=f"#att-row-{member.id}", reswap="outerHTML")


def render_row_refused(
    group_session: GroupSession,
    member: Enrollment,
    form: AttendanceForm,
    stored: Attendance | None,
    message: str | None = None,
):
    """The row as the user left it, each refused entry marked; a refused choice shows what is stored."""
    errors = {name: field.errors[0] for name, field in form._fields.items() if field.errors}
    values = _submitted_values()
    # A refused choice shows what is stored, not an empty control or the refused one (a typed value stays
    # for correcting); a row refused as a whole (a signed row without a reason) shows the stored choices.
    refused_choices = ("status", "participation") if message and stored is not None else errors.keys()
    if refused_choices:
        kept = values_of(stored)
        values.update({name: kept[name] for name in ("status", "participation") if name in refused_choices})
    return _row(group_session, member, values, errors, message, "error")


def render_row_conflict(
    group_session: GroupSession, member: Enrollment, current: Attendance | None, mine: str
):
    """The colleague's row as stored now, with what this user typed kept beside it to re-apply."""
    if current is None:
        who, when = "Someone", "just now"
    else:
        zone = group_session.cohort.program.zone
        who, when = current.updated_by.full_name, current.updated_at.astimezone(zone).strftime("%I:%M %p")
    message = CONFLICT_MESSAGE.format(who=who, when=when.lstrip("0"))
    return _row(group_session, member, values_of(current), {}, message, "conflict", mine=mine, status=409)


def render_row_saved(group_session: GroupSession, member: Enrollment, saved: RowSaved):
    """Only the parts of the row that changed, out of band, and the grid's count."""
    return render_template(
        "sessions/_row_saved.html",
        s=group_session,
        member=member,
        values=values_of(saved.row),
        minutes_changed=saved.minutes_changed,
        rating_changed=saved.rating_changed,
        recorded=saved.recorded,
        all_recorded=saved.all_recorded,
        amendment=saved.amendment,
    )


def note_form_for(group_session: GroupSession) -> NoteForm:
    """The note form filled from the session as stored."""
    return NoteForm(
        formdata=None,
        version=str(group_session.note_version),
        topic=group_session.topic,
        interventions=group_session.interventions,
        observations=group_session.observations,
    )


def _autosave(group_session: GroupSession, form: NoteForm) -> None:
    """A draft saves itself while it is typed (each box after a pause), so signing never waits on a save.
    Not after signing (each change is an amendment with a reason) nor beside a conflict (saving over a
    colleague's text is done on purpose)."""
    if group_session.is_signed or not may_record(current_user, group_session):
        return
    url = url_for("sessions.save_note", session_id=group_session.id)
    for name in NOTE_FIELDS:
        field = form[name]
        # A new dict: render_kw is shared by every form instance of the class.
        field.render_kw = {
            **(field.render_kw or {}),
            "hx-post": url,
            "hx-trigger": "input changed delay:800ms",
            "hx-swap": "none",
            "hx-sync": "closest form:queue last",
        }


def is_autosave() -> bool:
    """An htmx save sent by a note box while it is typed in (not by a button)."""
    return bool(htmx) and htmx.trigger_name in NOTE_FIELDS


def render_note(
    group_session: GroupSession,
    grid: SessionGrid,
    form: NoteForm | None = None,
    *,
    saved: NoteSaved | None = None,
    conflict: bool = False,
    **context,
):
    """The note block: after an htmx autosave only the new version and the draft state; otherwise the block,
    with the typed text of a refused save or sign kept in its boxes."""
    if saved is not None:
        grid.amendments.extend(saved.amendments)
        if form is not None:
            form.version.data = str(group_session.note_version)
        if is_autosave():
            return render_template("sessions/_note_saved.html", s=group_session, saved=saved)
        # A draft may have saved itself just before the button was pressed: what is on screen is saved.
        unchanged_amendment = group_session.is_signed and not saved.changed
        context.setdefault("note_message", "No changes to save." if unchanged_amendment else "Note saved.")
    if context.get("note_problems") and form is not None:
        # The draft on screen was saved before signing was refused: the next save starts from it.
        form.version.data = str(group_session.note_version)
    if conflict and form is not None:
        form.form_errors.append(NOTE_CONFLICT_MESSAGE)
        # Saving again is a deliberate choice over the colleague's text, so it carries the current version.
        form.version.data = str(group_session.note_version)
        context["stored_note"] = {name: getattr(group_session, name) for name in NOTE_FIELDS}
    response = render_session(group_session, grid, note_form=form, **context)
    if is_autosave():
        # A box that autosaves swaps nothing on success; a refused draft redraws the whole block.
        response.headers["HX-Retarget"], response.headers["HX-Reswap"] = "#note", "outerHTML"
    return response


def session_url(group_session: GroupSession, anchor: str = "") -> str:
    """Where a plain form post goes back to."""
    return url_for("sessions.detail", session_id=group_session.id) + anchor
