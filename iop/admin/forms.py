"""Admin forms: programs, cohorts with their meeting pattern, staff accounts."""

from __future__ import annotations

import functools
import zoneinfo

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
)
from wtforms.widgets import CheckboxInput, ListWidget

from iop.clinical.checkins import (
    COPING_SKILL_MAX_LENGTH,
    DEFAULT_COPING_SKILLS,
    MAX_COPING_SKILLS,
    coping_skill_problems,
    tidy_coping_skills,
)
from iop.fields import FloatField, IntegerField, strip
from iop.models import DEFAULT_MIN_WEEKLY_HOURS, POPULATIONS, ROLE_LABELS, ROLES, WEEKDAYS
from iop.services.passwords import password_problem

# Regions a clinic can sit in; the legacy aliases (US/Eastern, EST5EDT, ...) are left out of the list.
TIMEZONE_REGIONS = ("Africa", "America", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
ADMISSION_CHOICES = [SelectChoice("open", "Open (rolling admission)"), SelectChoice("closed", "Closed")]


@functools.cache
def timezone_choices() -> tuple[SelectChoice, ...]:
    """IANA zones of the clinic regions, grouped by region: America/New_York is "New York" under America."""
    zones = sorted(z for z in zoneinfo.available_timezones() if z.split("/", 1)[0] in TIMEZONE_REGIONS)
    return tuple(
        SelectChoice(
            zone, zone.split("/", 1)[1].replace("_", " ").replace("/", " / "), optgroup=zone.split("/")[0]
        )
        for zone in zones
    )


class MultiCheckboxField(SelectMultipleField):
    """A set of checkboxes, drawn by the `checkboxes` macro; at least one can be required."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, required_message: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.required_message = required_message

    def pre_validate(self, form):
        if self.required_message and not self.data:
            raise StopValidation(self.required_message)
        super().pre_validate(form)


class ProgramForm(FlaskForm):
    name = StringField(
        "Name",
        filters=[strip],
        validators=[DataRequired(message="Enter the program's name."), Length(max=120)],
    )
    timezone = SelectField(
        "Time zone",
        validate_choice=False,  # validate_timezone says it in our words
        validators=[DataRequired(message="Choose the time zone the program runs in.")],
    )
    population = RadioField(
        "Population",
        choices=[SelectChoice(value, label) for value, label in POPULATIONS.items()],
        default="adult",
        validate_choice=False,  # AnyOf says it in our words
        validators=[AnyOf(list(POPULATIONS), message="Choose adult or adolescent.")],
    )
    min_weekly_hours = FloatField(
        "Minimum weekly hours",
        validators=[
            Optional(),
            NumberRange(min=1, max=40, message="Enter between 1 and 40 hours, or leave it blank."),
        ],
        render_kw={"step": "0.1", "inputmode": "decimal"},
    )

    break_glass_enabled = BooleanField("Allow break-glass access")
    show_clients_scores = BooleanField("Show clients their PHQ-9 and GAD-7 trend")
    coping_skills_text = TextAreaField(
        "Coping skills clients choose from in a check-in",
        validators=[
            Length(max=MAX_COPING_SKILLS * (COPING_SKILL_MAX_LENGTH + 2), message="This list is too long.")
        ],
        description=(
            f"One skill per line, at most {MAX_COPING_SKILLS}, each under {COPING_SKILL_MAX_LENGTH + 1} "
            f"characters. Leave it empty for the default list: {', '.join(DEFAULT_COPING_SKILLS)}."
        ),
        render_kw={"rows": 8},
    )

    def __init__(self, *args, name_taken=lambda name: False, current_timezone: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.name_taken = name_taken
        choices = [SelectChoice("", "Choose a time zone"), *timezone_choices()]
        if current_timezone and current_timezone not in {choice.value for choice in choices}:
            # A zone outside the list (set up by other means) stays selectable for its program.
            choices.insert(1, SelectChoice(current_timezone))
        self.timezone.choices = choices

    def validate_name(self, field):
        if self.name_taken(field.data):
            raise ValidationError("Another program already has this name.")

    def validate_timezone(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("Choose a time zone from the list.")
        try:
            zoneinfo.ZoneInfo(field.data)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationError("This time zone is not known on this server; choose another.") from error

    def validate_coping_skills_text(self, field):
        problems = coping_skill_problems(field.data or "")
        if problems:
            raise ValidationError(" ".join(problems))

    def validate_min_weekly_hours(self, field):
        if field.data is not None and abs(field.data * 10 - round(field.data * 10)) > 1e-6:
            raise ValidationError("Use at most one decimal place, e.g. 9 or 7.5.")

    @property
    def weekly_hours(self) -> float:
        """The entered minimum, or the ASAM level 2.1 default of the chosen population."""
        if self.min_weekly_hours.data is not None:
            return self.min_weekly_hours.data
        return DEFAULT_MIN_WEEKLY_HOURS[self.population.data]

    def settings(self) -> dict:
        """The program's fields as the services take them (the time zone only when it is on the form)."""
        values = {
            "name": self.name.data,
            "population": self.population.data,
            "min_weekly_hours": self.weekly_hours,
            "break_glass_enabled": bool(self.break_glass_enabled.data),
            "show_clients_scores": bool(self.show_clients_scores.data),
            "coping_skills_text": tidy_coping_skills(self.coping_skills_text.data or ""),
        }
        if "timezone" in self:
            values["timezone"] = self.timezone.data
        return values


class CohortForm(FlaskForm):
    name = StringField(
        "Name",
        filters=[strip],
        validators=[DataRequired(message="Enter the cohort's name."), Length(max=120)],
    )
    admission = RadioField(
        "Admission",
        choices=ADMISSION_CHOICES,
        default="open",
        validate_choice=False,
        validators=[AnyOf(["open", "closed"], message="Choose open or closed admission.")],
    )
    meeting_days = MultiCheckboxField(
        "Meeting days",
        choices=[SelectChoice(str(number), label) for number, label in enumerate(WEEKDAYS)],
        required_message="Choose at least one meeting day.",
    )
    start_time = TimeField(
        "Start time",
        format=["%H:%M", "%H:%M:%S"],
        validators=[InputRequired(message="Enter a start time, e.g. 09:00.")],
    )
    duration_minutes = IntegerField(
        "Duration in minutes",
        validators=[
            InputRequired(message="Enter the length of a session in minutes."),
            NumberRange(min=15, max=480, message="A session lasts between 15 and 480 minutes."),
        ],
    )
    facilitators = MultiCheckboxField("Facilitators", coerce=int)

    def __init__(self, *args, facilitator_choices=(), name_taken=lambda name: False, **kwargs):
        super().__init__(*args, **kwargs)
        self.facilitator_users = list(facilitator_choices)
        self.facilitators.choices = [SelectChoice(user.id, user.full_name) for user in self.facilitator_users]
        self.name_taken = name_taken

    @staticmethod
    def initial(cohort) -> dict:
        """A cohort's current values, to fill the edit form."""
        return {
            "name": cohort.name,
            "admission": cohort.admission,
            "meeting_days": list(cohort.meeting_days),
            "start_time": cohort.start_time,
            "duration_minutes": cohort.duration_minutes,
            "facilitators": [user.id for user in cohort.facilitators],
        }

    def validate_name(self, field):
        if self.name_taken(field.data):
            raise ValidationError("This program already has a cohort with this name.")

    def settings(self) -> dict:
        """The cohort's fields as the services take them; meeting days become the digit string "024"."""
        return {
            "name": self.name.data,
            "admission": self.admission.data,
            "meeting_days": "".join(sorted(set(self.meeting_days.data))),
            "start_time": self.start_time.data,
            "duration_minutes": self.duration_minutes.data,
            "facilitators": [user for user in self.facilitator_users if user.id in self.facilitators.data],
        }


EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter an email address like name@clinic.org.")


class StaffForm(FlaskForm):
    """Fields shared by creating and editing a staff account: the name and the roles held in each program.

    A role is held in one program (DESIGN §3), so each checkbox is a (program, role) pair, offered only
    for the programs the acting admin administers.
    """

    full_name = StringField(
        "Full name",
        filters=[strip],
        validators=[DataRequired(message="Enter the full name."), Length(max=120)],
    )
    grants = MultiCheckboxField("Roles in each program")

    def __init__(self, *args, program_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.program_options = list(program_choices)
        self.grants.choices = [
            SelectChoice(grant_value(program.id, role), ROLE_LABELS[role])
            for program in self.program_options
            for role in ROLES
        ]

    def chosen_grants(self) -> dict:
        """The roles chosen in each offered program (an empty set: no longer in that program)."""
        chosen = set(self.grants.data or ())
        return {
            program: {role for role in ROLES if grant_value(program.id, role) in chosen}
            for program in self.program_options
        }


def grant_value(program_id: int, role: str) -> str:
    """The checkbox value of a role in a program: "3:clinician"."""
    return f"{program_id}:{role}"


class StaffCreateForm(StaffForm):
    email = StringField(
        "Email",
        filters=[strip],
        validators=[DataRequired(message="Enter the email address."), Length(max=254), EMAIL],
        render_kw={"autocomplete": "off", "type": "email"},
    )
    password = PasswordField(
        "Initial password",
        validators=[DataRequired(message="Enter an initial password.")],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.grants.required_message = "Choose at least one role in a program."

    def validate_password(self, field):
        problem = password_problem(field.data, email=self.email.data, full_name=self.full_name.data)
        if problem:
            raise ValidationError(problem)


class StaffEditForm(StaffForm):
    active = BooleanField("Active (may sign in)")

    def __init__(self, *args, user, actor, other_program_count: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_self = user.id == actor.id
        self.other_program_count = other_program_count

    @staticmethod
    def initial(user, managed_program_ids) -> dict:
        """A staff member's current values; only roles in programs the admin administers are on the form."""
        return {
            "full_name": user.full_name,
            "grants": [
                grant_value(program_id, role)
                for program_id, role in sorted(user.grants())
                if program_id in managed_program_ids
            ],
            "active": user.active,
        }

    def validate_grants(self, field):
        chosen = set(field.data or ())
        if self.is_self and any(
            grant_value(program.id, "admin") not in chosen for program in self.program_options
        ):
            raise ValidationError("You cannot remove your own admin role; ask another admin to do it.")
        if not chosen and not self.other_program_count:
            raise ValidationError(
                "Choose at least one role in a program; to stop them signing in, deactivate the account."
            )

    def validate_active(self, field):
        if self.is_self and not field.data:
            raise ValidationError("You cannot deactivate your own account.")


class TemporaryPasswordForm(FlaskForm):
    """An admin's reset: a temporary password, changed by its owner at the next sign-in."""

    password = PasswordField(
        "Temporary password",
        validators=[DataRequired(message="Enter a temporary password.")],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field):
        problem = password_problem(field.data, email=self.user.email, full_name=self.user.full_name)
        if problem:
            raise ValidationError(problem)
