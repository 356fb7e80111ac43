"""The cohort roster: each member's last daily check-in and a worded marker for a worrying trend."""

import itertools
from datetime import timedelta

import pytest

from iop.extensions import db
from iop.models import DailyCheckin
from tests.factories import make_cohort, make_enrollment, make_program, make_user
from tests.web.test_query_counts import MAX_STATEMENTS, statements_for

_keys = itertools.count()


def checkins(enrollment, moods, cravings=None, today=None):
    """Daily check-ins ending today (oldest first)."""
    cravings = cravings or [3] * len(moods)
    for offset, (mood, craving) in enumerate(zip(reversed(moods), reversed(cravings), strict=True)):
        db.session.add(
            DailyCheckin(
                client_id=enrollment.client_id,
                day=today - timedelta(days=offset),
                mood=mood,
                anxiety=4,
                cravings=craving,
                stress=4,
                submission_key=f"roster-{next(_keys):08d}",
            )
        )
    db.session.commit()


@pytest.fixture
def world(app):
    program = make_program()
    cohort = make_cohort(program)
    today = program.today()
    steady, falling, never = (make_enrollment(cohort, last_name=name) for name in ("Adams", "Baker", "Chen"))
    checkins(steady, [6] * 10, today=today)
    checkins(falling, [6] * 7 + [4, 4, 4], today=today - timedelta(days=1))
    return {
        "cohort": cohort,
        "today": today,
        "clinician": make_user("clinician", programs=[program]),
        "rows": {"steady": steady, "falling": falling, "never": never},
    }


def roster_row(page: str, enrollment) -> str:
    start = page.index(f'href="/clients/{enrollment.client_id}"')
    return page[start : page.index("</tr>", start)]


def test_roster_shows_the_last_checkin_or_never(world, login):
    page = login(world["clinician"]).get(f"/cohorts/{world['cohort'].id}").text
    assert "Last check-in" in page
    today, yesterday = world["today"], world["today"] - timedelta(days=1)
    assert f"{today:%b} {today.day}" in roster_row(page, world["rows"]["steady"])
    assert f"{yesterday:%b} {yesterday.day}" in roster_row(page, world["rows"]["falling"])
    assert "Never" in roster_row(page, world["rows"]["never"])


def test_a_worrying_trend_is_marked_in_words(world, login):
    page = login(world["clinician"]).get(f"/cohorts/{world['cohort'].id}").text
    falling = roster_row(page, world["rows"]["falling"])
    assert "Worrying trend" in falling and "Mood down from 6.0 to 4.0 (last 3 check-ins)" in falling
    assert 'title="Mood down from 6.0 to 4.0' in falling
    assert "Worrying trend" not in roster_row(page, world["rows"]["steady"])
    assert "Worrying trend" not in roster_row(page, world["rows"]["never"])


def test_roster_fragment_carries_the_checkins_too(world, login):
    response = login(world["clinician"]).get(
        f"/cohorts/{world['cohort'].id}", headers={"HX-Request": "true", "HX-Target": "roster"}
    )
    assert response.text.lstrip().startswith('<section id="roster"') and "<html" not in response.text
    assert "Worrying trend" in response.text


def test_checkins_do_not_add_statements_per_member(app, login):
    counts = {}
    for members in (3, 30):
        program = make_program()
        cohort = make_cohort(program)
        for _ in range(members):
            checkins(make_enrollment(cohort), [6] * 12, today=program.today())
        client = login(make_user("clinician", programs=[program]))
        counts[members] = len(statements_for(client, f"/cohorts/{cohort.id}"))
    assert counts[3] == counts[30] <= MAX_STATEMENTS, counts
