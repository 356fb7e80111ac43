"""Test data built through the same services the app uses, committed so requests can see it."""

from __future__ import annotations

import functools
import itertools
from datetime import UTC, date, datetime, time, timedelta

from iop import clock
from iop.extensions import db
from iop.models import Client, Cohort, Enrollment, GroupSession, Program, ProgramRole, User
from iop.services.passwords import hash_password
from iop.services.programs import _local_start
from iop.session_store import hash_token as _hash_token

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


@functools.cache
def _password_hash() -> str:
    # argon2 is slow by design; hash the shared test password once per run.
    return hash_password(PASSWORD)


def make_program(
    name: str | None = None, timezone: str = "America/New_York", population="adult", **kw
) -> Program:
    program = Program(
        name=name or f"Program {next(_counter)}",
        timezone=timezone,
        population=population,
        min_weekly_hours=kw.pop("min_weekly_hours", 9),
        **kw,
    )
    db.session.add(program)
    db.session.commit()
    return program


def make_user(
    *roles: str,
    programs: list[Program] = (),
    email: str | None = None,
    name: str | None = None,
    grants: dict[Program, tuple[str, ...]] | None = None,
) -> User:
    number = next(_counter)
    user = User(
        email=email or f"user{number}@example.test",
        full_name=name or f"Staff Member {number}",
        password_hash=_password_hash(),
        kind="staff",
    )
    # The roles are held in every one of the programs (a mixed account gives `grants` instead).
    grants = grants if grants is not None else {program: roles for program in programs}
    user.role_rows = [
        ProgramRole(program_id=program.id, role=role) for program, held in grants.items() for role in held
    ]
    user.programs = [program for program, held in grants.items() if held] or list(programs)
    db.session.add(user)
    db.session.commit()
    return user


def make_cohort(
    program: Program,
    name: str | None = None,
    meeting_days: str = "024",
    start_time: time = time(9, 0),
    duration_minutes: int = 180,
    admission: str = "open",
    facilitators: list[User] = (),
) -> Cohort:
    cohort = Cohort(
        program=program,
        name=name or f"Cohort {next(_counter)}",
        meeting_days=meeting_days,
        start_time=start_time,
        duration_minutes=duration_minutes,
        admission=admission,
        facilitators=list(facilitators),
    )
    db.session.add(cohort)
    db.session.commit()
    return cohort


def make_session(cohort: Cohort, day: date | None = None, status: str = "scheduled", **kw) -> GroupSession:
    """A session on `day`; without a day, today's session, already started whatever the hour (sessions
    still to come take no attendance), so tests pass at any time of day."""
    starts_at = kw.pop("starts_at", None)
    if day is None and starts_at is None:
        day = cohort.program.today()
        midnight = datetime.combine(day, time(0, 0), cohort.program.zone).astimezone(UTC)
        starts_at = min(_local_start(cohort, day), max(midnight, clock.now() - timedelta(hours=1)))
    group_session = GroupSession(
        cohort=cohort,
        starts_at=starts_at or _local_start(cohort, day),
        session_date=day,
        duration_minutes=kw.pop("duration_minutes", cohort.duration_minutes),
        status=status,
        **kw,
    )
    db.session.add(group_session)
    db.session.commit()
    return group_session


def make_enrollment(
    cohort: Cohort,
    started_on: date | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    ended_on: date | None = None,
    end_reason: str | None = None,
    mrn: str | None = None,
) -> Enrollment:
    number = next(_counter)
    client = Client(
        program_id=cohort.program_id,
        first_name=first_name or f"Client{number}",
        last_name=last_name or f"Member{number:03d}",
        mrn=mrn,
    )
    enrollment = Enrollment(
        client=client,
        cohort=cohort,
        started_on=started_on or cohort.program.today() - timedelta(days=21),
        ended_on=ended_on,
        end_reason=end_reason or ("discharged" if ended_on else None),
    )
    db.session.add_all([client, enrollment])
    db.session.commit()
    return enrollment


def sign_in(client, user: User) -> None:
    """Give the test client a live server-side session for the user (the login form has its own tests)."""
    from iop.models import UserSession

    token = f"test-token-{user.id}-{next(_counter)}"
    db.session.add(UserSession(token_hash=_hash_token(token), user_id=user.id))
    db.session.commit()
    # The cookie is the bare token (iop.session_store).
    client.set_cookie(client.application.config["SESSION_COOKIE_NAME"], token)


def make_custom_instrument(program: Program, key: str = "resilience", **overrides):
    """A three-item 0–4 instrument (totals 0–12), higher is better, with two bands, stored for the program."""
    from iop.services.custom_instruments import InstrumentDefinition, create_custom_instrument

    actor = overrides.pop("actor", None) or make_user("admin", programs=[program])
    values = {
        "key": key,
        "name": "Resilience check",
        "items": ["I bounced back after setbacks", "I asked for help when I needed it", "I kept my routines"],
        "scale_min": 0,
        "scale_max": 4,
        "option_labels": ["Never", "Rarely", "Sometimes", "Often", "Always"],
        "higher_is_better": True,
        "reliable_change": 3,
        "bands": [("low", "Low", 0, 5), ("high", "High", 6, 12)],
    } | overrides
    row = create_custom_instrument(program, InstrumentDefinition(**values), actor)
    db.session.commit()
    return row


def make_goal(client: Client, actor: User, title: str = "Walk to the park twice a week", **kw):
    """An active goal; pass domain=, target_date= or state= to change it."""
    from iop.models import Goal

    goal = Goal(
        client_id=client.id,
        title=title,
        domain=kw.pop("domain", "daily_functioning"),
        created_by_id=actor.id,
        **kw,
    )
    db.session.add(goal)
    db.session.commit()
    return goal


def make_medication(
    client: Client,
    actor: User,
    name: str = "Sertraline",
    dose: str = "50 mg",
    doses_per_day: int = 1,
    started_on: date | None = None,
    ended_on: date | None = None,
    prescriber: str = "",
):
    """A medication prescribed since `started_on` (default: 30 days ago in program time)."""
    from iop.models import Medication

    medication = Medication(
        client_id=client.id,
        name=name,
        dose=dose,
        doses_per_day=doses_per_day,
        started_on=started_on or client.program.today() - timedelta(days=30),
        ended_on=ended_on,
        prescriber=prescriber,
        created_by_id=actor.id,
    )
    db.session.add(medication)
    db.session.commit()
    return medication


def log_doses(medication, actor: User, statuses: dict[date, str]) -> None:
    """Dose-log rows for a medication, one per day: {day: "taken" | "partial" | "missed" | "refused"}."""
    from iop.models import DoseLog

    db.session.add_all(
        DoseLog(medication_id=medication.id, day=day, status=status, recorded_by_id=actor.id)
        for day, status in statuses.items()
    )
    db.session.commit()


def make_fill(medication, actor: User, filled_on: date, days_supply: int):
    """A pharmacy fill of the medication."""
    from iop.models import Fill

    fill = Fill(
        medication_id=medication.id, filled_on=filled_on, days_supply=days_supply, recorded_by_id=actor.id
    )
    db.session.add(fill)
    db.session.commit()
    return fill


def make_family_user(email: str | None = None, name: str | None = None) -> User:
    """A family account (no roles, no programs) with the shared test password."""
    number = next(_counter)
    user = User(
        email=email or f"relative{number}@example.test",
        full_name=name or f"Relative {number}",
        password_hash=_password_hash(),
        kind="family",
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_consent(client: Client, actor: User, *, family: User | None = None, **overrides):
    """A consent recorded by the service (granted 10 days ago, for a year), linked to `family` if given."""
    from iop.services.consents import ConsentInput, record_consent

    today = client.program.today()
    values = {
        "recipient_name": family.full_name if family else "Robin Relative",
        "relationship": "parent",
        "recipient_email": family.email if family else f"relative{next(_counter)}@example.test",
        "purpose": "Weekly observations at home.",
        "scope_attendance_summary": False,
        "granted_on": today - timedelta(days=10),
        "expires_on": today + timedelta(days=355),
        "signature_on_file": True,
        "signed_on": today - timedelta(days=10),
    } | overrides
    consent = record_consent(client, ConsentInput(**values), actor)
    if family is not None:
        consent.family_user_id = family.id
    db.session.commit()
    return consent


def make_invitation(consent, actor: User) -> str:
    """Send an invitation for the consent; returns the token of its link."""
    from iop.services.consents import invite

    tokens: list[str] = []
    invite(consent, actor, lambda token: tokens.append(token) or f"/family/invitations/{token}")
    db.session.commit()
    return tokens[0]


def make_observation(consent, author: User | None = None, key: str | None = None, **fields):
    """This week's observation under the consent (all ratings 3 unless given), through the service."""
    from iop.services.family import ObservationInput, submit_observation

    ratings = {
        name: fields.pop(name, 3) for name in ("mood", "communication", "conflict", "sleep", "participation")
    }
    data = ObservationInput(ratings, frozenset(fields.pop("concerns", ())), fields.pop("note", ""))
    observation, _ = submit_observation(
        consent,
        author or consent.family_user,
        data,
        key or f"test-key-{next(_counter):08d}",
        fields.pop("corrects", None),
        **fields,
    )
    db.session.commit()
    return observation


def make_client_link(client: Client, actor: User, **overrides) -> tuple:
    """Enable check-ins for the client through the service (by email, no second step unless given);
    returns the link and the token of its URL."""
    from iop.services.client_links import EnableInput, enable_checkins

    if not client.email:
        client.email = f"client{client.id}@example.test"
    if not client.phone:
        client.phone = "+1 555 0100"
    values = {
        "purpose": "Daily check-ins between sessions.",
        "consent_on": client.program.today(),
        "channel": "email",
        "second_factor": "none",
        "pin": "",
    } | overrides
    tokens: list[str] = []
    link = enable_checkins(
        client, EnableInput(**values), actor, lambda token: tokens.append(token) or f"/me/l/{token}"
    )
    db.session.commit()
    return link, tokens[0]


def sign_in_client(test_client, link) -> None:
    """Give the test client a live client session for the link (opening the link has its own tests)."""
    from iop.models import ClientLinkSession
    from iop.services.client_links import SESSION_KEY
    from iop.services.client_links import _hash_token as hash_link_token

    token = f"test-client-token-{link.id}-{next(_counter)}"
    db.session.add(ClientLinkSession(link_id=link.id, token_hash=hash_link_token(token)))
    db.session.commit()
    with test_client.session_transaction() as flask_session:
        flask_session[SESSION_KEY] = token
