"""Page-or-fragment rendering: one template per page, an htmx request gets one block of it.

Convention: a swappable block has the same name as the id of the element it renders, so the
HX-Target header of an htmx request names the block to send back.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Response, current_app, flash, redirect, render_template
from flask import make_response as flask_make_response
from flask.typing import ResponseReturnValue
from flask_htmx import make_response
from jinja2_fragments.flask import render_block

from iop.extensions import htmx


class UnknownTarget(LookupError):
    """An htmx request named an HX-Target the page has no block for (a typo in a template)."""


def wanted_block(fragments: tuple[str, ...]) -> str | None:
    """The block an htmx request is aimed at, or None when it should get the whole page.

    A target that names no block would swap a whole page into one element: in development and
    tests that is an error, so the typo shows at once; in production the user still gets the page.
    """
    if not htmx or htmx.boosted or htmx.history_restore_request or not htmx.target:
        return None
    if htmx.target in fragments:
        return htmx.target
    if current_app.debug or current_app.testing:
        raise UnknownTarget(f"HX-Target {htmx.target!r} names no block of this page (blocks: {fragments})")
    return None


def render_page(
    template: str,
    fragments: tuple[str, ...] = (),
    *,
    status: int = 200,
    trigger: str | dict | None = None,
    **context,
):
    """The whole page for a normal request; only the targeted block for an htmx request."""
    block = wanted_block(fragments)
    html = render_block(template, block, **context) if block else render_template(template, **context)
    return make_response(html, status, trigger=trigger)


# The two ways a mutation view ends. Every area uses this pair, so a change answers the same
# way everywhere: htmx gets the re-rendered fragment, a plain form post gets flash + 303.


def changed(
    render: Callable[[], ResponseReturnValue],
    *,
    message: str | None = None,
    location: str,
    trigger: str | dict | None = None,
) -> Response:
    """A change was saved (and committed): the fresh fragment with HX-Trigger for htmx; for a plain
    post, the message (if any) flashed and a 303 to `location`, so reloading the next page posts nothing."""
    if htmx:
        response = flask_make_response(render())
        if trigger:
            _add_trigger(response, trigger)
        return response
    if message:
        flash(message, "success")
    return redirect(location, 303)


def invalid(render: Callable[[], ResponseReturnValue], status: int = 422) -> Response:
    """The form comes back as the user left it, with a message per field (422, or 409 for a conflict)."""
    response = flask_make_response(render())
    response.status_code = status
    return response


def _add_trigger(response: Response, trigger: str | dict) -> None:
    events = {trigger: None} if isinstance(trigger, str) else dict(trigger)
    existing = response.headers.get("HX-Trigger")
    if existing:
        events = {**_parse_trigger(existing), **events}
    response.headers["HX-Trigger"] = (
        ", ".join(events) if all(v is None for v in events.values()) else json.dumps(events)
    )


def _parse_trigger(header: str) -> dict:
    header = header.strip()
    if header.startswith("{"):
        return json.loads(header)
    return {name.strip(): None for name in header.split(",") if name.strip()}
