"""A client with a clinician and a family member who holds an active consent, for the family tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from iop.models import Client, Consent, User
from tests.factories import (
    make_cohort,
    make_consent,
    make_enrollment,
    make_family_user,
    make_program,
    make_user,
)

RATINGS = {"mood": "2", "communication": "3", "conflict": "4", "sleep": "1", "participation": "5"}


@dataclass
class FamilyWorld:
    client: Client
    clinician: User
    family: User
    consent: Consent


@pytest.fixture
def family_world(app) -> FamilyWorld:
    program = make_program("Adult IOP")
    enrollment = make_enrollment(make_cohort(program), first_name="Avery", last_name="Stone")
    clinician = make_user("clinician", programs=[program], name="Jordan Rivera")
    family = make_family_user(email="robin@example.test", name="Robin Castellano")
    consent = make_consent(enrollment.client, clinician, family=family)
    return FamilyWorld(enrollment.client, clinician, family, consent)


def observation_form(key: str = "k" * 24, **overrides) -> dict:
    """A complete posted observation form; pass concerns=[...], note=..., or a rating to change it."""
    return {"submission_key": key, **RATINGS, "concerns": [], "note": ""} | overrides
