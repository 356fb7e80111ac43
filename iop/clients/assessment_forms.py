"""The questionnaire form: date and source by WTForms, one radio group per item read from the post."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired

from iop.clinical.instruments import Instrument
from iop.fields import DateField
from iop.models import ASSESSMENT_SOURCES


class AssessmentForm(FlaskForm):
    administered_on = DateField("Date completed", validators=[DataRequired(message="Enter the date.")])
    source = RadioField(
        "Source",
        choices=[SelectChoice(key, label) for key, label in ASSESSMENT_SOURCES.items()],
        validators=[InputRequired(message="Say who completed it.")],
    )
    supersedes = HiddenField()


def item_answers(formdata, instrument: Instrument) -> list[int | None]:
    """The answer of each item as posted (item-1 … item-n); None where none was chosen."""
    answers: list[int | None] = []
    for number in range(1, len(instrument.items) + 1):
        raw = (formdata.get(f"item-{number}") or "").strip()
        # ASCII only: "²".isdigit() is true, but int("²") fails.
        answers.append(int(raw) if raw.isascii() and raw.lstrip("-").isdigit() and len(raw) < 4 else None)
    return answers
