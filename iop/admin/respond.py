"""The two ways every admin form ends: the page again (422 after a failed submit) or flash + 303."""

from flask import flash, redirect, render_template, url_for


def form_page(template: str, form, **context):
    """The form page; a submitted form that comes back has errors, so it answers 422."""
    status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status


def done(message: str, endpoint: str, **values):
    """Say what happened and redirect with 303, so reloading the next page posts nothing again."""
    flash(message, "success")
    return redirect(url_for(endpoint, **values), 303)
