"""Forms of the attendance import: the report upload and the confirmation of its proposals."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField
from wtforms.validators import Length

from iop.participant_reports import MAX_BYTES


def _small_int(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


class ReportUploadForm(FlaskForm):
    report = FileField(
        "Participant report (Zoom or Teams)",
        validators=[FileRequired("Choose the participant report file to upload.")],
        render_kw={"accept": ".csv,.tsv,.txt,text/csv,text/tab-separated-values,text/plain"},
    )

    def report_bytes(self) -> bytes:
        """The file's bytes, one more than the limit at most (the reader refuses what is too large)."""
        return self.report.data.read(MAX_BYTES + 1)

    @property
    def filename(self) -> str:
        # Shown on the preview and kept in the session record: printable characters only (never a NUL).
        name = "".join(char for char in self.report.data.filename or "" if char.isprintable()).strip()
        return name[:100] or "report"

    def refuse(self, message: str) -> None:
        self.report.errors = [*self.report.errors, message]


class ConfirmImportForm(FlaskForm):
    """The ticked members ("apply", enrollment ids) and the version of each row as the preview showed it
    ("version-<enrollment id>"), drawn by sessions/import.html."""

    import_id = HiddenField()
    reason = StringField(
        "Reason for the amendment",
        validators=[Length(max=500, message="Keep the reason under 500 characters.")],
    )

    def choices(self) -> dict:
        """What the service takes: the chosen members, the versions seen, the reason."""
        chosen = {_small_int(value) for value in request.form.getlist("apply")} - {None}
        versions = {
            member: version
            for key, value in request.form.items()
            if key.startswith("version-")
            and (member := _small_int(key.removeprefix("version-"))) is not None
            and (version := _small_int(value)) is not None
        }
        return {"chosen": chosen, "versions": versions, "reason": self.reason.data or ""}
