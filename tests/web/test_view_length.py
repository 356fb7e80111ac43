"""STYLE.md habit 3: a view reads as a short story, about 25 lines at most (load, validate, call a service,
render or redirect); the logic lives in services and helpers."""

import inspect

MAX_VIEW_LINES = 25


def test_no_view_is_longer_than_25_lines(app):
    long_views = {}
    for endpoint, view in app.view_functions.items():
        function = inspect.unwrap(view)
        try:
            lines, _ = inspect.getsourcelines(function)
        except (OSError, TypeError):  # built by Flask or an extension, not ours
            continue
        body = [line for line in lines if not line.lstrip().startswith("@")]  # from the def line on
        if "/iop/" in inspect.getsourcefile(function) and len(body) > MAX_VIEW_LINES:
            long_views[endpoint] = len(body)
    assert long_views == {}
