"""The questionnaire form: date, source and one answer per item, each validated by WTForms."""

from flask_wtf import FlaskForm
from wtforms import FieldList, HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, InputRequired, NumberRange

from iop.clinical.instruments import Instrument
from iop.fields import DateField, IntegerField
from iop.models import ASSESSMENT_SOURCES


class ItemAnswers(FieldList):
    """One answer per item, posted as item-1 … item-n: numbered as the questionnaire numbers them."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.entries = []
        answers = list(data) if isinstance(data, list | tuple) else []
        for number in range(1, self.min_entries + 1):
            self._add_entry(formdata, answers[number - 1] if number <= len(answers) else unset_value, number)


class ItemsForm(FlaskForm):
    """Only the items (and the CSRF token): what a client answers from their own page."""

    def answers(self) -> list[int | None]:
        """The answer of each item, in order; None where none (or no valid one) was chosen."""
        return [entry.data for entry in self.item.entries]

    def item_errors(self) -> dict[int, str]:
        """Item number → the first message of each item that needs an answer."""
        return {number: entry.errors[0] for number, entry in enumerate(self.item.entries, 1) if entry.errors}


class AssessmentForm(ItemsForm):
    """What the care team enters: the items, when the questionnaire was completed and by whom."""

    administered_on = DateField("Date completed", validators=[DataRequired(message="Enter the date.")])
    source = RadioField(
        "Source",
        choices=[SelectChoice(key, label) for key, label in ASSESSMENT_SOURCES.items()],
        validators=[InputRequired(message="Say who completed it.")],
    )
    supersedes = HiddenField()


def assessment_form(instrument: Instrument, base: type[ItemsForm] = AssessmentForm, **kwargs) -> ItemsForm:
    """The form for one instrument: its items, each an answer on the instrument's scale (on the care
    team's form, or on `ItemsForm` for the client's own page)."""
    low, high = instrument.scale_min, instrument.scale_max
    answer = IntegerField(
        validators=[
            InputRequired(message="Choose an answer."),
            NumberRange(min=low, max=high, message=f"Choose an answer from {low} to {high}."),
        ]
    )

    class InstrumentForm(base):
        item = ItemAnswers(answer, min_entries=len(instrument.items))

    return InstrumentForm(**kwargs)
