"""The level-of-care decision form and the queue's filters."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from iop.fields import DateField
from iop.models import DECISIONS, DESTINATIONS
from iop.services.decisions import DecisionInput

DECISION_GROUPS = {"step_down": "Step down to", "step_up": "Step up to", "discharge": "Discharge:"}


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[SelectChoice(key, label) for key, label in DECISIONS.items()],
        validators=[InputRequired(message="Choose continue, step down, step up or discharge.")],
        validate_choice=False,
    )
    destination = SelectField(
        "Destination or discharge type",
        choices=[
            SelectChoice("", "— none (continue) —"),
            *(
                SelectChoice(key, label, optgroup=DECISION_GROUPS[decision])
                for decision, options in DESTINATIONS.items()
                for key, label in options.items()
            ),
        ],
        validators=[Optional()],
        validate_choice=False,
    )
    destination_detail = StringField(
        "Named level (when stepping down to another level)",
        validators=[Length(max=120, message="Keep the level's name under 120 characters.")],
        render_kw={"maxlength": 120, "autocomplete": "off"},
    )
    rationale = TextAreaField(
        "Rationale",
        validators=[
            DataRequired(message="Write the rationale for this decision."),
            Length(max=4000, message="Keep the rationale under 4,000 characters."),
        ],
        render_kw={"rows": 4, "maxlength": 4000},
    )
    effective_on = DateField(
        "Effective date", validators=[DataRequired(message="Enter the date the decision takes effect.")]
    )
    override_reason = TextAreaField(
        "Why the decision differs from the recommendation",
        validators=[Length(max=2000, message="Keep the reason under 2,000 characters.")],
        render_kw={"rows": 2, "maxlength": 2000},
    )

    def validate_decision(self, field):
        if field.data not in DECISIONS:
            raise ValidationError("Choose continue, step down, step up or discharge.")

    def to_input(self) -> DecisionInput:
        return DecisionInput(
            decision=self.decision.data,
            destination=self.destination.data or None,
            destination_detail=self.destination_detail.data or "",
            rationale=self.rationale.data or "",
            effective_on=self.effective_on.data,
            override_reason=self.override_reason.data or "",
        )

    def add_errors(self, field_errors: dict[str, str]) -> None:
        """Put a refused decision's messages on the fields they are about."""
        for name, message in field_errors.items():
            getattr(self, name).errors = [*getattr(self, name).errors, message]


def blank_decision_form(prefix: str, today: date, recommendation: str) -> DecisionForm:
    """A fresh form: the decision the recommendation points to (if any), effective today."""
    from iop.services.decisions import EXPECTED_DECISION

    return DecisionForm(
        formdata=None, prefix=prefix, decision=EXPECTED_DECISION.get(recommendation), effective_on=today
    )
