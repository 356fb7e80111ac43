"""Admitting a client to a cohort: who they are, how to reach them, and who pays."""

from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, TelField, ValidationError
from wtforms.validators import DataRequired, Length, Optional, Regexp

from iop import clock
from iop.fields import DateField
from iop.services.enrollment import RECORD_FIELDS

MAX_BACKDATE_DAYS = 90
EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter an email address, like name@example.org.")
PHONE = Regexp(r"^[0-9+()./ -]{7,40}$", message="Enter a phone number (digits, spaces, + ( ) - .).")


class AdmitForm(FlaskForm):
    first_name = StringField(
        "First name", validators=[DataRequired(message="Enter a first name."), Length(max=80)]
    )
    last_name = StringField(
        "Last name", validators=[DataRequired(message="Enter a last name."), Length(max=80)]
    )
    preferred_name = StringField("Preferred name", validators=[Optional(), Length(max=80)])
    date_of_birth = DateField("Date of birth", validators=[Optional()])
    mrn = StringField(
        "MRN",
        validators=[
            Optional(),
            Length(max=32),
            Regexp(r"^[A-Za-z0-9-]+$", message="Letters, digits and hyphens only."),
        ],
    )
    started_on = DateField("Admission date", validators=[DataRequired(message="Enter the admission date.")])
    phone = TelField("Phone", validators=[Optional(), PHONE])
    email = EmailField("Email", validators=[Optional(), Length(max=254), EMAIL])
    emergency_contact_name = StringField("Emergency contact", validators=[Optional(), Length(max=120)])
    emergency_contact_phone = TelField("Emergency contact's phone", validators=[Optional(), PHONE])
    payer = StringField("Payer", validators=[Optional(), Length(max=120)])
    authorization_number = StringField("Authorization number", validators=[Optional(), Length(max=64)])
    authorization_start = DateField("Authorized from", validators=[Optional()])
    authorization_end = DateField("Authorized until", validators=[Optional()])
    # Ticked after the case manager has seen a possible duplicate and knows this is someone else.
    confirm_new_person = BooleanField("This is a different person: admit anyway")

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or clock.now().date()
        self.duplicates = []

    def admission(self) -> dict:
        """The keyword arguments of services.enrollment.admit_client, as entered."""
        return {
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "date_of_birth": self.date_of_birth.data,
            "started_on": self.started_on.data,
            "record": self.record(),
            "duplicate_confirmed": self.confirm_new_person.data,
        }

    def refuse(self, field: str | None, message: str) -> None:
        """Show a refusal of the service beside the field it names, or above the form."""
        (getattr(self, field).errors if field else self.form_errors).append(message)

    def record(self) -> dict:
        """The optional parts of the client record, as typed (text stripped)."""
        values = {name: getattr(self, name).data for name in sorted(RECORD_FIELDS)}
        return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}

    def validate_started_on(self, field):
        if field.data > self.today + timedelta(days=30):
            raise ValidationError("Admissions can be entered at most 30 days ahead.")
        if field.data < self.today - timedelta(days=MAX_BACKDATE_DAYS):
            raise ValidationError(f"Admissions can be backdated at most {MAX_BACKDATE_DAYS} days.")

    def validate_date_of_birth(self, field):
        if field.data and field.data >= self.today:
            raise ValidationError("The date of birth must be in the past.")

    def validate_authorization_end(self, field):
        start = self.authorization_start.data
        if field.data and start and field.data < start:
            raise ValidationError("The authorization cannot end before it starts.")

    def validate_authorization_number(self, field):
        if field.data and field.data.strip() and not self.payer.data:
            raise ValidationError("Name the payer that gave this authorization.")
