"""Forms of the family portal: the weekly observation, and setting a password from an invitation."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, StringField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from iop.fields import OnceForm
from iop.models import CONCERN_LABELS, OBSERVATION_RATINGS, RATING_FIELDS
from iop.services.family import NOTE_MAX_LENGTH
from iop.services.passwords import password_problem


def printable(form, field):
    """Refuse control characters (a NUL byte is refused by PostgreSQL; none belongs in a form)."""
    value = field.data or ""
    if any(ord(char) < 32 and char not in "\n\r\t" for char in value):
        raise ValidationError("Remove the control characters from this field.")


def _rating(key: str, label: str, anchors) -> RadioField:
    return RadioField(
        label,
        choices=[SelectChoice(level, f"{level} – {anchor}") for level, anchor in enumerate(anchors, 1)],
        coerce=int,
        validators=[InputRequired(message=f"Choose how {label.lower()} was this week, from 1 to 5.")],
    )


class ObservationForm(OnceForm):
    mood = _rating(*OBSERVATION_RATINGS[0])
    communication = _rating(*OBSERVATION_RATINGS[1])
    conflict = _rating(*OBSERVATION_RATINGS[2])
    sleep = _rating(*OBSERVATION_RATINGS[3])
    participation = _rating(*OBSERVATION_RATINGS[4])
    note = TextAreaField(
        "Anything else you want the care team to know (optional)",
        validators=[
            Length(max=NOTE_MAX_LENGTH, message=f"Keep it under {NOTE_MAX_LENGTH} characters."),
            printable,
        ],
        render_kw={"maxlength": NOTE_MAX_LENGTH, "rows": 4},
    )

    def concerns_from(self, values: list[str]) -> frozenset[str]:
        """The ticked concerns; unknown names are dropped (they can only come from a forged post)."""
        return frozenset(value for value in values if value in CONCERN_LABELS)

    def rating_fields(self):
        return [(getattr(self, key), anchors) for key, _, anchors in OBSERVATION_RATINGS]

    def ratings(self) -> dict[str, int]:
        return {key: getattr(self, key).data for key in RATING_FIELDS}


class NewAccountForm(FlaskForm):
    full_name = StringField(
        "Your name",
        validators=[DataRequired(message="Give your name."), Length(max=120), printable],
        render_kw={"maxlength": 120, "autocomplete": "name"},
    )
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired(message="Choose a password.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Type it again",
        validators=[DataRequired(message="Type the password again.")],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email  # the invited address: a password made of it is refused

    def validate_password(self, field):
        problem = password_problem(field.data or "", email=self.email, full_name=self.full_name.data)
        if problem:
            raise ValidationError(problem)

    def validate_confirm(self, field):
        if field.data != self.password.data:
            raise ValidationError("The two passwords are not the same.")


class ExistingAccountForm(FlaskForm):
    password = PasswordField(
        "Your current password",
        validators=[DataRequired(message="Enter the password of your account.")],
        render_kw={"autocomplete": "current-password"},
    )
