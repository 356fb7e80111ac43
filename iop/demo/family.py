"""The demo's family member: an active consent for one demo client, accepted, and weeks of observations."""

from __future__ import annotations

from datetime import timedelta

from iop.clinical.weeks import week_start
from iop.consents.forms import DEFAULT_PURPOSE
from iop.demo.content import FAMILY_EMAIL, FAMILY_NAME, PASSWORD
from iop.models import RATING_FIELDS, Enrollment, User
from iop.services.consents import ConsentInput, accept_invitation, invite, record_consent
from iop.services.family import ObservationInput, submit_observation

# (weeks ago, ratings mood/communication/conflict/sleep/participation, concerns, note)
OBSERVATIONS = (
    (3, (2, 2, 3, 2, 2), frozenset(), "Quiet most evenings; skipped dinner with us twice."),
    (2, (3, 2, 3, 3, 2), frozenset({"withdrawal"}), "Stayed in their room most of the weekend."),
    (1, (3, 3, 4, 3, 3), frozenset(), "Better week. Talked about the group on Thursday."),
)


def seed_family(enrollments: list[Enrollment], clinician: User) -> User:
    """Consent for the longest-enrolled current client, the invitation accepted, three weekly observations."""
    enrollment = min(
        (e for e in enrollments if e.ended_on is None and e.cohort.program.population == "adult"),
        key=lambda e: (e.started_on, e.id),
    )
    client = enrollment.client
    today = client.program.today()
    granted = max(enrollment.started_on, today - timedelta(days=25))
    consent = record_consent(
        client,
        ConsentInput(
            recipient_name=FAMILY_NAME,
            relationship="parent",
            recipient_email=FAMILY_EMAIL,
            purpose=DEFAULT_PURPOSE,
            scope_attendance_summary=True,  # the weekly summary page has something to show
            granted_on=granted,
            expires_on=granted + timedelta(days=365),
            signature_on_file=True,
            signed_on=granted,
        ),
        clinician,
    )
    invitation = invite(consent, clinician, lambda token: f"/family/invitations/{token}")
    family = accept_invitation(invitation, password=PASSWORD, full_name=FAMILY_NAME)
    this_monday = week_start(today)
    for weeks_ago, ratings, concerns, note in OBSERVATIONS:
        day = this_monday - timedelta(weeks=weeks_ago) + timedelta(days=5)  # the Saturday of that week
        if day < consent.granted_on:
            continue
        submit_observation(
            consent,
            family,
            ObservationInput(dict(zip(RATING_FIELDS, ratings, strict=True)), concerns, note),
            f"demo-observation-{weeks_ago}-weeks-ago",
            observed_on=day,
        )
    return family
