# ruff: noqa: E501 (the reports' lines are as the platforms write them)
"""Reading Zoom and Teams participant reports, and matching their rows to members without guessing."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from iop.participant_reports import (
    MAX_BYTES,
    MAX_ROWS,
    Person,
    Report,
    ReportError,
    display_names,
    match_row,
    normalise_name,
    parse_report,
    parse_time,
    person_names,
)

ZONE = ZoneInfo("America/New_York")
ZOOM = """Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants
"812 3456 7890","Morning group","12/07/2026 08:58:03 AM","12/07/2026 12:02:11 PM","host@clinic.test",185,4

Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent,In Waiting Room
Dana Reyes,host@clinic.test,12/07/2026 08:58:03 AM,12/07/2026 12:02:11 PM,185,No,,No
Jo (Joanna Smith),,12/07/2026 08:55:00 AM,12/07/2026 09:01:00 AM,6,Yes,,Yes
Jo (Joanna Smith),,12/07/2026 09:01:12 AM,12/07/2026 10:01:12 AM,60,Yes,,No
Bad Row,,12/07/2026 25:00:00 AM,12/07/2026 10:00:00 AM,60,Yes,,No
Backwards Row,,12/07/2026 11:00:00 AM,12/07/2026 10:00:00 AM,60,Yes,,No
"""
TEAMS = """1. Summary
Meeting title\tMorning group
Attended participants\t2
Start time\t12/7/26, 8:58:03 AM
End time\t12/7/26, 12:02:11 PM

2. Participants
Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole
Reyes, Dana\t12/7/26, 8:58:03 AM\t12/7/26, 12:02:11 PM\t3h 4m 8s\tdana@clinic.test\tdana@clinic.test\tOrganizer
Joanna Smith (External)\t12/7/26, 9:01:12 AM\t12/7/26, 12:00:00 PM\t2h 48m\tjo@mail.test\t\tPresenter

3. In-Meeting Activities
Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole
Reyes, Dana\t12/7/26, 8:58:03 AM\t12/7/26, 12:02:11 PM\t3h 4m 8s\tdana@clinic.test\tOrganizer
Joanna Smith (External)\t12/7/26, 9:01:12 AM\t12/7/26, 10:00:00 AM\t58m 48s\tjo@mail.test\tPresenter
Joanna Smith (External)\t12/7/26, 10:10:00 AM\t12/7/26, 12:00:00 PM\t1h 50m\tjo@mail.test\tPresenter
"""


def utc(hour, minute, second=0):
    return datetime(2026, 12, 7, hour, minute, second, tzinfo=UTC)


def test_zoom_report_with_meeting_data_is_read():
    report = parse_report(ZOOM.encode("utf-8-sig"), ZONE)
    assert report.source == "zoom"
    assert report.host_email == "host@clinic.test"
    assert [row.name for row in report.rows][:3] == ["Dana Reyes", "Jo (Joanna Smith)", "Jo (Joanna Smith)"]
    jo = report.rows[2]
    assert (jo.joined, jo.left) == (utc(14, 1, 12), utc(15, 1, 12))  # 9:01 EST is 14:01 UTC
    assert report.rows[0].role == "internal"  # Guest = No: signed in to the clinic's account


def test_zoom_waiting_room_rows_do_not_count():
    waiting = parse_report(ZOOM.encode(), ZONE).rows[1]
    assert waiting.waiting_room and not waiting.counts


def test_bad_times_and_leaving_before_joining_are_row_problems():
    rows = parse_report(ZOOM.encode(), ZONE).rows
    assert rows[3].problem == "its join time could not be read" and not rows[3].counts
    assert rows[4].problem == "it leaves before it joins"


def test_zoom_participant_table_alone_is_read():
    text = ZOOM.split("\n\n", 1)[1]
    report = parse_report(text.encode(), ZONE)
    assert report.source == "zoom" and report.host_email == "" and len(report.rows) == 5


def test_newer_zoom_header_spelling_is_read():
    text = (
        "Name (original name),Email,Join time,Leave time,Duration (minutes),Guest\n"
        "Ana Diaz,ana@x.test,12/07/2026 09:00:00 AM,12/07/2026 12:00:00 PM,180,Yes\n"
    )
    row = parse_report(text.encode(), ZONE).rows[0]
    assert (row.email, row.joined, row.left) == ("ana@x.test", utc(14, 0), utc(17, 0))


def test_teams_utf16_tab_separated_report_uses_the_activities():
    report = parse_report(TEAMS.encode("utf-16"), ZONE)
    assert report.source == "teams"
    assert [(row.name, row.joined) for row in report.rows][1:] == [
        ("Joanna Smith (External)", utc(14, 1, 12)),
        ("Joanna Smith (External)", utc(15, 10)),
    ]
    assert report.rows[0].role == "organizer"


def test_teams_big_endian_utf16_is_read():
    assert parse_report(TEAMS.encode("utf-16-be").join([b"\xfe\xff", b""]), ZONE).source == "teams"


def test_teams_utf16_without_bom_is_read():
    assert len(parse_report(TEAMS.encode("utf-16-le"), ZONE).rows) == 3


def test_teams_participants_table_alone_gives_first_join_to_last_leave():
    text = TEAMS.split("3. In-Meeting")[0]
    report = parse_report(text.encode("utf-16"), ZONE)
    assert report.source == "teams"
    assert [(row.joined, row.left) for row in report.rows][1] == (utc(14, 1, 12), utc(17, 0))


def test_teams_comma_separated_utf8_is_read():
    text = TEAMS.replace("\t", ",").replace("Reyes, Dana", '"Reyes, Dana"')
    text = text.replace("12/7/26, ", "12/7/26 ")
    report = parse_report(text.encode(), ZONE)
    assert report.source == "teams" and report.rows[0].name == "Reyes, Dana"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"  \r\n ", "The file is empty."),
        (b"\xff\xfe", "The file is empty."),
        (b"Name,Join Time,Leave Time\n\xc3\x28bad,x,y\n", "not UTF-8 or UTF-16"),
        (b"Name,Join\x00 Time,Leave Time\n", "NUL bytes"),
        (b"PK\x03\x04\x14\x00\x06\x00", "NUL bytes"),
        (b"date,steps,sleep\n2026-12-07,8000,7.5\n", "not a Zoom participant report"),
        (b"Name,Join Time,Leave Time\n", "lists no participants"),
        (b"Name,Join Time,Leave Time\n,12/07/2026 09:00 AM,12/07/2026 10:00 AM\n", "no names or emails"),
        (b"x" * (MAX_BYTES + 1), "larger than"),
    ],
)
def test_unreadable_files_say_why(data, message):
    with pytest.raises(ReportError, match=message):
        parse_report(data, ZONE)


def test_too_many_rows_are_refused():
    line = "A B,,12/07/2026 09:00 AM,12/07/2026 10:00 AM\n"
    with pytest.raises(ReportError, match=f"more than {MAX_ROWS}"):
        parse_report(("Name,Email,Join Time,Leave Time\n" + line * (MAX_ROWS + 1)).encode(), ZONE)


def test_a_huge_field_is_a_report_error():
    data = b'Name,Join Time,Leave Time\n"' + b"a" * 200_000 + b'",1,2\n'
    with pytest.raises(ReportError):
        parse_report(data, ZONE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/07/2026 09:01:12 AM", utc(14, 1, 12)),
        ("12/7/26, 9:01:12 AM", utc(14, 1, 12)),
        ("12/07/2026 13:05", utc(18, 5)),
        ("07.12.2026, 09:01:12", utc(14, 1, 12)),
        ("2026-12-07 09:01:12", utc(14, 1, 12)),
        ("2026-12-07T14:01:12Z", utc(14, 1, 12)),
    ],
)
def test_report_times_are_read_in_the_program_zone(text, expected):
    assert parse_time(text, ZONE) == expected


@pytest.mark.parametrize(
    "text", ["", "soon", "13/45/2026 09:00 AM", "99999-12-07 09:00", "1900-01-01 09:00", "9" * 50]
)
def test_bad_times_are_refused(text):
    with pytest.raises((ValueError, OverflowError)):
        parse_time(text, ZONE)


def test_round_trip_through_the_session_store_keeps_every_row():
    report = parse_report(ZOOM.encode(), ZONE)
    assert Report.from_json(report.to_json()) == report


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("José Müller", "jose muller"),
        ("MÜLLER, José", "jose muller"),
        ("Jane Doe (she/her)", "jane doe"),
        ("Jane Doe she/her", "jane doe"),
        ("Jane Doe iPhone", "jane doe"),
        ("Jane Doe's iPhone", "jane doe"),
        ("Mary-Jane O'Brien", "mary jane obrien"),
        ("Joanna M. Smith", "joanna smith"),
        ("  joanna   SMITH ", "joanna smith"),
    ],
)
def test_names_are_normalised(shown, expected):
    assert expected in display_names(shown) or normalise_name(shown) == expected


def test_zoom_original_name_in_parentheses_is_a_candidate():
    assert display_names("Jo (Joanna Smith)") == {"joanna smith"}


def test_a_single_word_or_a_device_identifies_nobody():
    assert display_names("Maria") == frozenset()
    assert display_names("Maria's iPhone") == frozenset()
    assert display_names("iPhone") == frozenset()


MEMBERS = [
    Person(1, person_names("Joanna", "Smith"), "jo@mail.test"),
    Person(2, person_names("José", "Müller", "Pepe")),
    Person(3, person_names("Ann", "Lee")),
    Person(4, person_names("Ann", "Lee")),
    Person(5, person_names("Kim", "Park"), "family@mail.test"),
    Person(6, person_names("Lee", "Park"), "family@mail.test"),
]
STAFF = [Person(100, person_names("Dana", "Reyes"), "dana@clinic.test")]


NINE, TEN = "12/07/2026 09:00 AM", "12/07/2026 10:00 AM"


def row(name="", email="", role=""):
    return parse_report(
        f'Name,Email,Join Time,Leave Time,Role\n"{name}",{email},{NINE},{TEN},{role}\n'.encode(),
        ZONE,
    ).rows[0]


def matched(**kwargs):
    match = match_row(row(**kwargs), MEMBERS, STAFF, "host@clinic.test")
    return match.kind, match.key, match.how


def test_email_matches_exactly_ignoring_case():
    assert matched(name="Someone Else", email="JO@Mail.Test") == ("member", 1, "email")


def test_name_matches_when_no_email_does():
    assert matched(name="Smith, Joanna", email="other@mail.test") == ("member", 1, "name")


def test_preferred_name_and_accents_match():
    assert matched(name="pepe muller (he/him)") == ("member", 2, "name")


def test_two_members_of_the_same_name_leave_the_row_unmatched():
    assert matched(name="Ann Lee") == ("unmatched", None, "ambiguous")


def test_a_shared_email_needs_the_name_to_single_out_one_member():
    assert matched(name="Kim Park", email="family@mail.test") == ("member", 5, "email")
    assert matched(name="K Park", email="family@mail.test") == ("unmatched", None, "ambiguous")


def test_staff_are_recognised_by_email_name_host_and_organizer():
    assert matched(name="Dr D", email="dana@clinic.test")[0] == "staff"
    assert matched(name="Dana Reyes") == ("staff", None, "name")
    assert matched(name="Front Desk", email="host@clinic.test") == ("staff", None, "email")
    assert matched(name="Cohost Person", role="Organizer") == ("staff", None, "organizer")


def test_a_stranger_is_unmatched_not_guessed():
    assert matched(name="Joanna Smyth") == ("unmatched", None, "unknown")
    assert matched(name="Joanna") == ("unmatched", None, "unknown")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_are_read_or_refused_with_a_report_error(data):
    try:
        report = parse_report(data, ZONE)
    except ReportError:
        return
    assert report.rows


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_rows_under_a_real_header_are_read_or_refused_with_a_report_error(body):
    for encoding in ("utf-8", "utf-16"):
        try:
            report = parse_report((HEADER + body).encode(encoding, "surrogatepass"), ZONE)
        except (ReportError, UnicodeEncodeError):
            continue
        for row in report.rows:
            assert row.problem is not None or row.joined <= row.left
