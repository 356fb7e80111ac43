"""Who may use each route, and object loaders that 404 on anything outside the user's programs.

Deny by default: every view declares a policy with one of the decorators below; a view without
one answers 403, and tests/web/test_access.py fails for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from flask import abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, lazyload

from iop.extensions import db, login_manager
from iop.ids import is_row_id
from iop.models import (
    Alert,
    AssessmentResponse,
    Client,
    ClientLink,
    Cohort,
    Consent,
    CustomInstrument,
    Enrollment,
    FamilyObservation,
    Goal,
    GroupSession,
    Medication,
    Program,
    ReviewRun,
    User,
    WearableImport,
    WeeklyReview,
)

STAFF_ROLES = frozenset({"clinician", "case_manager", "admin"})
CARE_TEAM = frozenset({"clinician", "case_manager"})
# Flask's own static route cannot carry an attribute; it is public by nature.
PUBLIC_ENDPOINTS = frozenset({"static"})


@dataclass(frozen=True)
class Policy:
    public: bool = False
    roles: frozenset[str] = frozenset()
    # Any signed-in account, staff or family (signing out, for one).
    any_account: bool = False
    # A family account holding at least one active consent (the family portal).
    family: bool = False
    # A browser signed in through the client's personal link (the client's own pages).
    client: bool = False

    def describe(self) -> str:
        if self.public or self.any_account:
            return "public" if self.public else "any signed-in account"
        if self.family:
            return "family member with an active consent"
        if self.client:
            return "client by personal link"
        return "roles: " + ", ".join(sorted(self.roles))


def _declare(policy: Policy) -> Callable:
    def decorator(view: Callable) -> Callable:
        view.access_policy = policy
        return view

    return decorator


def public(view: Callable) -> Callable:
    """Anyone, signed in or not, may use this route."""
    return _declare(Policy(public=True))(view)


def signed_in_required(view: Callable) -> Callable:
    """Any signed-in account may use this route, whatever its roles."""
    return _declare(Policy(any_account=True))(view)


def family_required(view: Callable) -> Callable:
    """Only a family account with an active consent; without one, the access-ended page."""
    return _declare(Policy(family=True))(view)


def client_required(view: Callable) -> Callable:
    """Only a browser signed in through a working personal link; the client's data comes from the link."""
    return _declare(Policy(client=True))(view)


def roles_required(*roles: str) -> Callable:
    """Only signed-in staff holding one of these roles may use this route."""
    unknown = set(roles) - STAFF_ROLES
    if unknown or not roles:
        raise ValueError(f"unknown roles {unknown}")
    return _declare(Policy(roles=frozenset(roles)))


staff_required = roles_required(*STAFF_ROLES)
care_team_required = roles_required(*CARE_TEAM)


def in_care_team(user, program_id: int | None = None) -> bool:
    """Clinicians and case managers, in this program (or, without one, in any of theirs): the roles that
    record and change client data (templates ask this)."""
    return bool(user.is_authenticated) and user.has_role(*CARE_TEAM, program=program_id)


case_manager_required = roles_required("case_manager")
admin_required = roles_required("admin")


def policy_for(endpoint: str | None) -> Policy | None:
    """The declared policy of an endpoint, or None when it has none."""
    if endpoint in PUBLIC_ENDPOINTS:
        return Policy(public=True)
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "access_policy", None)


def enforce_policy():
    """before_request: apply the endpoint's policy; routes without one are refused."""
    if request.endpoint is None:  # no route matched: let the 404 happen
        return None
    policy = policy_for(request.endpoint)
    if policy is None:
        current_app.logger.error("route %s declares no access policy", request.endpoint)
        abort(403)
    if policy.public:
        return None
    if policy.client:
        return _client_gate()
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if policy.family:
        return _family_gate()
    if not policy.any_account and not current_user.has_role(*policy.roles):
        abort(403)
    return None


def _family_gate():
    """Staff are refused; a family member whose consents all ended loses every session, here and now."""
    if current_user.kind != "family":
        abort(403)
    from iop.services.consents import active_consents_of

    consents = active_consents_of(current_user)
    if consents:
        g.family_consents = consents
        return None
    from iop.security import end_access

    return end_access()


def _route_roles() -> frozenset[str]:
    """The roles the current route's policy names (empty for routes open to any account)."""
    policy = policy_for(request.endpoint)
    return policy.roles if policy else frozenset()


def _client_gate():
    """The client's pages: a live client session whose link still works, else the "link needed" page."""
    from iop.services.client_links import current_client_session

    record = current_client_session()
    if record is None:
        from flask import redirect, url_for

        from iop.extensions import htmx

        target = url_for("me.ended")
        if htmx:
            from flask_htmx import make_response

            return make_response("", 401, redirect=target)
        return redirect(target)
    g.client_session, g.client_link, g.client = record, record.link, record.link.client
    return None


def _visible(program_id: int) -> bool:
    """A program the user works in, holding one of the route's roles there.

    Outside the user's programs the object does not exist for them (404); inside one where they hold
    another role only, it exists but this route is not theirs there (403). The route's own gate looked
    at every program; this looks at the object's, so a power held in one program never reaches another.
    """
    held = current_user.roles_in(program_id)
    if not held:
        return False
    wanted = _route_roles()
    if wanted and held.isdisjoint(wanted):
        abort(403)
    return True


def permitted_program_ids() -> frozenset[int]:
    """The programs where the user holds one of the current route's roles: what its lists may show."""
    return current_user.program_ids_with(*(_route_roles() or STAFF_ROLES))


def permitted_programs() -> list[Program]:
    """The same programs as rows, by name."""
    return current_user.programs_with(*(_route_roles() or STAFF_ROLES))


def _get_or_404(model, object_id: int, allowed: Callable[[object], bool], **options):
    """Load a row by id; 404 when missing or refused by `allowed` (one answer, so ids cannot be probed)."""
    return _allowed_or_404(db.session.get(model, object_id, **options), allowed)


def _allowed_or_404(row, allowed: Callable[[object], bool]):
    if row is None or not allowed(row):
        abort(404)
    return row


def get_program_or_404(program_id: int) -> Program:
    """A program the current user is assigned to, or 404."""
    return _get_or_404(Program, program_id, lambda program: _visible(program.id))


def get_cohort_or_404(cohort_id: int) -> Cohort:
    """A cohort of one of the current user's programs, or 404."""
    return _get_or_404(Cohort, cohort_id, lambda cohort: _visible(cohort.program_id))


def get_cohort_of_program_or_404(program_id: int, cohort_id: int) -> Cohort:
    """A cohort of this program, which must be one of the current user's, or 404."""
    return _get_or_404(
        Cohort, cohort_id, lambda cohort: cohort.program_id == program_id and _visible(program_id)
    )


def get_session_or_404(session_id: int) -> GroupSession:
    """A group session of one of the current user's programs, or 404."""
    return _get_or_404(
        GroupSession, session_id, lambda group_session: _visible(group_session.cohort.program_id)
    )


def get_client_or_404(client_id: int) -> Client:
    """A client of one of the current user's programs (or opened under break-glass), or 404; with the
    enrollments every client page's header reads, in the same query."""
    return _get_or_404(
        Client,
        client_id,
        lambda client: _visible(client.program_id) or _under_break_glass(client),
        options=[joinedload(Client.enrollments)],
    )


def _under_break_glass(client: Client) -> bool:
    """Reading a client of another program under the user's active break-glass grant.

    Only GET routes a clinician may use: break-glass reads the record and changes nothing. The grant's
    id goes on every audit event of the request (iop.services.audit).
    """
    if request.method != "GET" or "clinician" not in _route_roles():
        return False
    from iop.services.break_glass import active_grant

    grant = active_grant(current_user, client)
    if grant is None:
        return False
    g.break_glass_grant_id = grant.id
    g.break_glass_grant = grant
    return True


def get_enrollment_or_404(enrollment_id: int) -> Enrollment:
    """An enrollment whose client is in one of the current user's programs, or 404."""
    return _get_or_404(
        Enrollment,
        enrollment_id,
        lambda enrollment: _visible(enrollment.client.program_id),
        options=[joinedload(Enrollment.client)],
    )


def get_alert_or_404(alert_id: int) -> Alert:
    """An alert of a client in one of the current user's programs, or 404."""
    return _get_or_404(Alert, alert_id, lambda alert: _visible(alert.client.program_id))


def get_custom_instrument_or_404(instrument_id: int) -> CustomInstrument:
    """A custom instrument of one of the current admin's programs, or 404."""
    return _get_or_404(CustomInstrument, instrument_id, lambda row: _visible(row.program_id))


def get_staff_member_or_404(user_id: int) -> User:
    """A staff account working in a program the current user administers, or 404."""
    return _get_or_404(
        User,
        user_id,
        lambda user: (
            user.kind == "staff" and not user.program_ids.isdisjoint(current_user.program_ids_with("admin"))
        ),
    )


def get_response_or_404(client: Client, response_id: str) -> AssessmentResponse:
    """A questionnaire response of this client (the id comes from a form, so it is checked), or 404."""
    row_id = int(response_id) if is_row_id(response_id) else 0
    return _get_or_404(AssessmentResponse, row_id, lambda response: response.client_id == client.id)


def require_whole_account(member: User) -> None:
    """403 unless the current admin administers every program the member works in.

    Signing in, the password and the name belong to the whole account, which reaches every one of the
    member's programs: an admin of some of them may change the member's roles there, not the account.
    """
    if not may_manage_account(member):
        abort(403)


def may_manage_account(member: User) -> bool:
    """Whether the current user administers every program the member works in."""
    return member.program_ids <= current_user.program_ids_with("admin")


def get_goal_or_404(client: Client, goal_id: int) -> Goal:
    """A goal of this client (the client loader already checked the program)."""
    return _get_or_404(Goal, goal_id, lambda goal: goal.client_id == client.id)


def get_medication_or_404(client: Client, medication_id: int) -> Medication:
    """A medication of this client (the client loader already checked the program)."""
    return _get_or_404(Medication, medication_id, lambda medication: medication.client_id == client.id)


@cache
def _session_and_member():
    """A session with the enrollment of that id (None if there is none), built once: the toggle's hot path."""
    return (
        select(GroupSession, Enrollment)
        .outerjoin(Enrollment, Enrollment.id == bindparam("enrollment_id"))
        .where(GroupSession.id == bindparam("session_id"))
        # A member's cohort is the session's, loaded with it; a row is saved without its facilitator.
        .options(lazyload(Enrollment.cohort), lazyload(GroupSession.facilitator))
    )


def get_session_member_or_404(session_id: int, enrollment_id: int) -> tuple[GroupSession, Enrollment]:
    """A session as get_session_or_404 gives it and an enrollment of its cohort, or 404, read in one
    statement (the attendance toggle is the grid's hot path)."""
    found = db.session.execute(
        _session_and_member(), {"session_id": session_id, "enrollment_id": enrollment_id}
    ).first()
    group_session, member = found or (None, None)
    _allowed_or_404(group_session, lambda group_session: _visible(group_session.cohort.program_id))
    return group_session, _allowed_or_404(member, lambda member: member.cohort_id == group_session.cohort_id)


def get_review_or_404(review_id: int) -> WeeklyReview:
    """A weekly review of a client in one of the current user's programs, or 404."""
    return _get_or_404(WeeklyReview, review_id, lambda review: _visible(review.program_id))


def get_review_run_or_404(run_id: int) -> ReviewRun:
    """A review run of one of the current admin's programs, or 404."""
    return _get_or_404(ReviewRun, run_id, lambda run: _visible(run.program_id))


def get_family_consent_or_404(consent_id: int) -> Consent:
    """One of the signed-in family member's active consents (the family gate already found them), or 404."""
    return _get_or_404(Consent, consent_id, lambda consent: consent in g.get("family_consents", ()))


def get_own_observation_or_404(consent: Consent, observation_id: int) -> FamilyObservation:
    """An observation the signed-in family member wrote under this consent, or 404."""
    return _get_or_404(
        FamilyObservation,
        observation_id,
        lambda row: row.author_id == current_user.id and row.consent_id == consent.id,
    )


def get_client_link_or_404(client: Client, link_id: int) -> ClientLink:
    """A personal link of this client (the client loader already checked the program)."""
    return _get_or_404(ClientLink, link_id, lambda link: link.client_id == client.id)


def get_own_wearable_import_or_404(import_id: int) -> WearableImport:
    """A wearable upload of the client of this browser's personal link (the gate set g.client), or 404."""
    return _get_or_404(WearableImport, import_id, lambda upload: upload.client_id == g.client.id)


def get_consent_or_404(client: Client, consent_id: int) -> Consent:
    """A consent of this client (the client loader already checked the program)."""
    return _get_or_404(Consent, consent_id, lambda consent: consent.client_id == client.id)
