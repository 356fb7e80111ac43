"""Deny by default: every route declares who may use it, and the matrix of routes × people holds.

Staff see only their own programs: another program's ids answer 404, so ids cannot be probed.
"""

import pytest

from iop import create_app
from iop.permissions import Policy, policy_for
from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user, sign_in

PUBLIC = "public"
STAFF = frozenset({"clinician", "case_manager", "admin"})
CARE_TEAM = frozenset({"clinician", "case_manager"})
CASE_MANAGER = frozenset({"case_manager"})
ADMIN = frozenset({"admin"})

# The specification: who may use each route. A new route fails here until it is added.
EXPECTED = {
    "static": PUBLIC,
    "api.healthz": PUBLIC,
    "auth.login": PUBLIC,
    "auth.mfa": PUBLIC,
    "auth.logout": STAFF,
    "home.index": STAFF,
    "cohorts.index": STAFF,
    "cohorts.detail": STAFF,
    "clients.detail": STAFF,
    "sessions.detail": STAFF,
    "cohorts.admit": CASE_MANAGER,
    "clients.transfer": CASE_MANAGER,
    "clients.end": CASE_MANAGER,
    "sessions.record": CARE_TEAM,
    "sessions.mark_present": CARE_TEAM,
    "sessions.save_note": CARE_TEAM,
    "sessions.sign": CARE_TEAM,
    "sessions.cancel": ADMIN,
    "admin.index": ADMIN,
    "admin.programs": ADMIN,
    "admin.new_program": ADMIN,
    "admin.edit_program": ADMIN,
    "admin.new_cohort": ADMIN,
    "admin.cohort": ADMIN,
    "admin.edit_cohort": ADMIN,
    "admin.staff": ADMIN,
    "admin.new_staff": ADMIN,
    "admin.edit_staff": ADMIN,
}
PERSONAS = ("anonymous", "clinician", "case_manager", "admin", "outsider")


def _rules():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    with app.app_context():
        return [
            (rule.endpoint, rule.rule, method, policy_for(rule.endpoint))
            for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        ]


RULES = _rules()


def test_every_route_declares_a_policy():
    undeclared = sorted({endpoint for endpoint, _, _, policy in RULES if policy is None})
    assert undeclared == [], f"routes without an access policy: {undeclared}"


def test_declared_policies_match_the_specification():
    declared = {
        endpoint: PUBLIC if policy.public else policy.roles for endpoint, _, _, policy in RULES if policy
    }
    assert declared == EXPECTED


@pytest.fixture
def world(app):
    """Program A with everything a route may need, program B with its own staff (the outsider)."""
    program = make_program("Program A")
    other_program = make_program("Program B")
    cohort = make_cohort(program)
    make_cohort(program, name="Second cohort")
    enrollment = make_enrollment(cohort)
    group_session = make_session(cohort)
    people = {
        "clinician": make_user("clinician", programs=[program]),
        "case_manager": make_user("case_manager", programs=[program]),
        "admin": make_user("admin", programs=[program]),
        "outsider": make_user("clinician", "case_manager", "admin", programs=[other_program]),
    }
    ids = {
        "program_id": program.id,
        "cohort_id": cohort.id,
        "session_id": group_session.id,
        "enrollment_id": enrollment.id,
        "client_id": enrollment.client_id,
        "user_id": people["clinician"].id,
        "filename": "css/app.css",
    }
    return {"people": people, "ids": ids}


def _url(rule: str, ids: dict) -> str:
    url = rule
    for name, value in ids.items():
        url = url.replace(f"<int:{name}>", str(value)).replace(f"<path:{name}>", str(value))
    assert "<" not in url, f"add a test id for {rule}"
    return url


@pytest.mark.parametrize(
    ("endpoint", "rule", "method", "policy"), RULES, ids=[f"{r[2]} {r[0]}" for r in RULES]
)
def test_access_matrix(app, world, endpoint, rule, method, policy: Policy):
    url = _url(rule, world["ids"])
    has_object = "<int:" in rule
    for persona in PERSONAS:
        client = app.test_client()
        if persona != "anonymous":
            sign_in(client, world["people"][persona])
        response = client.open(url, method=method, headers={})
        status = response.status_code
        where = f"{persona} {method} {url} -> {status}"
        if policy.public:
            assert status not in (401, 403, 404), where
        elif persona == "anonymous":
            assert status == 302 and response.headers["Location"].startswith("/auth/login"), where
        elif persona == "outsider":
            assert status == (404 if has_object else status), where
            assert status != 403, where
        elif persona in policy.roles:
            assert status not in (401, 403, 404), where
        else:
            assert status == 403, where
