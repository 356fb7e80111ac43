"""family_concerns(client_ids, start, end): the family evidence of the weekly review, in one query."""

from datetime import timedelta

from iop.clinical.evidence import FAMILY_CONCERNS
from iop.services.family import family_concerns
from tests.factories import make_cohort, make_consent, make_enrollment, make_family_user, make_observation
from tests.web.family_fixtures import family_world  # noqa: F401
from tests.web.test_query_counts import counting_statements

__all__ = ["family_world"]


def _observe(consent, days_ago: int, *concerns, corrects=None):
    day = consent.client.program.today() - timedelta(days=days_ago)
    return make_observation(consent, concerns=set(concerns), observed_on=day, corrects=corrects)


def _relative(world):
    """Another family member of the same client (one observation per person and week)."""
    return make_consent(
        world.client, world.clinician, family=make_family_user(), granted_on=world.consent.granted_on
    )


def test_concerns_inside_the_window_both_ends_included(family_world):
    consent = family_world.consent
    today = consent.client.program.today()
    _observe(consent, 9, "substance_use")  # a day before the window
    _observe(_relative(family_world), 8, "safety")  # start
    _observe(_relative(family_world), 1, "withdrawal", "missed_medication")  # end
    _observe(_relative(family_world), 0, "substance_use")  # a day after
    start, end = today - timedelta(days=8), today - timedelta(days=1)
    assert family_concerns([consent.client_id], start, end) == {
        consent.client_id: [
            (start, "safety"),
            (end, "missed_medication"),
            (end, "withdrawal"),
        ]
    }


def test_every_concern_name_is_one_of_the_reviews_vocabulary(family_world):
    consent = family_world.consent
    _observe(consent, 0, *FAMILY_CONCERNS)
    today = consent.client.program.today()
    pairs = family_concerns([consent.client_id], today, today)[consent.client_id]
    assert [name for _, name in pairs] == list(FAMILY_CONCERNS)


def test_observations_without_concerns_add_nothing_and_every_client_asked_gets_a_list(family_world):
    consent = family_world.consent
    _observe(consent, 0)
    today = consent.client.program.today()
    assert family_concerns([consent.client_id, 999_999], today - timedelta(days=13), today) == {
        consent.client_id: [],
        999_999: [],
    }
    assert family_concerns([], today, today) == {}


def test_a_corrected_observation_counts_through_its_correction_only(family_world):
    consent = family_world.consent
    original = _observe(consent, 2, "safety")
    _observe(consent, 1, "withdrawal", corrects=original)
    today = consent.client.program.today()
    assert family_concerns([consent.client_id], today - timedelta(days=13), today) == {
        consent.client_id: [(today - timedelta(days=1), "withdrawal")]
    }


def test_clients_are_kept_apart_and_read_in_one_query(family_world):
    program = family_world.client.program
    others = []
    for _ in range(3):
        client = make_enrollment(make_cohort(program)).client
        consent = make_consent(client, family_world.clinician, family=make_family_user())
        _observe(consent, 3, "missed_medication")
        others.append(client.id)
    _observe(family_world.consent, 3, "safety")
    today = program.today()
    with counting_statements() as statements:
        result = family_concerns([family_world.client.id, *others], today - timedelta(days=13), today)
    assert len(statements) == 1
    day = today - timedelta(days=3)
    assert result[family_world.client.id] == [(day, "safety")]
    assert all(result[client_id] == [(day, "missed_medication")] for client_id in others)
