"""Admitting a client to a cohort."""

from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from iop import clock
from iop.fields import DateField

MAX_BACKDATE_DAYS = 90


class AdmitForm(FlaskForm):
    first_name = StringField(
        "First name", validators=[DataRequired(message="Enter a first name."), Length(max=80)]
    )
    last_name = StringField(
        "Last name", validators=[DataRequired(message="Enter a last name."), Length(max=80)]
    )
    date_of_birth = DateField("Date of birth", validators=[Optional()])
    started_on = DateField("Admission date", validators=[DataRequired(message="Enter the admission date.")])

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or clock.now().date()

    def validate_started_on(self, field):
        if field.data > self.today + timedelta(days=30):
            raise ValidationError("Admissions can be entered at most 30 days ahead.")
        if field.data < self.today - timedelta(days=MAX_BACKDATE_DAYS):
            raise ValidationError(f"Admissions can be backdated at most {MAX_BACKDATE_DAYS} days.")

    def validate_date_of_birth(self, field):
        if field.data and field.data >= self.today:
            raise ValidationError("The date of birth must be in the past.")
