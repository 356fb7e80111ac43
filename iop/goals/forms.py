"""Forms of the goals tab: a new goal, a GAS rating, a state change."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from iop.fields import DatedForm, DateField
from iop.models import GAS_LEVELS, GOAL_DOMAINS, GOAL_STATES


def signed(level: int) -> str:
    """+2, 0, −1: GAS levels as clinicians write them."""
    return f"+{level}" if level > 0 else str(level).replace("-", "−")


class GoalForm(FlaskForm):
    title = StringField(
        "Goal",
        validators=[
            DataRequired(message="Describe the goal."),
            Length(max=200, message="Keep the goal under 200 characters."),
        ],
    )
    domain = SelectField(
        "Domain",
        choices=[SelectChoice("", "Choose…"), *(SelectChoice(k, v) for k, v in GOAL_DOMAINS.items())],
        validators=[DataRequired(message="Choose a domain.")],
        validate_choice=False,
    )
    target_date = DateField("Target date", validators=[Optional()])

    def validate_domain(self, field):
        if field.data not in GOAL_DOMAINS:
            raise ValidationError("Choose one of the listed domains.")


class RatingForm(DatedForm):
    not_future = ("rated_on",)
    future_message = "The rating date cannot be in the future."

    rated_on = DateField("Date", validators=[DataRequired(message="Enter the date of the rating.")])
    level = RadioField(
        "Attainment",
        choices=[SelectChoice(level, f"{signed(level)} {label}") for level, label in GAS_LEVELS.items()],
        coerce=int,
        validators=[InputRequired(message="Choose a level from −2 to +2.")],
        validate_choice=False,
    )
    note = StringField(
        "Note",
        validators=[Length(max=500, message="Keep the note under 500 characters.")],
        render_kw={"maxlength": 500, "autocomplete": "off"},
    )

    def validate_level(self, field):
        if field.data not in GAS_LEVELS:
            raise ValidationError("Choose a level from −2 to +2.")


class GoalStateForm(FlaskForm):
    state = StringField(validators=[InputRequired()])

    def validate_state(self, field):
        if field.data not in GOAL_STATES:
            raise ValidationError("Choose achieved, dropped or active.")
