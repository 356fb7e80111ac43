"""Gzip for pages and bundles when the browser accepts it, and a long cache life for versioned bundles.

A session grid of 64 members is about 300 KB of HTML and the CSS bundle 110 KB; compressed they are
a twentieth of that, which is most of a page's first paint on a clinic's mobile connection.

BREACH (guessing a secret in a compressed HTTPS response from its length) needs a response that holds
both a secret (the CSRF token) and text the attacker chose. So only GET responses without a query
string are compressed, where nothing in the request is echoed into the page; form answers (which
return what was typed) and searches are sent as they are. Session cookies are SameSite=Lax as well,
so another site cannot make the browser fetch pages in the background to measure them.
"""

from __future__ import annotations

import gzip

from flask import Flask, request

COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
    }
)
MIN_BYTES = 1024  # below this the gzip header and the CPU cost more than the bytes saved
# A page is compressed for every request: level 3 takes 1 ms for the 300 KB grid (to 19 KB), level 6
# four times that for 16 KB. A bundle is compressed once per build, so it gets the smallest.
PAGE_LEVEL = 3
BUNDLE_LEVEL = 9
YEAR = 365 * 24 * 3600
# Compressed bundles, by path and ETag: they change only when rebuilt, and every page asks for them.
_static_cache: dict[tuple[str, str], bytes] = {}


def _wants_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def _echoes_the_request() -> bool:
    return bool(request.query_string)


def _compress(response):
    static = request.endpoint == "static"
    if static and request.query_string and request.path.startswith("/static/gen/"):
        # flask-assets adds the bundle's hash as the query string: a new build is a new URL.
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    if (
        request.method != "GET"
        or response.status_code != 200
        or (response.is_streamed and not response.direct_passthrough)  # an export written as it goes
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
        or (not static and _echoes_the_request())
    ):
        return response
    response.vary.add("Accept-Encoding")
    if not _wants_gzip():
        return response
    etag, _ = response.get_etag()
    key = (request.path, etag or "")
    body = _static_cache.get(key) if static and etag else None
    if body is None:
        response.direct_passthrough = False  # a static file: read it to compress it
        data = response.get_data()
        if len(data) < MIN_BYTES:
            return response
        body = gzip.compress(data, compresslevel=BUNDLE_LEVEL if static else PAGE_LEVEL, mtime=0)
        if static and etag:
            _static_cache[key] = body
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    if etag:
        response.set_etag(etag, weak=True)  # the same resource, another representation of it
    return response


def init_app(app: Flask) -> None:
    """Compress after every other hook (registered first, so Flask runs it last)."""
    app.after_request_funcs.setdefault(None, []).insert(0, _compress)
