"""Forms of the client's own pages: opening the personal link (with its second step), the check-in."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from iop.clinical.checkins import (
    CHECKIN_SCALES,
    FEEDBACK_KEYS,
    FEEDBACK_QUESTIONS,
    MAX_EXERCISE_MINUTES,
    MAX_SLEEP_HOURS,
    SCALE_KEYS,
    SCALE_MAX,
    SCALE_MIN,
    SOCIAL_CATEGORIES,
)
from iop.family.forms import printable
from iop.fields import DateField, FloatField, IntegerField, OnceForm, strip
from iop.services.checkins import NOTE_MAX_LENGTH, CheckinInput
from iop.services.feedback import COMMENT_MAX_LENGTH
from iop.services.journal import JOURNAL_MAX_LENGTH
from iop.symptoms.forms import QuickLogForm, log_date_field, log_note_field

# The client rates anxiety 0–10 like their check-in; the log keeps the care team's 0–100 (SUDS) scale.
CLIENT_ANXIETY_MAX = 10
SUDS_PER_POINT = 10
PANIC_ATTACKS = "Panic attacks"
MAX_PANIC_ATTACKS = 50


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


def _scale(key: str, label: str) -> IntegerField:
    return IntegerField(
        label,
        default=5,
        validators=[
            InputRequired(message=f"Choose a number from {SCALE_MIN} to {SCALE_MAX}."),
            NumberRange(SCALE_MIN, SCALE_MAX, message=f"Choose a number from {SCALE_MIN} to {SCALE_MAX}."),
        ],
    )


class CheckinForm(OnceForm):
    """Today's check-in: four 0–10 sliders, sleep, exercise, contact, a coping skill and a note."""

    mood = _scale(*CHECKIN_SCALES[0][:2])
    anxiety = _scale(*CHECKIN_SCALES[1][:2])
    cravings = _scale(*CHECKIN_SCALES[2][:2])
    stress = _scale(*CHECKIN_SCALES[3][:2])
    sleep_hours = FloatField(
        "Hours of sleep last night",
        validators=[
            Optional(),
            NumberRange(0, MAX_SLEEP_HOURS, message=f"Sleep is 0 to {MAX_SLEEP_HOURS} hours."),
        ],
        render_kw={"inputmode": "decimal", "step": "0.5", "min": 0, "max": MAX_SLEEP_HOURS},
    )
    exercise_minutes = IntegerField(
        "Minutes of exercise today",
        validators=[
            Optional(),
            NumberRange(0, MAX_EXERCISE_MINUTES, message=f"Exercise is 0 to {MAX_EXERCISE_MINUTES} minutes."),
        ],
        render_kw={"inputmode": "numeric", "min": 0, "max": MAX_EXERCISE_MINUTES},
    )
    social_contact = RadioField(
        "Did you spend time with someone today?",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validators=[InputRequired(message="Answer yes or no.")],
    )
    social_with = SelectField(
        "With whom (if yes)",
        choices=[SelectChoice("", "Choose…"), *(SelectChoice(k, v) for k, v in SOCIAL_CATEGORIES.items())],
        validate_choice=False,
    )
    coping_skill = SelectField("A coping skill you used today (optional)", validate_choice=False)
    note = TextAreaField(
        "Anything else (optional)",
        validators=[
            Length(max=NOTE_MAX_LENGTH, message=f"Keep it under {NOTE_MAX_LENGTH} characters."),
            printable,
        ],
        render_kw={"maxlength": NOTE_MAX_LENGTH, "rows": 3},
    )

    def __init__(self, *args, skills: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.coping_skill.choices = [SelectChoice("", "None today"), *(SelectChoice(s, s) for s in skills)]

    @classmethod
    def blank(cls, skills: tuple[str, ...]) -> "CheckinForm":
        return super().blank(skills=skills)

    def scale_fields(self):
        return [(getattr(self, key), low, high) for key, _, low, high in CHECKIN_SCALES]

    def to_input(self) -> CheckinInput:
        contact = self.social_contact.data == "yes"
        return CheckinInput(
            scales={key: getattr(self, key).data for key in SCALE_KEYS},
            sleep_hours=self.sleep_hours.data,
            exercise_minutes=self.exercise_minutes.data,
            social_contact=contact,
            social_with=(self.social_with.data or None) if contact else None,
            coping_skill=self.coping_skill.data or None,
            note=self.note.data or "",
        )


class JournalForm(OnceForm):
    body = TextAreaField(
        "New entry",
        validators=[
            InputRequired(message="Write something first."),
            Length(max=JOURNAL_MAX_LENGTH, message=f"Keep an entry under {JOURNAL_MAX_LENGTH} characters."),
            printable,
        ],
        render_kw={"maxlength": JOURNAL_MAX_LENGTH, "rows": 6},
    )
    shared = BooleanField("Share this entry with my care team")


class ShareForm(FlaskForm):
    """Share or unshare one entry: the value says which."""

    shared = HiddenField()


def _feedback_question(label: str, anchors) -> RadioField:
    return RadioField(
        label,
        choices=[SelectChoice(level, f"{level} – {anchor}") for level, anchor in enumerate(anchors, 1)],
        coerce=int,
        validators=[InputRequired(message="Choose from 1 to 5.")],
    )


class FeedbackForm(FlaskForm):
    """The program's own post-session questions (never the licensed SRS/GSRS wording)."""

    felt_heard = _feedback_question(*FEEDBACK_QUESTIONS[0][1:])
    useful = _feedback_question(*FEEDBACK_QUESTIONS[1][1:])
    plan_to_use = _feedback_question(*FEEDBACK_QUESTIONS[2][1:])
    comment = TextAreaField(
        "Anything you want the group leader to know (optional)",
        validators=[
            Length(max=COMMENT_MAX_LENGTH, message=f"Keep it under {COMMENT_MAX_LENGTH} characters."),
            printable,
        ],
        render_kw={"maxlength": COMMENT_MAX_LENGTH, "rows": 3},
    )

    def questions(self):
        return [getattr(self, key) for key in FEEDBACK_KEYS]

    def ratings(self) -> dict[str, int]:
        return {key: getattr(self, key).data for key in FEEDBACK_KEYS}


class HomeworkDoneForm(FlaskForm):
    note = TextAreaField(
        "How did it go? (optional)",
        validators=[Length(max=1000, message="Keep it under 1000 characters."), printable],
        render_kw={"maxlength": 1000, "rows": 2},
    )


def _anxiety(label: str, when: str) -> IntegerField:
    message = f"Rate your anxiety {when}, from 0 to {CLIENT_ANXIETY_MAX}."
    return IntegerField(
        label,
        validators=[InputRequired(message=message), NumberRange(0, CLIENT_ANXIETY_MAX, message=message)],
        render_kw={"min": 0, "max": CLIENT_ANXIETY_MAX, "inputmode": "numeric"},
    )


class ClientExposureForm(OnceForm, QuickLogForm):
    """A planned event the client faced, with anxiety 0–10 before and after: the care team's exposure log,
    filled in by the client (the ratings go into the log's 0–100 scale); posted twice, it stores one."""

    date_field, note_field = "done_on", "exposure_note"
    situation = StringField(
        "The event",
        filters=[strip],
        validators=[DataRequired(message="Say what the event was, e.g. a friend's party."), Length(max=200)],
        render_kw={"list": "known-situations", "autocomplete": "off", "maxlength": 200},
    )
    done_on = log_date_field()
    anxiety_before = _anxiety("Anxiety before (0–10)", "before")
    anxiety_after = _anxiety("Anxiety after (0–10)", "after")
    exposure_note = log_note_field()

    def values(self) -> dict:
        values = super().values()
        values["anxiety_before"] *= SUDS_PER_POINT
        values["anxiety_after"] *= SUDS_PER_POINT
        return values


class ClientPanicForm(OnceForm, QuickLogForm):
    """How many panic attacks the client had on a day: the care team's symptom log, by the client;
    posted twice, it stores one."""

    date_field, note_field = "recorded_on", "panic_note"
    recorded_on = log_date_field()
    occurrences = IntegerField(
        "How many panic attacks",
        validators=[
            InputRequired(message="Enter how many, 0 if none."),
            NumberRange(0, MAX_PANIC_ATTACKS, message=f"Enter a number from 0 to {MAX_PANIC_ATTACKS}."),
        ],
        render_kw={"min": 0, "max": MAX_PANIC_ATTACKS, "inputmode": "numeric"},
    )
    panic_note = log_note_field()

    def values(self) -> dict:
        return {**super().values(), "symptom": PANIC_ATTACKS, "severity": None}
