"""Form fields that refuse hostile input with a message instead of passing it to the database.

WTForms' own fields accept 400-digit integers, `nan` and `inf`, and dates in year 1 or 9999: each
of those reached the database or date arithmetic and answered 500. Every form imports its number
and date fields from here.
"""

from __future__ import annotations

import math
import secrets
from datetime import date

from flask_wtf import FlaskForm
from wtforms import fields
from wtforms.validators import Regexp, ValidationError

# Whole numbers fit a PostgreSQL integer with room to spare; nothing in a form needs more digits.
MAX_DIGITS = 9
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


class IntegerField(fields.IntegerField):
    """A whole number of at most nine ASCII digits ("²" and "١" are digits to Python, not to us)."""

    def process_formdata(self, valuelist):
        if valuelist:
            raw = (valuelist[0] or "").strip()
            digits = raw[1:] if raw.startswith("-") else raw
            if raw and not (digits.isascii() and digits.isdigit() and len(digits) <= MAX_DIGITS):
                self.data = None
                raise ValueError(self.gettext("Enter a whole number."))
        super().process_formdata(valuelist)


class FloatField(fields.FloatField):
    """A finite decimal number: `nan`, `inf` and 400-digit numbers are refused."""

    def process_formdata(self, valuelist):
        if valuelist and len((valuelist[0] or "").strip()) > 2 * MAX_DIGITS:
            self.data = None
            raise ValueError(self.gettext("Enter a number."))
        super().process_formdata(valuelist)
        if self.data is not None and not math.isfinite(self.data):
            self.data = None
            raise ValueError(self.gettext("Enter a number."))


class DateField(fields.DateField):
    """A date between 1900 and 2100: date arithmetic near year 1 or 9999 overflows."""

    def pre_validate(self, form):
        super().pre_validate(form)
        if self.data is not None and not EARLIEST <= self.data <= LATEST:
            raise ValidationError(f"Enter a date between {EARLIEST.year} and {LATEST.year}.")


def strip(value):
    """The text filter of every free-text field: surrounding white space is not part of what was meant."""
    return value.strip() if isinstance(value, str) else value


class DatedForm(FlaskForm):
    """A form that knows the program's today: the date fields named in `not_future` may not be after it."""

    not_future: tuple[str, ...] = ()
    future_message = "The date cannot be in the future."

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate(self, extra_validators=None):
        extra = {name: list(checks) for name, checks in (extra_validators or {}).items()}
        for name in self.not_future:
            extra.setdefault(name, []).append(self._check_not_future)
        return super().validate(extra)

    def _check_not_future(self, form, field):
        if self.today and field.data and field.data > self.today:
            raise ValidationError(self.future_message)


class OnceForm(FlaskForm):
    """A form that stores one thing however often it is posted: each form shown carries a random key,
    and the service stores a key once. A refused key is replaced, so sending the form again can work."""

    submission_key = fields.HiddenField(
        validators=[
            Regexp(r"^[A-Za-z0-9_-]{16,64}$", message="This form had expired: check it and send again.")
        ]
    )

    @classmethod
    def blank(cls, **kwargs):
        return cls(formdata=None, submission_key=secrets.token_urlsafe(24), **kwargs)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.submission_key.errors:
            self.submission_key.data = secrets.token_urlsafe(24)
        return valid
