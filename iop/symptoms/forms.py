"""Quick logs: a counted symptom, and an exposure exercise with anxiety rated before and after."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from iop.fields import DateField, IntegerField


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class _DatedForm(FlaskForm):
    """A form whose date may not be after the program's today."""

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def _not_future(self, field):
        if field.data and field.data > self.today:
            raise ValidationError("The date cannot be in the future.")


class SymptomForm(_DatedForm):
    symptom = StringField(
        "Symptom",
        filters=[_strip],
        validators=[DataRequired(message="Name the symptom, e.g. panic attacks."), Length(max=80)],
        render_kw={"list": "common-symptoms", "autocomplete": "off"},
    )
    recorded_on = DateField("Date", validators=[DataRequired(message="Enter the date, e.g. 2026-11-20.")])
    occurrences = IntegerField(
        "How many times",
        validators=[
            InputRequired(message="Enter how many times, 0 if none."),
            NumberRange(min=0, max=999, message="Enter a count from 0 to 999."),
        ],
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    severity = IntegerField(
        "Worst severity (0–10)",
        validators=[
            Optional(),
            NumberRange(min=0, max=10, message="Rate severity from 0 to 10, or leave it blank."),
        ],
        render_kw={"min": 0, "max": 10, "inputmode": "numeric"},
    )
    symptom_note = StringField("Note", filters=[_strip], validators=[Length(max=500)])

    def validate_recorded_on(self, field):
        self._not_future(field)


class ExposureForm(_DatedForm):
    situation = StringField(
        "Situation",
        filters=[_strip],
        validators=[DataRequired(message="Describe the situation, e.g. social events."), Length(max=200)],
        render_kw={"list": "known-situations", "autocomplete": "off"},
    )
    done_on = DateField("Date", validators=[DataRequired(message="Enter the date, e.g. 2026-11-20.")])
    anxiety_before = IntegerField(
        "Anxiety before (0–100)",
        validators=[
            InputRequired(message="Rate anxiety before, from 0 to 100."),
            NumberRange(min=0, max=100, message="Rate anxiety from 0 to 100."),
        ],
        render_kw={"min": 0, "max": 100, "inputmode": "numeric"},
    )
    anxiety_after = IntegerField(
        "Anxiety after (0–100)",
        validators=[
            InputRequired(message="Rate anxiety after, from 0 to 100."),
            NumberRange(min=0, max=100, message="Rate anxiety from 0 to 100."),
        ],
        render_kw={"min": 0, "max": 100, "inputmode": "numeric"},
    )
    exposure_note = StringField("Note", filters=[_strip], validators=[Length(max=500)])

    def validate_done_on(self, field):
        self._not_future(field)
