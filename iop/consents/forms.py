"""Forms of the Family tab: record a consent, revoke it, invite its recipient."""

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from iop.family.forms import printable
from iop.fields import DateField
from iop.models import RELATIONSHIPS

# One @, something on each side, a dot in the domain: the invitation mail is the real check.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
DEFAULT_PURPOSE = (
    "Weekly observations at home from a family member, to inform the client's care in the program."
)


class ConsentForm(FlaskForm):
    recipient_name = StringField(
        "Recipient's name",
        validators=[DataRequired(message="Give the person's name."), Length(max=120), printable],
        render_kw={"maxlength": 120, "autocomplete": "off"},
    )
    relationship = SelectField(
        "Relationship to the client",
        choices=[SelectChoice("", "Choose…"), *(SelectChoice(k, v) for k, v in RELATIONSHIPS.items())],
        validators=[DataRequired(message="Choose the relationship.")],
        validate_choice=False,
    )
    recipient_email = EmailField(
        "Recipient's email",
        validators=[
            DataRequired(message="Give the email the invitation goes to."),
            Regexp(EMAIL_PATTERN, message="Enter an email address such as name@example.org."),
            Length(max=254),
        ],
        render_kw={"maxlength": 254, "autocomplete": "off"},
    )
    purpose = TextAreaField(
        "Purpose",
        default=DEFAULT_PURPOSE,
        validators=[
            DataRequired(message="Say what the information is shared for."),
            Length(max=300),
            printable,
        ],
        render_kw={"maxlength": 300, "rows": 2},
    )
    scope_attendance_summary = BooleanField("Also send them a weekly attendance summary")
    granted_on = DateField(
        "Granted on", validators=[DataRequired(message="Enter the date the client consented.")]
    )
    expires_on = DateField("Expires on", validators=[DataRequired(message="Enter the expiry date.")])
    signature_on_file = BooleanField("The client's signed consent form is on file")
    signed_on = DateField("Signed on", validators=[Optional()])

    @classmethod
    def blank(cls, today: date) -> "ConsentForm":
        return cls(formdata=None, granted_on=today, expires_on=today + timedelta(days=365))

    def validate_relationship(self, field):
        if field.data not in RELATIONSHIPS:
            raise ValidationError("Choose one of the listed relationships.")

    def validate_expires_on(self, field):
        if self.granted_on.data and field.data and field.data <= self.granted_on.data:
            raise ValidationError("The expiry must come after the date it was granted.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Here rather than in validate_signed_on: Optional() stops that chain when the date is empty.
        if self.signature_on_file.data and not self.signed_on.data and not self.signed_on.errors:
            self.signed_on.errors = [*self.signed_on.errors, "Give the date the client signed."]
            return False
        return valid


class RevokeForm(FlaskForm):
    reason = StringField(
        "Reason",
        validators=[
            DataRequired(message="Say why the consent is revoked."),
            Length(min=5, max=300, message="Between 5 and 300 characters."),
            printable,
        ],
        render_kw={"maxlength": 300, "autocomplete": "off"},
    )


class InviteForm(FlaskForm):
    """Only the CSRF token: the invitation goes to the consent's recipient."""
