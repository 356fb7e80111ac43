"""What a web worker would otherwise do on its first requests, done once in gunicorn's master.

Gunicorn imports the app in the master and forks the workers from it (gunicorn.conf.py, preload_app).
Whatever the master has already built, every worker has from its first instant, and so has a worker
started later to replace a recycled one: compiled templates, the bundle URLs with their content
hashes, configured mappers. Left to the workers, each would build them again on its first requests
after the fork, each page slow once per worker.
"""

from __future__ import annotations

from flask import Flask

TEMPLATE_EXTENSIONS = ("html", "txt")


def warm(app: Flask) -> dict:
    """Compile every template, resolve every bundle URL and configure the ORM mappers in this process.

    Opens no database connection and touches no data, so it is safe in a master about to fork.
    Returns what was warmed (for the log line)."""
    from sqlalchemy.orm import configure_mappers

    from iop.assets import BUNDLES, bundle_url

    names = app.jinja_env.list_templates(extensions=TEMPLATE_EXTENSIONS)
    for name in names:
        app.jinja_env.get_template(name)  # compiled once, kept in the environment's cache
    with app.test_request_context("/"):
        urls = {name: bundle_url(name) for name in BUNDLES}  # kept unless debug or demo
    configure_mappers()
    return {"templates": len(names), "bundles": urls}
