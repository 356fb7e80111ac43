"""Quick logs, one mechanism in two configurations: a counted symptom, and an exposure exercise
with anxiety rated before and after. Each form names its date field and which field is its note."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from iop.fields import DatedForm, DateField, IntegerField, strip


def log_date_field():
    return DateField("Date", validators=[DataRequired(message="Enter the date, e.g. 2026-11-20.")])


def log_note_field():
    return StringField("Note", filters=[strip], validators=[Length(max=500)])


def _score_field(label: str, high: int, required: str | None, message: str):
    """A whole-number rating from 0 to `high`; `required` is the message when it is left blank."""
    presence = InputRequired(message=required) if required else Optional()
    return IntegerField(
        label,
        validators=[presence, NumberRange(min=0, max=high, message=message)],
        render_kw={"min": 0, "max": high, "inputmode": "numeric"},
    )


class QuickLogForm(DatedForm):
    """A quick log: its date may not be after today, and `values()` are the service verb's arguments."""

    date_field: str
    note_field: str  # the page shows both forms, so each note field has a name of its own

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.not_future = (self.date_field,)

    @property
    def dated(self):
        """The date field, where a refusal about the day is shown."""
        return self[self.date_field]

    def values(self) -> dict:
        """Each field's data under the name the service takes (the note as `note`)."""
        values = {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
        values["note"] = values.pop(self.note_field) or ""
        return values


class SymptomForm(QuickLogForm):
    date_field, note_field = "recorded_on", "symptom_note"
    symptom = StringField(
        "Symptom",
        filters=[strip],
        validators=[DataRequired(message="Name the symptom, e.g. panic attacks."), Length(max=80)],
        render_kw={"list": "common-symptoms", "autocomplete": "off"},
    )
    recorded_on = log_date_field()
    occurrences = IntegerField(
        "How many times",
        validators=[
            InputRequired(message="Enter how many times, 0 if none."),
            NumberRange(min=0, max=999, message="Enter a count from 0 to 999."),
        ],
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    severity = _score_field(
        "Worst severity (0–10)", 10, None, "Rate severity from 0 to 10, or leave it blank."
    )
    symptom_note = log_note_field()


class ExposureForm(QuickLogForm):
    date_field, note_field = "done_on", "exposure_note"
    situation = StringField(
        "Situation",
        filters=[strip],
        validators=[DataRequired(message="Describe the situation, e.g. social events."), Length(max=200)],
        render_kw={"list": "known-situations", "autocomplete": "off"},
    )
    done_on = log_date_field()
    anxiety_before = _score_field(
        "Anxiety before (0–100)", 100, "Rate anxiety before, from 0 to 100.", "Rate anxiety from 0 to 100."
    )
    anxiety_after = _score_field(
        "Anxiety after (0–100)", 100, "Rate anxiety after, from 0 to 100.", "Rate anxiety from 0 to 100."
    )
    exposure_note = log_note_field()
