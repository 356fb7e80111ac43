"""Reading a wearable's CSV export: the three exports' headers, date formats, plausible ranges (both edges),
duplicate days, and files that are not a table of days. Pure: no app, no database."""

import codecs
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from iop.clinical.wearable_files import (
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    FileProblem,
    guess_mapping,
    guess_source,
    mapping_problems,
    read_table,
)
from iop.clinical.wearables import (
    parse_day,
    parse_number,
    parse_rows,
    parse_sleep_hours,
    summarise_wearable_days,
)

TODAY = date(2026, 12, 7)


def _rows(text: str, mapping=None, date_format="auto", today=TODAY):
    table = read_table(text.encode())
    return parse_rows(table, mapping or guess_mapping(table.header), today, date_format)


# --- the three exports' header sets -----------------------------------------------------------------


def test_fitbit_activities_export_title_line_quoted_cells_and_thousands():
    table = read_table(
        b"Activities\nDate,Calories Burned,Steps,Distance,Floors,Minutes Sedentary\n"
        b'"2026-11-01","2,345","10,234","7.1","3","700"\n'
    )
    assert table.header_line == 2 and table.header[2] == "Steps"
    mapping = guess_mapping(table.header)
    assert mapping == {
        "day": 0,
        "sleep_hours": None,
        "sleep_minutes": None,
        "resting_hr": None,
        "hrv_ms": None,
        "steps": 2,
    }
    assert guess_source(table.header) == "fitbit"
    (row,) = parse_rows(table, mapping, TODAY).rows
    assert row.day == date(2026, 11, 1) and row.steps == 10234 and row.line == 3


def test_fitbit_sleep_export_counts_the_night_on_the_day_it_ends_and_converts_minutes():
    table = read_table(
        b"Sleep\nStart Time,End Time,Minutes Asleep,Minutes Awake,Number of Awakenings,Time in Bed\n"
        b'"2026-11-01 11:12PM","2026-11-02 7:10AM","452","30","3","480"\n'
    )
    mapping = guess_mapping(table.header)
    assert mapping["day"] == 1 and mapping["sleep_minutes"] == 2 and mapping["sleep_hours"] is None
    assert guess_source(table.header) == "fitbit"
    (row,) = parse_rows(table, mapping, TODAY).rows
    assert row.day == date(2026, 11, 2) and row.sleep_hours == 7.53


def test_fitbit_daily_export_and_takeout_files():
    daily = read_table(b"Date,Steps,Minutes Asleep,Resting Heart Rate\n2026-11-01,9000,420,61\n")
    assert guess_mapping(daily.header) == {
        "day": 0,
        "sleep_hours": None,
        "sleep_minutes": 2,
        "resting_hr": 3,
        "hrv_ms": None,
        "steps": 1,
    }
    resting = read_table(b"timestamp,beats per minute\n2026-11-01T00:00:00,58.2\n")
    assert guess_mapping(resting.header)["resting_hr"] == 1 and guess_source(resting.header) == "fitbit"
    hrv = read_table(b"timestamp,rmssd,nremhr,entropy\n2026-11-01T00:00:00,41.7,55.1,2.3\n")
    assert guess_mapping(hrv.header)["hrv_ms"] == 1
    (row,) = parse_rows(hrv, guess_mapping(hrv.header), TODAY).rows
    assert row.hrv_ms == 41.7


def test_garmin_report_exports():
    table = read_table(
        b"Date,Score,Resting Heart Rate,Body Battery,Duration,Overnight HRV\n"
        b"2026-11-05,81,52 bpm,80,7h 32min,45ms\n2026-11-06,--,--,--,6h,--\n"
    )
    mapping = guess_mapping(table.header)
    assert (mapping["day"], mapping["resting_hr"], mapping["sleep_hours"], mapping["hrv_ms"]) == (0, 2, 4, 5)
    assert guess_source(table.header) == "garmin"
    first, second = parse_rows(table, mapping, TODAY).rows
    assert (first.resting_hr, first.sleep_hours, first.hrv_ms) == (52.0, 7.53, 45.0)
    assert (second.resting_hr, second.sleep_hours, second.hrv_ms) == (None, 6.0, None)
    daily = read_table(b"calendar_date,total_steps,resting_heart_rate\n2026-11-05,7256,54\n")
    assert guess_mapping(daily.header)["day"] == 0 and guess_mapping(daily.header)["steps"] == 1
    assert guess_source(daily.header) == "garmin"


def test_apple_health_export_app_columns_with_units_in_the_names():
    header = (
        "Date/Time,Active Energy (kcal),Step Count (count),Resting Heart Rate (count/min),"
        "Heart Rate Variability (ms),Sleep Analysis [In Bed] (hr),Sleep Analysis [Asleep] (hr)"
    )
    table = read_table(f"{header}\n2026-11-03 00:00:00,400,8123.0,58,44.2,8,7.25\n".encode())
    mapping = guess_mapping(table.header)
    assert mapping == {
        "day": 0,
        "sleep_hours": 6,
        "sleep_minutes": None,
        "resting_hr": 3,
        "hrv_ms": 4,
        "steps": 2,
    }
    assert guess_source(table.header) == "apple_health"
    (row,) = parse_rows(table, mapping, TODAY).rows
    assert (row.day, row.steps, row.resting_hr, row.hrv_ms, row.sleep_hours) == (
        date(2026, 11, 3),
        8123,
        58.0,
        44.2,
        7.25,
    )
    qs_access = read_table(b"Start,Finish,Steps (count)\n03-Nov-2026 00:00,04-Nov-2026 00:00,100\n")
    assert guess_mapping(qs_access.header)["steps"] == 2 and guess_source(qs_access.header) == "apple_health"
    (row,) = parse_rows(qs_access, guess_mapping(qs_access.header), TODAY).rows
    assert (row.day, row.steps) == (date(2026, 11, 3), 100)


def test_an_unknown_header_maps_nothing_and_is_another_device():
    table = read_table(b"Tag,Schritte\n2026-11-01,100\n")
    assert set(guess_mapping(table.header).values()) == {None}
    assert guess_source(table.header) == "other"


# --- dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date_format", "expected"),
    [
        ("2026-11-30", "auto", date(2026, 11, 30)),
        ("2026-11-30 00:00:00 -0500", "auto", date(2026, 11, 30)),
        ("2026-11-30T23:59:00", "auto", date(2026, 11, 30)),
        ("2026-11-30 11:12PM", "auto", date(2026, 11, 30)),
        ("2026/11/30", "auto", date(2026, 11, 30)),
        ("11/03/2026", "auto", date(2026, 11, 3)),
        ("11/03/2026", "mdy", date(2026, 11, 3)),
        ("11/03/2026", "dmy", date(2026, 3, 11)),
        ("30/11/2026", "dmy", date(2026, 11, 30)),
        ("30.11.2026", "auto", date(2026, 11, 30)),
        ("30.11.2026", "mdy", date(2026, 11, 30)),
        ("Nov 30, 2026", "auto", date(2026, 11, 30)),
        ("November 3 2026", "auto", date(2026, 11, 3)),
        ("30 Nov 2026", "auto", date(2026, 11, 30)),
        ("03-Nov-2026 00:00", "auto", date(2026, 11, 3)),
    ],
)
def test_the_date_formats_of_the_exports(text, date_format, expected):
    assert parse_day(text, date_format) == expected


@pytest.mark.parametrize(
    "text",
    ["31/02/2026", "2026-13-01", "yesterday", "30/11/2026 extra", "Foo 3, 2026", "11/30/2026x", "2026-11"],
)
def test_dates_that_cannot_be_read(text):
    with pytest.raises(ValueError):
        parse_day(text, "mdy")


def test_auto_reads_a_slashed_column_day_first_when_a_first_part_is_above_12():
    parsed = _rows("Date,Steps\n03/11/2026,100\n13/11/2026,200\n")
    assert parsed.date_format == "dmy"
    assert [row.day for row in parsed.rows] == [date(2026, 11, 3), date(2026, 11, 13)]
    us = _rows("Date,Steps\n03/11/2026,100\n12/11/2026,200\n")
    assert us.date_format == "mdy" and us.rows[0].day == date(2026, 3, 11)
    assert _rows("Date,Steps\n2026-11-03,1\n").date_format == "ymd"


def test_today_is_accepted_and_tomorrow_is_a_future_date():
    parsed = _rows(f"Date,Steps\n{TODAY.isoformat()},10\n{(TODAY + timedelta(days=1)).isoformat()},10\n")
    assert [row.day for row in parsed.rows] == [TODAY]
    (error,) = parsed.errors
    assert error.line == 3 and error.reasons == ("the date 2026-12-08 is in the future",)


def test_a_date_before_2000_or_missing_or_unreadable_is_a_row_error():
    parsed = _rows("Date,Steps\n1999-12-31,10\n2000-01-01,10\n,10\nsoon,10\n")
    assert [row.day for row in parsed.rows] == [date(2000, 1, 1)]
    assert [(e.line, e.reasons) for e in parsed.errors] == [
        (2, ("the date 1999-12-31 is before 2000",)),
        (4, ("no date",)),
        (5, ("the date “soon” could not be read",)),
    ]


# --- plausible ranges: both edges of each -----------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "low", "high", "below", "above", "attribute"),
    [
        ("Sleep Analysis [Asleep] (hr)", "0", "24", "-0.1", "24.01", "sleep_hours"),
        ("Minutes Asleep", "0", "1440", "-1", "1441", "sleep_hours"),
        ("Resting Heart Rate", "25", "220", "24.9", "220.1", "resting_hr"),
        ("Heart Rate Variability (ms)", "1", "300", "0.9", "300.1", "hrv_ms"),
        ("Steps", "0", "100000", "-1", "100001", "steps"),
    ],
)
def test_both_edges_of_every_plausible_range(column, low, high, below, above, attribute):
    days = [f"2026-11-0{n}" for n in range(1, 5)]
    text = f"Date,{column}\n" + "".join(
        f"{day},{value}\n" for day, value in zip(days, (low, high, below, above), strict=True)
    )
    parsed = _rows(text)
    values = [getattr(row, attribute) for row in parsed.rows]
    if column == "Minutes Asleep":
        assert values == [0, 24]
    else:
        assert values == [float(low), float(high)]
    assert [error.line for error in parsed.errors] == [4, 5]
    assert all(", outside " in error.reasons[0] for error in parsed.errors)


def test_a_row_is_all_or_nothing_and_names_every_reason():
    parsed = _rows("Date,Steps,Resting Heart Rate\n2026-11-01,lots,300\n2026-11-02,,\n")
    assert parsed.rows == ()
    assert parsed.errors[0].reasons == (
        "resting heart rate is 300, outside 25–220 bpm",
        "steps “lots” is not a number",
    )
    assert parsed.errors[1].reasons == ("no sleep, heart rate, HRV or steps on this row",)


def test_huge_numbers_and_not_numbers():
    parsed = _rows(
        "Date,Steps\n2026-11-01,99999999999999999999999999\n2026-11-02,1e309\n2026-11-03,nan\n2026-11-04,inf\n"
        f"2026-11-05,{'9' * 400}\n"
    )
    assert parsed.rows == ()
    assert parsed.errors[0].reasons == ("steps is a huge number, outside 0–100,000 steps",)
    assert parsed.errors[-1].reasons == ("steps is a huge number, outside 0–100,000 steps",)
    assert all(error.reasons[0].endswith("is not a number") for error in parsed.errors[1:-1])


def test_numbers_as_the_exports_write_them():
    assert parse_number("10,234") == 10234
    assert parse_number("7,5", decimal_comma=True) == 7.5
    assert parse_number("8.123", decimal_comma=True) == 8123
    assert parse_number("1.234,5", decimal_comma=True) == 1234.5
    assert parse_number("45ms") == 45 and parse_number("52 bpm") == 52
    assert parse_number("--") is None and parse_number("  ") is None
    with pytest.raises(ValueError):
        parse_number("7,5")  # a comma file never has decimal commas: ambiguous, refused
    assert parse_sleep_hours("7h 32min") == pytest.approx(7 + 32 / 60)
    assert parse_sleep_hours("7:30") == 7.5 and parse_sleep_hours("6h") == 6
    with pytest.raises(ValueError):
        parse_sleep_hours("7h 75min")


# --- the same day twice -----------------------------------------------------------------------------


def test_the_same_day_twice_in_one_file_uses_the_first_row_and_names_it_in_the_later_ones():
    parsed = _rows("Date,Steps\n2026-11-01,100\n2026-11-02,200\n2026-11-01,300\n11/01/2026,400\n")
    assert [(row.day, row.steps) for row in parsed.rows] == [
        (date(2026, 11, 1), 100),
        (date(2026, 11, 2), 200),
    ]
    assert [(e.line, e.reasons) for e in parsed.errors] == [
        (4, ("2026-11-01 is on row 2 already; only row 2 is used",)),
        (5, ("2026-11-01 is on row 2 already; only row 2 is used",)),
    ]


def test_a_bad_first_row_does_not_hold_its_day_against_a_good_later_one():
    parsed = _rows("Date,Steps\n2026-11-01,-5\n2026-11-01,300\n")
    assert [(row.line, row.steps) for row in parsed.rows] == [(3, 300)]
    assert [error.line for error in parsed.errors] == [2]


# --- the mapping ------------------------------------------------------------------------------------


def test_mapping_problems():
    ok = {"day": 0, "steps": 1}
    assert mapping_problems(ok, 2) == {}
    assert mapping_problems({"steps": 1}, 2) == {"day": "Choose the column with the date."}
    assert "steps" in mapping_problems({"day": 0}, 2)
    assert "sleep_minutes" in mapping_problems({"day": 0, "sleep_hours": 1, "sleep_minutes": 2}, 3)
    assert mapping_problems({"day": 0, "steps": 0}, 2) == {"steps": "This column is already used for date."}
    assert mapping_problems({"day": 0, "steps": 5}, 2) == {"steps": "Choose a column of this file."}


def test_hours_win_when_a_file_has_sleep_in_hours_and_in_minutes():
    mapping = guess_mapping(("Date", "Minutes Asleep", "Sleep Analysis [Asleep] (hr)"))
    assert mapping["sleep_hours"] == 2 and mapping["sleep_minutes"] is None


# --- files that are not a table of days -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "The file is empty."),
        (b"  \r\n\n ", "The file is empty."),
        (b"Date,Steps\n", "The file has a header row but no days under it."),
        (b"Date,Steps\n\n\n", "The file has a header row but no days under it."),
        (
            b"Date,Steps\n2026-11-01,1\x00\n",
            "This is not a CSV text file (it holds binary data). Export it again as CSV.",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "This is not a CSV text file (it holds binary data). Export it again as CSV.",
        ),
        (
            b"\x1f\x8b\x08\x00binary\x01\x02",
            "This is not a CSV text file (it holds binary data). Export it again as CSV.",
        ),
        (
            b"Date,Steps\n" + b"x" * (MAX_FILE_BYTES),
            "The file is larger than 1 MB. Export a shorter date range.",
        ),
        (b'Date,Steps\n2026-11-01,"' + b"9" * 200_000 + b'"\n', None),
    ],
)
def test_files_that_are_not_a_table_of_days(raw, message):
    with pytest.raises(FileProblem) as problem:
        read_table(raw)
    if message:
        assert str(problem.value) == message
    else:
        assert "could not be read as CSV" in str(problem.value)


def test_row_and_column_limits_both_edges():
    def rows(n):
        return ("Date,Steps\n" + "".join(f"2026-01-01,{i}\n" for i in range(n))).encode()

    assert len(read_table(rows(MAX_ROWS)).rows) == MAX_ROWS
    with pytest.raises(FileProblem, match="more than 400 rows"):
        read_table(rows(MAX_ROWS + 1))
    wide = ",".join(f"c{i}" for i in range(MAX_COLUMNS))
    assert len(read_table(f"Date,{wide[: wide.rindex(',')]}\n2026-01-01\n".encode()).header) == MAX_COLUMNS
    with pytest.raises(FileProblem, match="201 columns"):
        read_table(f"Date,{wide}\n2026-01-01\n".encode())


def test_text_encodings_bom_windows_text_utf16_and_semicolons():
    bom = read_table(codecs.BOM_UTF8 + b"Date,Steps\n2026-11-01,5\n")
    assert bom.header == ("Date", "Steps") and bom.encoding == "utf-8"
    windows = read_table("Datum é,Steps\n2026-11-01,5\n".encode("cp1252"))
    assert windows.encoding == "windows-1252" and windows.header[0] == "Datum é"
    utf16 = read_table("Date\tSteps\r\n2026-11-01\t5\r\n".encode("utf-16"))
    assert utf16.header == ("Date", "Steps") and utf16.delimiter == "\t"
    semicolons = _rows("Date;Steps;Sleep Analysis [Asleep] (hr)\n2026-11-01;8.123;7,5\n")
    assert (semicolons.rows[0].steps, semicolons.rows[0].sleep_hours) == (8123, 7.5)


def test_rows_shorter_than_the_header_have_empty_cells_and_longer_ones_are_cut():
    parsed = _rows("Date,Steps,Resting Heart Rate\n2026-11-01,100\n2026-11-02,200,60,extra,cells\n")
    assert [(row.steps, row.resting_hr) for row in parsed.rows] == [(100, None), (200, 60.0)]


def test_summary_means_ignore_missing_values():
    days = [
        SimpleNamespace(sleep_hours=7.0, resting_hr=60.0, hrv_ms=None, steps=1000),
        SimpleNamespace(sleep_hours=None, resting_hr=56.0, hrv_ms=None, steps=3000),
    ]
    summary = summarise_wearable_days(days)
    assert (summary.days_with_data, summary.mean_sleep_hours, summary.mean_resting_hr) == (2, 7.0, 58.0)
    assert summary.mean_hrv_ms is None and summary.mean_steps == 2000
    assert summarise_wearable_days([]).mean_steps is None
