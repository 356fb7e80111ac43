"""Forms of one's own account: changing the password."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, ValidationError
from wtforms.validators import DataRequired, EqualTo

from iop.services.passwords import password_problem


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(message="Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(message="Enter a new password.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "New password again",
        validators=[EqualTo("new_password", message="The two new passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_new_password(self, field):
        problem = password_problem(field.data, email=self.user.email, full_name=self.user.full_name)
        if problem:
            raise ValidationError(problem)
