"""Page-or-fragment rendering: one template per page, an htmx request gets one block of it.

Convention: a swappable block has the same name as the id of the element it renders, so the
HX-Target header of an htmx request names the block to send back.
"""

from __future__ import annotations

from flask import render_template
from flask_htmx import make_response
from jinja2_fragments.flask import render_block

from iop.extensions import htmx


def wanted_block(fragments: tuple[str, ...]) -> str | None:
    """The block an htmx request is aimed at, or None when it should get the whole page."""
    if not htmx or htmx.boosted or htmx.history_restore_request:
        return None
    return htmx.target if htmx.target in fragments else None


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
