"""Deny by default: every route declares who may use it, and the matrix of routes × people holds.

Staff see only their own programs: another program's ids answer 404, so ids cannot be probed. Roles
are held per program: a role held in program B gives nothing in program A, where every object of the
matrix lives (an id there answers 403 to someone who works in A in another role).
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from iop import clock, create_app
from iop.extensions import db
from iop.models import Alert, Attendance, Consent, WeeklyReview
from iop.permissions import Policy, policy_for
from iop.services.assessments import record_assessment
from iop.services.client_links import revoke_link
from iop.services.homework import HomeworkInput, assign_homework
from iop.services.journal import write_entry
from iop.services.wearables import stage_upload
from tests.factories import (
    make_client_link,
    make_cohort,
    make_consent,
    make_custom_instrument,
    make_enrollment,
    make_family_user,
    make_goal,
    make_invitation,
    make_medication,
    make_observation,
    make_program,
    make_session,
    make_user,
    sign_in,
    sign_in_client,
)

PUBLIC = "public"
ANY_ACCOUNT = "any signed-in account"
STAFF = frozenset({"clinician", "case_manager", "admin"})
CARE_TEAM = frozenset({"clinician", "case_manager"})
CASE_MANAGER = frozenset({"case_manager"})
ADMIN = frozenset({"admin"})
FAMILY = "family member with an active consent"
CLIENT = "client by personal link"

# The specification: who may use each route. A new route fails here until it is added.
EXPECTED = {
    "static": PUBLIC,
    "api.healthz": PUBLIC,
    "auth.login": PUBLIC,
    "auth.mfa": PUBLIC,
    "auth.forgot": PUBLIC,
    "auth.reset": PUBLIC,
    "auth.logout": ANY_ACCOUNT,
    "home.index": ANY_ACCOUNT,
    "cohorts.index": STAFF,
    "cohorts.detail": STAFF,
    "clients.index": STAFF,
    "clients.detail": STAFF,
    "clients.assessments": STAFF,
    "clients.enrollment": STAFF,
    "api.client_progress": STAFF,
    "sessions.detail": STAFF,
    "cohorts.admit": CASE_MANAGER,
    "clients.transfer": CASE_MANAGER,
    "clients.end": CASE_MANAGER,
    "sessions.record": CARE_TEAM,
    "sessions.mark_present": CARE_TEAM,
    "sessions.save_note": CARE_TEAM,
    "sessions.sign": CARE_TEAM,
    "sessions.cancel": ADMIN,
    "sessions.import_attendance": CARE_TEAM,
    "sessions.upload_report": CARE_TEAM,
    "sessions.confirm_import": CARE_TEAM,
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
    "clients.new_assessment": CARE_TEAM,
    "alerts.index": STAFF,
    "alerts.badge": STAFF,
    "alerts.acknowledge": STAFF,
    "symptoms.index": STAFF,
    "symptoms.log_symptom_event": CARE_TEAM,
    "symptoms.log_exposure_event": CARE_TEAM,
    "admin.instruments": ADMIN,
    "admin.new_instrument": ADMIN,
    "admin.edit_instrument": ADMIN,
    "goals.index": STAFF,
    "goals.create": CARE_TEAM,
    "goals.rate": CARE_TEAM,
    "goals.change_state": CARE_TEAM,
    "medications.index": STAFF,
    "medications.adherence": STAFF,
    "medications.create": CARE_TEAM,
    "medications.end": CARE_TEAM,
    "medications.undo_end": CARE_TEAM,
    "medications.restart": CARE_TEAM,
    "medications.dose": CARE_TEAM,
    "medications.add_fill": CARE_TEAM,
    "medications.add_side_effect": CARE_TEAM,
    "admin.review_runs": ADMIN,
    "admin.outcomes": ADMIN,
    "admin.outcomes_csv": ADMIN,
    "admin.program_thresholds": ADMIN,
    "admin.retry_review_run": ADMIN,
    "api.reviews": CARE_TEAM,
    "reviews.queue": CASE_MANAGER,
    "reviews.client_tab": STAFF,
    "reviews.summary": CARE_TEAM,
    "reviews.run_now": CASE_MANAGER,
    "reviews.detail": CARE_TEAM,
    "reviews.evidence": CARE_TEAM,
    "reviews.decide_form": CASE_MANAGER,
    "reviews.decide": CASE_MANAGER,
    "admin.outbox": ADMIN,
    "consents.index": STAFF,
    "consents.create": CARE_TEAM,
    "consents.send_invitation": CARE_TEAM,
    "consents.revoke": CARE_TEAM,
    "family.index": FAMILY,
    "family.observe": FAMILY,
    "family.sent": FAMILY,
    "family.submissions": FAMILY,
    "family.summary": FAMILY,
    "family.ended": PUBLIC,
    "family.accept": PUBLIC,
    "account.password": ANY_ACCOUNT,
    "account.sessions": ANY_ACCOUNT,
    "account.end_others": ANY_ACCOUNT,
    "account.recovery_codes": ANY_ACCOUNT,
    "admin.reset_staff_password": ADMIN,
    "admin.end_staff_sessions": ADMIN,
    "admin.break_glass": ADMIN,
    "breakglass.open_record": frozenset({"clinician"}),
    "self_reports.index": STAFF,
    "self_reports.trends": STAFF,
    "self_reports.enable": CARE_TEAM,
    "self_reports.revoke": CARE_TEAM,
    "self_reports.assign": CARE_TEAM,
    "me.open": PUBLIC,
    "me.ended": PUBLIC,
    "me.index": CLIENT,
    "me.checkin": CLIENT,
    "me.questionnaire": CLIENT,
    "me.questionnaire_sent": CLIENT,
    "me.journal": CLIENT,
    "me.share_entry": CLIENT,
    "me.feedback_list": CLIENT,
    "me.feedback": CLIENT,
    "me.homework": CLIENT,
    "me.homework_done": CLIENT,
    "me.logs": CLIENT,
    "me.log_exposure": CLIENT,
    "me.log_panic": CLIENT,
    "me.scores": CLIENT,
    "me.scores_data": CLIENT,
    "me.sign_out": CLIENT,
    "me.wearables": CLIENT,
    "me.wearable_preview": CLIENT,
    "me.wearable_done": CLIENT,
    "me.messages": CLIENT,
    "messages.index": CARE_TEAM,
    "messages.reply": CARE_TEAM,
    "messages.handle": CARE_TEAM,
    "home.read_notifications": ANY_ACCOUNT,
}
# What a clinician of another program may read of a client under an active break-glass grant.
BREAK_GLASS_READS = frozenset(
    {
        "clients.detail",
        "clients.assessments",
        "clients.enrollment",
        "clients.new_assessment",
        "consents.index",
        "goals.index",
        "medications.index",
        "medications.adherence",
        "reviews.client_tab",
        "reviews.summary",
        "symptoms.index",
        "self_reports.index",
        "self_reports.trends",
        "messages.index",
        "api.client_progress",
    }
)
# family: an active consent for the world's client; family_elsewhere: an active consent for another
# client (so the first family member's ids are "another client's"); family_expired: a consent that ended.
PERSONAS = (
    "anonymous",
    "clinician",
    "case_manager",
    "admin",
    "outsider",
    "admin_of_b",
    "mixed",
    "break_glass",
    "family",
    "family_elsewhere",
    "family_expired",
    "client",
    "client_elsewhere",
    "client_revoked",
    "client_expired",
)
ALL_ROLES = ("clinician", "case_manager", "admin")
# Staff personas: the roles each holds in program A (where the matrix's objects are) and in program B.
# outsider: everything in B, nothing in A. admin_of_b: the review's case, an admin of B who also works
# in A as a clinician. mixed: a clinician in A who is only a case manager in B. break_glass: a clinician
# of B with an active break-glass grant for A's client.
STAFF_GRANTS = {
    "clinician": {"A": ("clinician",)},
    "case_manager": {"A": ("case_manager",)},
    "admin": {"A": ("admin",)},
    "outsider": {"B": ALL_ROLES},
    "admin_of_b": {"A": ("clinician",), "B": ("admin",)},
    "mixed": {"A": ("clinician",), "B": ("case_manager",)},
    "break_glass": {"B": ("clinician",)},
}
FAMILY_PERSONAS = ("family", "family_elsewhere", "family_expired")
# Browsers signed in by personal link: the world's client, another client, and links that stopped working.
# None of them is an account: on staff and family routes they are as anonymous as anyone.
CLIENT_PERSONAS = ("client", "client_elsewhere", "client_revoked", "client_expired")


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
        endpoint: PUBLIC
        if policy.public
        else ANY_ACCOUNT
        if policy.any_account
        else FAMILY
        if policy.family
        else CLIENT
        if policy.client
        else policy.roles
        for endpoint, _, _, policy in RULES
        if policy
    }
    assert declared == EXPECTED


def make_family_member(client, actor, *, expired: bool = False):
    """A family account: no staff roles, no programs, tied to `client` by a consent (ended if `expired`)."""
    family = make_family_user()
    today = client.program.today()
    granted = today - timedelta(days=400) if expired else today - timedelta(days=10)
    make_consent(
        client,
        actor,
        family=family,
        granted_on=granted,
        expires_on=granted + timedelta(days=365),
        scope_attendance_summary=True,  # so the weekly summary page has something to show
    )
    return family


@pytest.fixture
def world(app):
    """Program A with everything a route may need, program B with its own staff (the outsider)."""
    program = make_program("Program A", break_glass_enabled=True)
    program.show_clients_scores = True  # so the client's scores page has something to refuse others
    other_program = make_program("Program B")
    programs = {"A": program, "B": other_program}
    cohort = make_cohort(program)
    make_cohort(program, name="Second cohort")
    enrollment = make_enrollment(cohort, mrn="MRN-A-1")
    group_session = make_session(cohort)
    staff = {
        persona: make_user(grants={programs[key]: roles for key, roles in held.items()})
        for persona, held in STAFF_GRANTS.items()
    }
    clinician = staff["clinician"]
    client = enrollment.client
    _break_glass_grant(staff["break_glass"], client)
    people = {
        **staff,
        "family": make_family_member(client, clinician),
        "family_elsewhere": make_family_member(make_enrollment(cohort).client, clinician),
        "family_expired": make_family_member(client, clinician, expired=True),
    }
    consent = db.session.scalar(select(Consent).where(Consent.family_user_id == people["family"].id))
    observation = make_observation(consent)
    links = {
        "client": make_client_link(client, clinician),
        "client_elsewhere": make_client_link(make_enrollment(cohort).client, clinician),
        "client_revoked": make_client_link(make_enrollment(cohort).client, clinician),
        "client_expired": make_client_link(make_enrollment(cohort).client, clinician),
    }
    revoke_link(links["client_revoked"][0], clinician)
    # The world's client attended today's group, so the feedback form has a group to load.
    db.session.add(
        Attendance(
            session_id=group_session.id,
            enrollment_id=enrollment.id,
            status="present",
            minutes_attended=group_session.duration_minutes,
            updated_by_id=clinician.id,
        )
    )
    entry, _ = write_entry(links["client"][0], "A private entry.", False, "access-matrix-journal-key")
    assignment = assign_homework(client, HomeworkInput("Practise grounding", "daily"), clinician)
    _expire(links["client_expired"][0])
    # A wearable upload of the world's client waiting for its preview (another client's id answers 404).
    yesterday = (program.today() - timedelta(days=1)).isoformat()
    wearable_upload = stage_upload(
        links["client"][0], "export.csv", f"Date,Steps\n{yesterday},5000\n".encode()
    )
    db.session.commit()
    people.update({persona: link for persona, (link, _) in links.items()})
    # A second consent with an invitation nobody accepts, so the invitation page has a live link.
    token = make_invitation(
        make_consent(client, clinician, recipient_email="invited@example.test"), clinician
    )
    ids = {
        "program_id": program.id,
        "cohort_id": cohort.id,
        "session_id": group_session.id,
        "enrollment_id": enrollment.id,
        "client_id": enrollment.client_id,
        "user_id": people["clinician"].id,
        "filename": "css/app.css",
        "alert_id": (alert := _alert_for(enrollment.client, people["clinician"])).id,
        "response_id": alert.response_id,
        "instrument": "gad7",
        "instrument_id": make_custom_instrument(program, actor=people["admin"]).id,
        "goal_id": make_goal(enrollment.client, people["clinician"]).id,
        "medication_id": make_medication(enrollment.client, people["clinician"]).id,
        "day": program.today().isoformat(),
        "review_id": _review_for(cohort),
        "run_id": _run_for(cohort),
        "consent_id": consent.id,
        "observation_id": observation.id,
        "token": token,
        "reset_token": _reset_link_for(people["clinician"]),
        "link_token": links["client"][1],
        "link_id": links["client"][0].id,
        "entry_id": entry.id,
        "assignment_id": assignment.id,
        "import_id": wearable_upload.id,
    }
    return {"people": people, "ids": ids}


def _reset_link_for(user) -> str:
    """A live password reset link, so the reset page has one to open."""
    import hashlib
    import secrets

    from iop import clock
    from iop.models import PasswordResetToken

    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            expires_at=clock.now() + timedelta(minutes=30),
        )
    )
    db.session.commit()
    return token


def _break_glass_grant(user, client):
    from iop.services.break_glass import open_break_glass

    open_break_glass(
        user, client.program, client.mrn, "The client called the crisis line; their team is away."
    )
    db.session.commit()


def _expire(link):
    """Move a link's life into the past, as if it had been sent 31 days ago."""
    link.created_at = clock.now() - timedelta(days=31)
    link.expires_at = clock.now() - timedelta(days=1)


def _review_for(cohort):
    """The cohort's reviews of the last completed week, so the review routes have one to load."""
    from iop.services.reviews import compute_cohort_reviews
    from tests.reviews.data import last_week_start

    monday = last_week_start(cohort.program)
    make_enrollment(cohort, started_on=monday - timedelta(days=14))
    compute_cohort_reviews(cohort, monday)
    db.session.commit()
    return db.session.scalar(select(WeeklyReview.id).limit(1))


def _run_for(cohort):
    from iop.models import ReviewRun
    from tests.reviews.data import last_week_start

    run = ReviewRun(
        program_id=cohort.program_id, cohort_id=cohort.id, week_start=last_week_start(cohort.program)
    )
    run.status, run.error = "failed", "RuntimeError: test"
    db.session.add(run)
    db.session.commit()
    return run.id


def _alert_for(client, actor):
    """A PHQ-9 with item 9 above 0, so the alert routes have an alert to load."""
    response = record_assessment(
        client, "phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1], client.program.today(), "self_report", actor
    )
    db.session.commit()
    return db.session.scalar(select(Alert).where(Alert.response_id == response.id))


def _url(rule: str, ids: dict) -> str:
    url = rule
    for name, value in ids.items():
        url = url.replace(f"<int:{name}>", str(value)).replace(f"<path:{name}>", str(value))
        url = url.replace(f"<{name}>", str(value))  # the default (string) converter
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
        if persona in CLIENT_PERSONAS:
            sign_in_client(client, world["people"][persona])
        elif persona != "anonymous":
            sign_in(client, world["people"][persona])
        response = client.open(url, method=method, headers={})
        status = response.status_code
        where = f"{persona} {method} {url} -> {status}"
        anonymous = persona == "anonymous" or persona in CLIENT_PERSONAS
        if policy.public:
            assert status not in (401, 403, 404), where
        elif policy.client:
            _client_route(persona, status, response, has_object, where)
        elif anonymous and policy.family:
            assert status == 302 and response.headers["Location"].startswith("/auth/login"), where
        elif policy.family:
            _family_route(persona, status, response, has_object, where)
        elif persona in FAMILY_PERSONAS and policy.any_account:
            assert status not in (401, 403, 404), where
        elif anonymous and url.startswith("/api/"):
            assert status == 401 and response.is_json, where
        elif anonymous:
            assert status == 302 and response.headers["Location"].startswith("/auth/login"), where
        elif policy.any_account:
            assert status not in (401, 403, 404), where
        else:
            _staff_route(persona, endpoint, rule, method, policy, status, where)


def _staff_route(persona, endpoint, rule, method, policy: Policy, status: int, where: str) -> None:
    """A role gives a route only in the program where it is held.

    Nowhere holding the route's roles: 403. An object of program A: 404 to someone with no role in A
    (unless break-glass opens the client for reading), 403 to someone in A with other roles only (a staff
    account outside the programs they administer: 404), otherwise allowed. Lists: allowed, and they show
    only the programs where the role is held (tests/web/test_program_roles.py).
    """
    grants = STAFF_GRANTS.get(persona, {})  # family accounts hold no staff role
    anywhere = {role for roles in grants.values() for role in roles}
    in_a = set(grants.get("A", ()))
    if anywhere.isdisjoint(policy.roles):
        assert status == 403, where
    elif "<int:" not in rule or _reads_under_break_glass(persona, endpoint, method):
        assert status not in (401, 403, 404), where
    elif not in_a:
        assert status == 404, where
    elif in_a.isdisjoint(policy.roles):
        assert status == (404 if "<int:user_id>" in rule else 403), where
    else:
        assert status not in (401, 403, 404), where


def _reads_under_break_glass(persona: str, endpoint: str, method: str) -> bool:
    return persona == "break_glass" and method == "GET" and endpoint in BREAK_GLASS_READS


def _client_route(persona: str, status: int, response, has_object: bool, where: str) -> None:
    """The client's pages: only a browser signed in by a working link; everyone else (staff and family
    included) lands on the "open your personal link" page. Each client session sees its own client:
    another client's ids answer 404 (tests/web/test_checkins.py checks what the pages show)."""
    if persona == "client_elsewhere" and has_object:
        assert status == 404, where
    elif persona in ("client", "client_elsewhere"):
        assert status not in (401, 403, 404), where
    else:
        assert status == 302 and response.headers["Location"] == "/me/ended", where


def _family_route(persona: str, status: int, response, has_object: bool, where: str) -> None:
    """Family pages: staff are refused; a family member without an active consent sees only the
    access-ended page; one whose consent is for another client gets 404 for these ids."""
    if persona not in FAMILY_PERSONAS:
        assert status == 403, where
    elif persona == "family_expired":
        assert status == 302 and response.headers["Location"] == "/family/ended", where
    elif persona == "family_elsewhere" and has_object:
        assert status == 404, where
    else:
        assert status not in (401, 403, 404), where
