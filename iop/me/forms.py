"""Forms of the client's own pages: opening the personal link (with its second step)."""

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import Optional

from iop.fields import DateField


class OpenLinkForm(FlaskForm):
    """The button that opens the client's pages; with a PIN or date of birth when the link asks for one."""

    pin = PasswordField(
        "Your PIN",
        validators=[Optional()],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 8},
    )
    date_of_birth = DateField("Your date of birth", validators=[Optional()])

    def answer_for(self, second_factor: str):
        """What the client typed for the link's second step, with a message when it was left empty."""
        field = self.pin if second_factor == "pin" else self.date_of_birth
        if second_factor != "none" and not field.data:
            message = "Enter your PIN." if second_factor == "pin" else "Enter your date of birth."
            field.errors = [*field.errors, message]
        return field.data
