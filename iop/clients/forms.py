"""Moving a client between cohorts and ending an enrollment."""

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired

from iop.fields import DateField
from iop.models import END_REASONS

ENDING_REASONS = [SelectChoice(key, label) for key, label in END_REASONS.items() if key != "transferred"]


class TransferForm(FlaskForm):
    cohort_id = SelectField("New cohort", coerce=int, validators=[InputRequired(message="Choose a cohort.")])
    effective_on = DateField("From", validators=[DataRequired(message="Enter the date of the move.")])


class EndEnrollmentForm(FlaskForm):
    reason = SelectField(
        "Reason",
        choices=[SelectChoice("", "Choose…"), *ENDING_REASONS],
        validators=[DataRequired(message="Choose why the enrollment ends.")],
    )
    ended_on = DateField("Effective date", validators=[DataRequired(message="Enter the date.")])
