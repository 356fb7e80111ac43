"""Forms of the session page: one attendance row, the group note, cancelling a session."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from iop.clinical.attendance import STATUSES, takes_participation
from iop.extensions import htmx
from iop.fields import IntegerField
from iop.services.attendance import AttendanceInput
from iop.services.notes import NoteInput


class AttendanceForm(FlaskForm):
    """Validates one row; the row's controls are drawn by sessions/_macros.html."""

    version = IntegerField(validators=[InputRequired(), NumberRange(min=0)])
    status = StringField()
    minutes_attended = IntegerField(validators=[Optional()])
    participation = IntegerField(validators=[Optional()])
    note = StringField(validators=[Length(max=500, message="Keep the note under 500 characters.")])
    # Why a signed session's row is changed (the grid sends it from the box above the rows).
    reason = StringField(validators=[Length(max=500, message="Keep the reason under 500 characters.")])

    def __init__(self, *args, duration_minutes: int, status_changed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.duration_minutes = duration_minutes
        # A new absent status clears the old rating rather than clashing with it.
        self.status_changed = status_changed

    def validate_status(self, field):
        # No status yet is fine: a note typed first is kept and the row stays unrecorded.
        if field.data and field.data not in STATUSES:
            raise ValidationError("Choose one of the statuses.")

    def validate_minutes_attended(self, field):
        if field.data is not None and not self.status.data:
            raise ValidationError("Choose a status first.")
        if field.data is not None and not 0 <= field.data <= self.duration_minutes:
            raise ValidationError(
                f"Minutes must be between 0 and {self.duration_minutes}, the session's length."
            )

    def validate_participation(self, field):
        if field.data is None:
            return
        if not 1 <= field.data <= 5:
            raise ValidationError("Participation is rated from 1 to 5.")
        status = self.status.data
        if not status:
            raise ValidationError("Choose a status before rating.")
        if status in STATUSES and not takes_participation(status) and not self.status_changed:
            raise ValidationError("An absent client is not rated.")

    @classmethod
    def for_session(cls, group_session) -> AttendanceForm:
        """The row posted for this session. Picking a status (HX-Trigger-Name: the grid's script names the
        control that sent the save) resets minutes to that status's default; a plain form post keeps minutes
        typed beside it."""
        status_changed = htmx.trigger_name == "status" if htmx else not request.form.get("minutes_attended")
        return cls(duration_minutes=group_session.duration_minutes, status_changed=status_changed)

    def context(self, actor) -> dict:
        """Who saves, the version they saw and, for a signed session, why the row is changed."""
        return {"actor": actor, "expected_version": self.version.data, "reason": self.reason.data or ""}

    def to_input(self) -> AttendanceInput:
        """The row as the attendance service takes it."""
        return AttendanceInput(
            status=self.status.data or None,
            minutes_attended=self.minutes_attended.data,
            participation=self.participation.data,
            note=self.note.data or "",
            status_changed=self.status_changed,
        )


class NoteForm(FlaskForm):
    version = HiddenField()
    topic = StringField("Topic", validators=[Length(max=200, message="Keep the topic under 200 characters.")])
    interventions = TextAreaField("Interventions", validators=[Length(max=20000)], render_kw={"rows": 4})
    observations = TextAreaField("Group observations", validators=[Length(max=20000)], render_kw={"rows": 6})
    reason = StringField(
        "Reason for the amendment",
        validators=[Length(max=500, message="Keep the reason under 500 characters.")],
    )

    def validate_version(self, field):
        version = field.data or ""
        if not (version.isascii() and version.isdigit() and len(version) <= 9):
            raise ValidationError("Reload the page: the note's version is missing.")

    def to_input(self) -> NoteInput:
        """The note as the notes service takes it."""
        return NoteInput(self.topic.data or "", self.interventions.data or "", self.observations.data or "")

    def draft(self) -> NoteInput | None:
        """The text on screen sent with a signature; None when the request carries no note (signing what
        is stored)."""
        return self.to_input() if self.version.raw_data else None

    def save_context(self, grid) -> dict:
        return {
            "expected_version": int(self.version.data),
            "client_ids": grid.client_ids,
            "reason": self.reason.data or "",
        }

    def sign_context(self, grid) -> dict:
        return {
            "expected_version": int(self.version.data) if self.version.raw_data else None,
            "unrecorded_names": [member.client.full_name for member in grid.unrecorded],
            "client_ids": grid.client_ids,
        }


class CancelForm(FlaskForm):
    reason = StringField(
        "Reason", validators=[InputRequired(message="Say why the session is cancelled."), Length(max=200)]
    )
