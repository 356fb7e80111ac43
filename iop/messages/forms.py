"""The secure message form, written by the client on their own pages and by the care team on the tab."""

import re

from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length

from iop.fields import OnceForm
from iop.services.secure_messages import MESSAGE_MAX_LENGTH

# What printable refuses, shown back as U+FFFD so the rest of the text is kept and the spot is visible.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _printable(form, field):
    # The app's printable check, with the spot named: the text comes back with U+FFFD there.
    if CONTROL_CHARACTERS.search(field.data or ""):
        raise ValidationError("Remove the control characters (shown as \ufffd) from the message.")


def _not_blank(form, field):
    if not (field.data or "").strip():
        raise ValidationError("Write a message first.")


class MessageForm(OnceForm):
    body = TextAreaField(
        "Message",
        validators=[
            InputRequired(message="Write a message first."),
            _not_blank,
            Length(max=MESSAGE_MAX_LENGTH, message=f"Keep a message under {MESSAGE_MAX_LENGTH} characters."),
            _printable,
        ],
        render_kw={"maxlength": MESSAGE_MAX_LENGTH, "rows": 4},
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.body.errors and self.body.data:
            self.body.data = CONTROL_CHARACTERS.sub("\ufffd", self.body.data)
        return valid


class HandledForm(FlaskForm):
    """Mark the thread handled ("1") or open it again ("0")."""

    handled = HiddenField()
