"""The break-glass request: which program, which client (record number) and why."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from iop.models import REASON_MIN_LENGTH


class BreakGlassForm(FlaskForm):
    program_id = SelectField("Program", coerce=int)
    mrn = StringField(
        "Client's record number (MRN)",
        validators=[DataRequired(message="Enter the client's record number."), Length(max=32)],
        render_kw={"autocomplete": "off"},
    )
    reason = TextAreaField(
        "Why you need this record now",
        validators=[
            DataRequired(message="Write why you need this record now."),
            Length(
                min=REASON_MIN_LENGTH,
                max=2000,
                message=f"Write between {REASON_MIN_LENGTH} and 2000 characters.",
            ),
        ],
        render_kw={"rows": 4},
    )

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.programs = list(programs)
        self.program_id.choices = [SelectChoice(program.id, program.name) for program in self.programs]

    @property
    def program(self):
        return next((program for program in self.programs if program.id == self.program_id.data), None)
