"""Forms of one's own account: changing the password."""

from wtforms import PasswordField
from wtforms.validators import DataRequired

from iop.auth.forms import NewPasswordForm


class PasswordChangeForm(NewPasswordForm):
    """The new password as on a reset link, and the current one to prove it is the owner changing it."""

    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(message="Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
