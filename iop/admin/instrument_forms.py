"""The custom-instrument form: items, labels and bands typed one per line, checked by iop.clinical."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from iop.clinical.checkins import QUESTIONNAIRE_EXPIRES_AFTER_DAYS
from iop.clinical.instruments import STANDARD_INSTRUMENTS
from iop.fields import IntegerField, strip
from iop.services.custom_instruments import InstrumentDefinition

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
BAND_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,31}")
MAX_SCALE_POINTS = 11
MAX_ITEMS = 60


def lines(text: str | None) -> list[str]:
    """The non-blank lines of a textarea, each with its spacing tidied."""
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


def parse_bands(text: str | None) -> list[tuple[str, str, int, int]]:
    """Lines "key | label | low | high" as tuples; ValueError naming the first bad line."""
    bands = []
    for number, line in enumerate(lines(text), start=1):
        parts = [part.strip() for part in line.split("|")]
        if len(parts) != 4:
            raise ValueError(f"Line {number}: write key | label | low | high, e.g. mild | Mild | 5 | 9.")
        key, label, low, high = parts
        if not BAND_KEY_PATTERN.fullmatch(key):
            raise ValueError(f"Line {number}: the band key {key!r} must be lowercase letters, digits or _.")
        if not label:
            raise ValueError(f"Line {number}: the band needs a label.")
        if not re.fullmatch(r"-?\d+", low) or not re.fullmatch(r"-?\d+", high):
            raise ValueError(f"Line {number}: low and high must be whole numbers.")
        bands.append((key, label, int(low), int(high)))
    return bands


class InstrumentForm(FlaskForm):
    key = StringField(
        "Key",
        filters=[strip],
        validators=[DataRequired(message="Enter a short key, e.g. resilience.")],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    name = StringField(
        "Name",
        filters=[strip],
        validators=[DataRequired(message="Enter the instrument's name."), Length(max=120)],
    )
    items = TextAreaField(
        "Items", validators=[DataRequired(message="Enter at least one item.")], render_kw={"rows": 6}
    )
    scale_min = IntegerField(
        "Lowest answer",
        validators=[InputRequired(message="Enter the lowest answer, e.g. 0."), NumberRange(min=-10, max=100)],
    )
    scale_max = IntegerField(
        "Highest answer",
        validators=[
            InputRequired(message="Enter the highest answer, e.g. 4."),
            NumberRange(min=-10, max=100),
        ],
    )
    option_labels = TextAreaField("Answer labels", render_kw={"rows": 5})
    higher_is_better = BooleanField("Higher totals are better")
    reliable_change = IntegerField(
        "Reliable change",
        validators=[
            Optional(),
            NumberRange(min=1, message="Enter a whole number of 1 or more, or leave it blank."),
        ],
    )
    bands = TextAreaField("Severity bands", render_kw={"rows": 4})
    active = BooleanField("Active (offered when entering assessments)", default=True)
    cadence_days = IntegerField(
        "Clients answer it every … days",
        validators=[
            Optional(),
            NumberRange(min=1, max=365, message="Enter a number of days from 1 to 365, or leave it blank."),
        ],
        description=(
            "Optional. Clients with a personal link are asked to answer it this often, from admission on, "
            f"with a reminder; it stays open {QUESTIONNAIRE_EXPIRES_AFTER_DAYS} days after it is due. "
            "Leave it blank when only staff enter it."
        ),
        render_kw={"min": 1, "max": 365, "inputmode": "numeric"},
    )

    def __init__(self, *args, key_taken=lambda key: False, **kwargs):
        super().__init__(*args, **kwargs)
        self.key_taken = key_taken

    @staticmethod
    def initial(definition: InstrumentDefinition) -> dict:
        """A stored definition as the form shows it."""
        return {
            "key": definition.key,
            "name": definition.name,
            "items": "\n".join(definition.items),
            "scale_min": definition.scale_min,
            "scale_max": definition.scale_max,
            "option_labels": "\n".join(definition.option_labels),
            "higher_is_better": definition.higher_is_better,
            "reliable_change": definition.reliable_change,
            "bands": "\n".join(" | ".join(str(part) for part in band) for band in definition.bands),
            "active": definition.active,
            "cadence_days": definition.cadence_days,
        }

    def validate_key(self, field):
        if field.data in STANDARD_INSTRUMENTS:
            name = STANDARD_INSTRUMENTS[field.data].short_name
            raise ValidationError(
                f"{field.data} is the standard {name}, which cannot be redefined; choose another key."
            )
        if not KEY_PATTERN.fullmatch(field.data):
            raise ValidationError("Start with a letter; use lowercase letters, digits and _ only (up to 40).")
        if self.key_taken(field.data):
            raise ValidationError("This program already has an instrument with this key.")

    def validate_items(self, field):
        items = lines(field.data)
        if len(items) > MAX_ITEMS:
            raise ValidationError(f"At most {MAX_ITEMS} items.")
        if any(len(item) > 500 for item in items):
            raise ValidationError("Each item can be at most 500 characters.")

    def validate_scale_max(self, field):
        low = self.scale_min.data
        if low is None or self.scale_min.errors or field.data is None:
            return
        if field.data <= low:
            raise ValidationError("The highest answer must be above the lowest.")
        if field.data - low + 1 > MAX_SCALE_POINTS:
            raise ValidationError(f"A scale can have at most {MAX_SCALE_POINTS} answers, e.g. 0–10.")

    def validate_option_labels(self, field):
        labels = lines(field.data)
        if not labels or self.scale_min.data is None or self.scale_max.data is None:
            return
        points = self.scale_max.data - self.scale_min.data + 1
        if points > 1 and len(labels) != points:
            raise ValidationError(
                f"Give one label per answer: {points} for {self.scale_min.data} to {self.scale_max.data}, "
                f"or none to show the numbers; got {len(labels)}."
            )

    def validate_bands(self, field):
        try:
            parse_bands(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def validate(self, extra_validators=None) -> bool:
        """Field checks first; then iop.clinical checks the whole definition, bands most of all."""
        if not super().validate(extra_validators):
            return False
        try:
            self.definition().build()
        except ValueError as error:
            message = str(error)
            message = message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")
            (self.bands.errors if self.bands.data and self.bands.data.strip() else self.form_errors).append(
                message
            )
            return False
        return True

    def definition(self) -> InstrumentDefinition:
        return InstrumentDefinition(
            key=self.key.data,
            name=self.name.data,
            items=lines(self.items.data),
            scale_min=self.scale_min.data,
            scale_max=self.scale_max.data,
            option_labels=lines(self.option_labels.data),
            higher_is_better=self.higher_is_better.data,
            reliable_change=self.reliable_change.data,
            bands=parse_bands(self.bands.data),
            active=self.active.data,
            cadence_days=self.cadence_days.data,
        )
