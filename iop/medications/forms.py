"""Forms of the medications tab: a medication, its end, one dose cell, a fill, a side effect."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from iop.fields import DatedForm, DateField, IntegerField
from iop.models import DOSE_CYCLE, MEDICATION_ROUTES


class MedicationForm(FlaskForm):
    name = StringField(
        "Medication",
        validators=[DataRequired(message="Enter the medication's name."), Length(max=120)],
    )
    dose = StringField(
        "Dose", validators=[DataRequired(message="Enter the dose, e.g. 50 mg."), Length(max=80)]
    )
    doses_per_day = IntegerField(
        "Doses per day",
        validators=[
            InputRequired(message="Enter how many doses a day."),
            NumberRange(min=1, max=12, message="Doses per day run from 1 to 12."),
        ],
    )
    route = SelectField(
        "Route",
        choices=[SelectChoice(key, label) for key, label in MEDICATION_ROUTES.items()],
        default="oral",
    )
    as_needed = BooleanField("As needed (PRN): no schedule, not counted in adherence")
    prescriber = StringField("Prescriber", validators=[Optional(), Length(max=120)])
    started_on = DateField("Start date", validators=[DataRequired(message="Enter the start date.")])
    ended_on = DateField("End date", validators=[Optional()])

    def validate_ended_on(self, field):
        if field.data and self.started_on.data and field.data < self.started_on.data:
            raise ValidationError("The end date cannot come before the start date.")

    def medication_fields(self) -> dict:
        """The keyword arguments of services.medication.add_medication, as entered."""
        fields = ("name", "dose", "doses_per_day", "route", "as_needed", "started_on", "ended_on")
        return {name: self[name].data for name in fields} | {"prescriber": self.prescriber.data or ""}


class EndMedicationForm(FlaskForm):
    ended_on = DateField("Last day", validators=[DataRequired(message="Enter the last day it was taken.")])


class RestartMedicationForm(FlaskForm):
    started_on = DateField("Restart on", validators=[DataRequired(message="Enter the day it starts again.")])


class DoseForm(FlaskForm):
    # The status the tap sets: the next in the cycle, drawn into the cell; empty clears the day.
    status = StringField()

    def validate_status(self, field):
        if not field.raw_data:
            raise ValidationError("Tap the cell again.")
        if field.data not in (*DOSE_CYCLE, ""):
            raise ValidationError("Unknown dose status.")


class FillForm(DatedForm):
    not_future = ("filled_on",)
    filled_on = DateField("Fill date", validators=[DataRequired(message="Enter the fill date.")])
    days_supply = IntegerField(
        "Days' supply",
        validators=[
            InputRequired(message="Enter the days' supply."),
            NumberRange(min=1, max=365, message="Days' supply runs from 1 to 365."),
        ],
    )


class SideEffectForm(DatedForm):
    not_future = ("reported_on",)
    description = StringField(
        "Side effect",
        validators=[
            DataRequired(message="Say what the client noticed."),
            Length(max=200, message="Keep it under 200 characters."),
        ],
    )
    severity = IntegerField(
        "Severity (0–10)",
        validators=[
            InputRequired(message="Rate the severity from 0 to 10."),
            NumberRange(min=0, max=10, message="Severity runs from 0 to 10."),
        ],
    )
    reported_on = DateField("Date", validators=[DataRequired(message="Enter the date.")])
