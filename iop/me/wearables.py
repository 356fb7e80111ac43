"""The wearable import by personal link: upload a CSV export, check the preview, confirm.

Nothing is stored as wearable data until the client confirms; the upload waits server-side, as a
staged import of the client's own (never in a cookie), for an hour at most.
"""

from flask import g, redirect, render_template, request, url_for

from iop.clinical.wearable_files import MAX_ROWS
from iop.clinical.wearables import SOURCES, TARGET_LABELS
from iop.extensions import db
from iop.htmx import invalid
from iop.me.wearable_forms import PreviewForm, UploadForm
from iop.permissions import client_required, get_own_wearable_import_or_404
from iop.services.client_links import record_client_view
from iop.services.wearables import (
    DUPLICATE_CHOICES,
    ImportRefused,
    confirm_import,
    discard_upload,
    import_history,
    preview,
    stage_upload,
    staged_table,
)

TOO_LARGE = "The file is larger than 1 MB. Export a shorter date range."


def _render_upload(form, error=None, status=200):
    html = render_template(
        "me/wearables.html",
        client=g.client,
        form=form,
        error=error,
        history=import_history(g.client),
        SOURCES=SOURCES,
        MAX_ROWS=MAX_ROWS,
    )
    return html, status


@client_required
def wearables():
    """Upload a wearable's CSV export (the preview comes next); the client's earlier imports."""
    if request.method == "GET":
        record_client_view("wearables")
        db.session.commit()
        return _render_upload(
            UploadForm(formdata=None), error=TOO_LARGE if request.args.get("too_large") else None
        )
    form = UploadForm()
    if not form.validate():
        return invalid(lambda: _render_upload(form))
    try:
        upload = stage_upload(g.client_link, *form.upload())
    except ImportRefused as refused:
        db.session.commit()  # the refusal is audited (its size only)
        form.export.errors = [str(refused)]
        return invalid(lambda: _render_upload(form))
    db.session.commit()
    return redirect(url_for("me.wearable_preview", import_id=upload.id), 303)


def too_large(error):
    """An upload over the size limit never reaches the view: back to the upload page, with the reason."""
    if request.endpoint != "me.wearables":
        return error
    return redirect(url_for("me.wearables", too_large=1), 303)


def _render_preview(found, form, error=None, status=200):
    if found.problems:
        form.show_problems(found.problems)
    html = render_template(
        "me/wearables_preview.html",
        client=g.client,
        found=found,
        form=form,
        error=error,
        TARGET_LABELS=TARGET_LABELS,
        DUPLICATE_CHOICES=DUPLICATE_CHOICES,
    )
    return html, 422 if found.problems or error else status


def _gone(refused: ImportRefused):
    db.session.commit()  # an upload found expired is cleared
    return render_template("me/wearables_gone.html", client=g.client, message=str(refused)), 410


@client_required
def wearable_preview(import_id: int):
    """What the file holds, read with the mapping shown; the client corrects it, confirms or cancels."""
    upload = get_own_wearable_import_or_404(import_id)
    if upload.status == "imported":
        return redirect(url_for("me.wearable_done", import_id=upload.id), 303)
    try:
        table = staged_table(upload)
    except ImportRefused as refused:
        return _gone(refused)
    if request.method == "GET":
        record_client_view("wearables_preview")
        found = preview(upload)
        db.session.commit()
        return _render_preview(found, PreviewForm.for_preview(found))
    form = PreviewForm(table=table)
    if request.form.get("action") == "cancel":  # CSRF was checked before the view, as on every POST
        return _cancel(upload)
    if not form.validate():
        return invalid(lambda: _render_preview(preview(upload), form, error="Check the choices below."))
    if request.form.get("action") != "confirm":  # "Update the preview": nothing is stored
        return _render_preview(preview(upload, form.to_choices()), form)
    return _confirm(upload, form)


def _cancel(upload):
    discard_upload(upload, g.client_link)
    db.session.commit()
    return redirect(url_for("me.wearables"), 303)


def _confirm(upload, form):
    choices = form.to_choices()
    try:
        found = confirm_import(upload, g.client_link, choices)
    except ImportRefused as refused:
        db.session.rollback()
        message = str(refused)
        return invalid(lambda: _render_preview(preview(upload, choices), form, error=message))
    if found.problems:
        return invalid(lambda: _render_preview(found, form))
    db.session.commit()
    return redirect(url_for("me.wearable_done", import_id=upload.id), 303)


@client_required
def wearable_done(import_id: int):
    """How many days were added, replaced and left out."""
    upload = get_own_wearable_import_or_404(import_id)
    if upload.status != "imported":
        return redirect(url_for("me.wearable_preview", import_id=upload.id), 303)
    record_client_view("wearables_done")
    db.session.commit()
    return render_template("me/wearables_done.html", client=g.client, upload=upload, SOURCES=SOURCES)
