"""Forms of the session page: one attendance row, the group note, cancelling a session."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from iop.clinical.attendance import takes_participation
from iop.fields import IntegerField
from iop.models import ATTENDANCE_STATUSES


class AttendanceForm(FlaskForm):
    """Validates one row; the row's controls are drawn by sessions/_macros.html."""

    version = IntegerField(validators=[InputRequired(), NumberRange(min=0)])
    status = StringField()
    minutes_attended = IntegerField(validators=[Optional()])
    participation = IntegerField(validators=[Optional()])
    note = StringField(validators=[Length(max=500, message="Keep the note under 500 characters.")])

    def __init__(self, *args, duration_minutes: int, status_changed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.duration_minutes = duration_minutes
        # A new absent status clears the old rating rather than clashing with it.
        self.status_changed = status_changed

    def validate_status(self, field):
        if field.data not in ATTENDANCE_STATUSES:
            raise ValidationError("Choose a status first.")

    def validate_minutes_attended(self, field):
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
        if status in ATTENDANCE_STATUSES and not takes_participation(status) and not self.status_changed:
            raise ValidationError("An absent client is not rated.")


class NoteForm(FlaskForm):
    version = HiddenField()
    topic = StringField("Topic", validators=[Length(max=200, message="Keep the topic under 200 characters.")])
    interventions = TextAreaField("Interventions", validators=[Length(max=20000)], render_kw={"rows": 4})
    observations = TextAreaField("Group observations", validators=[Length(max=20000)], render_kw={"rows": 6})

    def validate_version(self, field):
        version = field.data or ""
        if not (version.isascii() and version.isdigit() and len(version) <= 9):
            raise ValidationError("Reload the page: the note's version is missing.")


class CancelForm(FlaskForm):
    reason = StringField(
        "Reason", validators=[InputRequired(message="Say why the session is cancelled."), Length(max=200)]
    )
