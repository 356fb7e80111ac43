"""Bad input gets a 4xx or the form back with a message, never a 500, and is never echoed unescaped.

Every route of the app, as every kind of person, with hostile values in its path ids, its query
string and every form field any form of the app knows (hypothesis picks the combinations).
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms import fields as wtforms_fields
from wtforms.fields.core import UnboundField

import iop
import iop.fields
from tests.factories import sign_in
from tests.web.test_access import RULES, _url, world  # noqa: F401 - world is a fixture

SCRIPT = "<script>alert(1)</script>"
HOSTILE = [
    "9" * 400,
    str(2**63),
    str(2**31),
    "-1",
    "0",
    "²",
    "١٢",
    "nan",
    "inf",
    "-inf",
    "1e309",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "/\r\nSet-Cookie: injected=1",
    "\x00",
    "a\x00b",
    SCRIPT,
    "' OR 1=1 --",
    "",
    " ",
    "x" * 5000,
]
# Every form module, so that every form class (and each field it posts) is known below.
FORM_MODULES = [
    importlib.import_module(module.name)
    for module in pkgutil.walk_packages(iop.__path__, "iop.")
    if module.name.rsplit(".", 1)[-1].endswith("forms")
]
HOSTILE_IDS = [str(2**63), str(2**31), "0", "9" * 30, "%C2%B2", "-1"]
PERSONAS = ("anonymous", "clinician", "case_manager", "admin", "outsider", "family", "family_elsewhere")


def _form_classes() -> list[type[FlaskForm]]:
    found, pending = [], list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        found.append(form)
    return found


def test_every_number_and_date_field_is_one_that_refuses_hostile_input():
    """WTForms' own number and date fields let 400 digits, nan and year 9999 through (see iop.fields)."""
    guarded = {
        wtforms_fields.IntegerField: iop.fields.IntegerField,
        wtforms_fields.FloatField: iop.fields.FloatField,
        wtforms_fields.DateField: iop.fields.DateField,
    }
    assert {module.__name__ for module in FORM_MODULES} >= {"iop.reviews.forms", "iop.consents.forms"}
    unguarded = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in _form_classes()
        for klass in form.__mro__
        for name, value in vars(klass).items()
        if isinstance(value, UnboundField)
        for base, safe in guarded.items()
        if issubclass(value.field_class, base) and not issubclass(value.field_class, safe)
    ]
    assert unguarded == []


def _form_fields() -> list[str]:
    names = set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        for klass in form.__mro__:
            names.update(name for name, value in vars(klass).items() if isinstance(value, UnboundField))
    # Fields posted without a form class: questionnaire items, the grid's controls, pickers.
    names.update(f"item-{number}" for number in range(1, 11))
    names.update({"version", "status", "note", "participation", "minutes_attended", "supersedes"})
    names.update({"instrument", "week", "next", "back", "expired", "code"})
    return sorted(names)


FIELDS = _form_fields()
# PostgreSQL is where NUL bytes and out-of-range integers fail; SQLite accepts both quietly.
pytestmark = pytest.mark.postgresql


def _hostile_url(rule: str, ids: dict, hostile_id: str | None) -> str:
    if hostile_id is None:
        return _url(rule, ids)
    return _url(re.sub(r"<int:[a-z_]+>", hostile_id, rule, count=1), ids)


@pytest.mark.parametrize(
    ("endpoint", "rule", "method"), [r[:3] for r in RULES], ids=[f"{r[2]} {r[0]}" for r in RULES]
)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    persona=st.sampled_from(PERSONAS),
    values=st.fixed_dictionaries({field: st.sampled_from(HOSTILE) for field in FIELDS}),
    hostile_id=st.one_of(st.none(), st.sampled_from(HOSTILE_IDS)),
    htmx=st.booleans(),
)
def test_no_route_answers_500_or_echoes_markup(
    app,
    world,  # noqa: F811 - the fixture imported above
    endpoint,
    rule,
    method,
    persona,
    values,
    hostile_id,
    htmx,
):
    if endpoint == "static":
        return
    client = app.test_client()
    if persona != "anonymous":
        sign_in(client, world["people"][persona])
    url = _hostile_url(rule, world["ids"], hostile_id if "<int:" in rule else None)
    headers = {"HX-Request": "true"} if htmx else {}
    if method == "GET":
        response = client.get(url, query_string=values, headers=headers)
    else:
        response = client.open(url, method=method, data=values, headers=headers)
    where = f"{persona} {method} {url} {values!r}"
    assert response.status_code < 500, where
    assert "\n" not in response.headers.get("Location", ""), where
    if SCRIPT in values.values():
        assert SCRIPT not in response.get_data(as_text=True), where
