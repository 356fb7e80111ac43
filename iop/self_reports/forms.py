"""Forms of the Self-reports tab: enable client check-ins (consent, channel, second step), revoke a link."""

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from iop.clinical.checkins import HOMEWORK_FREQUENCIES
from iop.family.forms import printable
from iop.fields import DateField
from iop.models import CHANNELS, SECOND_FACTORS
from iop.services.client_links import PIN_DIGITS

DEFAULT_PURPOSE = "Daily check-ins and weekly questionnaires between sessions, read by the care team."


class EnableForm(FlaskForm):
    purpose = StringField(
        "What the client agreed to",
        validators=[DataRequired(message="Say what the client agreed to."), Length(max=300), printable],
        render_kw={"maxlength": 300},
    )
    consent_on = DateField("Consent given on", validators=[DataRequired(message="Enter the date.")])
    channel = RadioField(
        "Send the link by",
        choices=[SelectChoice(key, label) for key, label in CHANNELS.items()],
        validators=[InputRequired(message="Choose email or text message.")],
    )
    second_factor = RadioField(
        "Second step when the link is opened",
        choices=[SelectChoice(key, label) for key, label in SECOND_FACTORS.items()],
        default="none",
        validators=[InputRequired(message="Choose a second step.")],
    )
    pin = StringField(
        "PIN (only with a PIN)",
        validators=[
            Length(max=PIN_DIGITS[1], message=f"A PIN is {PIN_DIGITS[0]} to {PIN_DIGITS[1]} digits.")
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": PIN_DIGITS[1]},
    )

    @classmethod
    def blank(cls, today) -> "EnableForm":
        return cls(formdata=None, purpose=DEFAULT_PURPOSE, consent_on=today, channel="email")

    def validate_pin(self, field):
        if self.second_factor.data != "pin":
            return
        if not field.data:
            raise ValidationError("Choose a PIN with the client.")
        low, high = PIN_DIGITS
        if not (field.data.isascii() and field.data.isdigit() and low <= len(field.data) <= high):
            raise ValidationError(f"A PIN is {low} to {high} digits.")


class RevokeLinkForm(FlaskForm):
    """Only the CSRF token: revoking a lost link is one click."""


class HomeworkForm(FlaskForm):
    title = StringField(
        "Practice",
        validators=[DataRequired(message="Say what to practise."), Length(max=120), printable],
        render_kw={"maxlength": 120, "placeholder": "Practise grounding (5-4-3-2-1)"},
    )
    frequency = RadioField(
        "How often",
        choices=[SelectChoice(key, label) for key, label in HOMEWORK_FREQUENCIES.items()],
        default="daily",
        validators=[InputRequired(message="Choose how often.")],
    )
    due_on = DateField("Due date (needed for once)", validators=[Optional()])
    instructions = TextAreaField(
        "Instructions for the client (optional)",
        validators=[Length(max=1000, message="Keep it under 1000 characters."), printable],
        render_kw={"maxlength": 1000, "rows": 2},
    )
