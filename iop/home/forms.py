"""The home page's one form: mark the notices read."""

from flask_wtf import FlaskForm


class MarkReadForm(FlaskForm):
    """Only the CSRF token."""
