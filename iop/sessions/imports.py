"""The attendance import's page, and the uploaded report held in the server-side session until the
clinician confirms it (iop/session_store.py keeps `session` in the database, never in the cookie)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import session, url_for

from iop.htmx import render_page
from iop.models import GroupSession
from iop.participant_reports import MAX_BYTES, Report
from iop.services.attendance import AttendanceConflict, AttendanceRefused
from iop.services.attendance_import import ImportPreview, preview_import
from iop.sessions.import_forms import ConfirmImportForm, ReportUploadForm

STORE_KEY = "attendance_import"
CONFLICT_MESSAGE = (
    "Someone changed this session's attendance since the preview was shown; nothing was saved. "
    "Check the rows below as they stand now, and confirm again."
)
STALE_MESSAGE = "That preview was replaced or has ended; nothing was saved. Upload the report again."


@dataclass(frozen=True)
class HeldImport:
    id: str
    filename: str
    report: Report


def hold_import(group_session: GroupSession, report: Report, filename: str) -> None:
    """Keep the parsed report (not the file) for this session; one pending import per browser."""
    session[STORE_KEY] = {
        "session_id": group_session.id,
        "id": secrets.token_urlsafe(12),
        "filename": filename,
        "report": report.to_json(),
    }


def held_import(group_session: GroupSession) -> HeldImport | None:
    """The report held for this session, if any."""
    data = session.get(STORE_KEY)
    if not isinstance(data, dict) or data.get("session_id") != group_session.id:
        return None
    try:
        return HeldImport(data["id"], data["filename"], Report.from_json(data["report"]))
    except (KeyError, TypeError, ValueError):
        drop_import()
        return None


def drop_import() -> None:
    session.pop(STORE_KEY, None)


def import_url(group_session: GroupSession) -> str:
    return url_for("sessions.import_attendance", session_id=group_session.id)


def render_import(
    group_session: GroupSession,
    upload_form: ReportUploadForm | None = None,
    held: HeldImport | None = None,
    preview: ImportPreview | None = None,
    confirm_form: ConfirmImportForm | None = None,
    message: str | None = None,
):
    """The upload form and, once a report is held, the preview of what it proposes."""
    confirm_form = confirm_form or ConfirmImportForm(formdata=None, import_id=held.id if held else "")
    ticked = (
        confirm_form.choices()["chosen"]
        if confirm_form.import_id.raw_data
        else {m.enrollment.id for m in preview.members if m.proposed_by_default}
        if preview
        else set()
    )
    return render_page(
        "sessions/import.html",
        s=group_session,
        upload_form=upload_form or ReportUploadForm(formdata=None),
        held=held,
        preview=preview,
        confirm_form=confirm_form,
        message=message,
        ticked=ticked,
        max_kb=MAX_BYTES // 1024,
    )


def render_import_refused(
    group_session: GroupSession, held: HeldImport, form: ConfirmImportForm, refused: AttendanceRefused
) -> tuple:
    """invalid()'s arguments for a confirmation that saved nothing: the preview as things stand now. After
    a conflict the ticks start again from what is recorded now (a colleague's row is never replaced
    unseen); after another refusal they stay as the clinician left them."""
    if isinstance(refused, AttendanceConflict):
        form = ConfirmImportForm(formdata=None, import_id=held.id, reason=form.reason.data)
        message, status = CONFLICT_MESSAGE, 409
    else:
        message, status = str(refused), 422
    preview = preview_import(group_session, held.report)
    return (lambda: render_import(group_session, None, held, preview, form, message)), status
