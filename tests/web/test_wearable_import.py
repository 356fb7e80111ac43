"""The client's wearable import by personal link: upload, preview with a mapping, confirm. Bad files and bad
rows are answered clearly and never with a 500; nothing is stored before the client confirms; the upload
waits server-side; audit events hold counts, never values."""

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from iop import clock
from iop.extensions import db
from iop.models import AuditEvent, WearableDay, WearableImport
from iop.services.wearables import expire_staged_uploads
from tests.factories import (
    make_client_link,
    make_cohort,
    make_enrollment,
    make_program,
    make_user,
    sign_in_client,
)


@pytest.fixture
def wearer(app, client):
    program = make_program("Wearable program")
    cohort = make_cohort(program)
    person = make_enrollment(cohort, first_name="Ada").client
    clinician = make_user("clinician", programs=[program])
    link, _ = make_client_link(person, clinician)
    sign_in_client(client, link)
    return {
        "person": person,
        "clinician": clinician,
        "cohort": cohort,
        "link": link,
        "today": program.today(),
    }


def fitbit_csv(rows) -> bytes:
    """A Fitbit-style daily export: a title line, quoted cells, steps with thousands separators."""
    lines = ["Activities", "Date,Calories Burned,Steps,Minutes Asleep,Resting Heart Rate"]
    for day, steps, minutes, resting in rows:
        lines.append(f'"{day}","2,100","{steps:,}","{minutes}","{resting}"')
    return ("\n".join(lines) + "\n").encode()


def ago(wearer, days: int) -> str:
    return (wearer["today"] - timedelta(days=days)).isoformat()


def upload(client, data: bytes, name="export.csv"):
    return client.post(
        "/me/wearables", data={"export": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def staged(client, wearer, data: bytes) -> str:
    """Upload a file; the preview's URL."""
    response = upload(client, data)
    assert response.status_code == 303, response.text
    return response.headers["Location"]


FITBIT_MAPPING = {
    "day": "0",
    "sleep_hours": "",
    "sleep_minutes": "3",
    "resting_hr": "4",
    "hrv_ms": "",
    "steps": "2",
    "date_format": "auto",
    "source": "fitbit",
    "on_duplicate": "keep",
}


def confirm(client, url, **changes):
    return client.post(url, data={**FITBIT_MAPPING, "action": "confirm", **changes})


def days_of(person):
    return list(
        db.session.scalars(
            select(WearableDay).where(WearableDay.client_id == person.id).order_by(WearableDay.day)
        )
    )


def events(action):
    return [
        json.loads(e.details)
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
    ]


def test_upload_shows_a_preview_pre_mapped_and_stores_nothing(wearer, client):
    url = staged(
        client, wearer, fitbit_csv([(ago(wearer, 2), 10234, 452, 58), (ago(wearer, 1), 8000, 400, 60)])
    )
    page = client.get(url).get_data(as_text=True)
    assert "2 days can be imported" in page and "Nothing is saved until you press Import" in page
    assert '<option selected value="2">Steps (e.g. 10,234)</option>' in page
    assert '<option selected value="3">Minutes Asleep (e.g. 452)</option>' in page
    assert '<option selected value="fitbit">Fitbit</option>' in page
    assert "10,234</td>" in page and "7.53</td>" in page and "Import 2 days" in page
    assert days_of(wearer["person"]) == []
    (upload_row,) = db.session.scalars(select(WearableImport))
    assert upload_row.status == "staged" and upload_row.raw_text.startswith("Activities")
    (event,) = events("wearables.upload")
    assert event == {
        "link_id": wearer["link"].id,
        "rows": 2,
        "columns": 5,
        "size_bytes": upload_row.size_bytes,
        "source": "fitbit",
    }


def test_the_upload_is_held_server_side_never_in_the_cookie(wearer, client):
    response = upload(client, fitbit_csv([(ago(wearer, 1), 10234, 452, 58)]))
    for header in response.headers.getlist("Set-Cookie"):
        assert "10234" not in header and "10,234" not in header and len(header) < 300


def test_confirm_stores_every_good_row_in_one_go_and_reports_the_counts(wearer, client):
    data = fitbit_csv(
        [(ago(wearer, 3), 10234, 452, 58), (ago(wearer, 2), 8000, 400, 60), ("31/02/2026", 1, 1, 60)]
    )
    url = staged(client, wearer, data)
    response = confirm(client, url)
    assert response.status_code == 303 and response.headers["Location"].endswith("/done")
    stored = days_of(wearer["person"])
    assert [(d.day.isoformat(), d.steps, d.sleep_hours, d.resting_hr, d.source) for d in stored] == [
        (ago(wearer, 3), 10234, 7.53, 58.0, "fitbit"),
        (ago(wearer, 2), 8000, 6.67, 60.0, "fitbit"),
    ]
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Days added</dt><dd>2</dd>" in done and "Rows skipped: errors</dt><dd>1</dd>" in done
    (upload_row,) = db.session.scalars(select(WearableImport))
    assert upload_row.status == "imported" and upload_row.raw_text is None
    assert (upload_row.added, upload_row.replaced, upload_row.kept, upload_row.rejected) == (2, 0, 0, 1)
    (event,) = events("wearables.import")
    assert event == {
        "link_id": wearer["link"].id,
        "source": "fitbit",
        "added": 2,
        "replaced": 0,
        "kept": 0,
        "rejected": 1,
        "columns": ["day", "resting_hr", "sleep_minutes", "steps"],
        "on_duplicate": "keep",
    }
    all_details = " ".join(e.details for e in db.session.scalars(select(AuditEvent)))
    assert "10234" not in all_details and "452" not in all_details and ago(wearer, 3) not in all_details


def test_confirming_twice_imports_once(wearer, client):
    url = staged(client, wearer, fitbit_csv([(ago(wearer, 1), 5000, 400, 60)]))
    assert confirm(client, url).status_code == 303
    again = confirm(client, url)
    assert again.status_code == 303 and again.headers["Location"].endswith("/done")
    assert len(days_of(wearer["person"])) == 1 and len(events("wearables.import")) == 1


def test_the_client_changes_the_mapping_and_the_preview_follows_without_saving(wearer, client):
    url = staged(client, wearer, b"Day,Schritte,Puls\n" + f"{ago(wearer, 1)},7000,61\n".encode())
    first = client.get(url).get_data(as_text=True)
    assert (
        "Choose the column with the date." in first
        and "Import" not in first.split("Update the preview")[1][:80]
    )
    response = client.post(
        url,
        data={
            **FITBIT_MAPPING,
            "day": "0",
            "sleep_minutes": "",
            "steps": "1",
            "resting_hr": "2",
            "action": "preview",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 day can be imported" in page and "7,000</td>" in page
    assert '<option selected value="1">Schritte (e.g. 7000)</option>' in page
    assert days_of(wearer["person"]) == []


def test_a_mapping_without_a_date_or_values_comes_back_with_a_message_per_field(wearer, client):
    url = staged(client, wearer, fitbit_csv([(ago(wearer, 1), 5000, 400, 60)]))
    response = confirm(client, url, day="", steps="", sleep_minutes="", resting_hr="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose the column with the date." in page and "Choose at least one column to import" in page
    same_column = confirm(client, url, steps="0")
    assert same_column.status_code == 422 and "This column is already used for date." in same_column.text
    assert days_of(wearer["person"]) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"steps": "999"},
        {"steps": "abc"},
        {"date_format": "julian"},
        {"source": "oura"},
        {"on_duplicate": "merge"},
        {"day": "9" * 40},
    ],
)
def test_hostile_choices_are_refused_with_the_form_and_nothing_is_saved(wearer, client, changes):
    url = staged(client, wearer, fitbit_csv([(ago(wearer, 1), 5000, 400, 60)]))
    response = confirm(client, url, **changes)
    assert response.status_code == 422 and "Check the choices below." in response.text
    assert days_of(wearer["person"]) == []


def test_every_bad_row_is_listed_with_its_row_number_and_reason(wearer, client):
    future = (wearer["today"] + timedelta(days=1)).isoformat()
    rows = [
        (ago(wearer, 1), 5000, 400, 60),
        ("not a date", 5000, 400, 60),
        (future, 5000, 400, 60),
        (ago(wearer, 2), 5000, 1441, 60),
        (ago(wearer, 3), 5000, 400, 24),
        (ago(wearer, 4), 100001, 400, 60),
        (ago(wearer, 1), 6000, 300, 61),
    ]
    page = client.get(staged(client, wearer, fitbit_csv(rows))).get_data(as_text=True)
    assert "1 day can be imported" in page and "6 rows with errors will be left out" in page
    assert "Row 4: the date “not a date” could not be read." in page
    assert f"Row 5: the date {future} is in the future." in page
    assert "Row 6: sleep is 1441, outside 0–1,440 minutes." in page
    assert "Row 7: resting heart rate is 24, outside 25–220 bpm." in page
    assert "Row 8: steps is 100001, outside 0–100,000 steps." in page
    assert f"Row 9: {ago(wearer, 1)} is on row 3 already; only row 3 is used." in page


def test_days_already_stored_are_kept_unless_the_client_chooses_replace(wearer, client):
    confirm(client, staged(client, wearer, fitbit_csv([(ago(wearer, 2), 5000, 400, 60)])))
    url = staged(
        client, wearer, fitbit_csv([(ago(wearer, 2), 9000, 420, 55), (ago(wearer, 1), 7000, 410, 57)])
    )
    page = client.get(url).get_data(as_text=True)
    assert "2 days can be imported, 1 of them stored already" in page
    assert "1 day of this file is stored already" in page and "Stored: kept as it is" in page
    response = confirm(client, url)
    assert response.status_code == 303
    assert [(d.steps, d.resting_hr) for d in days_of(wearer["person"])] == [(5000, 60.0), (7000, 57.0)]
    assert (
        "Days skipped: kept what was stored</dt><dd>1</dd>" in client.get(response.headers["Location"]).text
    )

    url = staged(client, wearer, fitbit_csv([(ago(wearer, 2), 9000, 420, 55)]))
    preview = client.post(url, data={**FITBIT_MAPPING, "on_duplicate": "replace", "action": "preview"})
    assert "Stored: will be replaced" in preview.text
    response = confirm(client, url, on_duplicate="replace")
    assert [(d.steps, d.resting_hr) for d in days_of(wearer["person"])] == [(9000, 55.0), (7000, 57.0)]
    assert "Days replaced</dt><dd>1</dd>" in client.get(response.headers["Location"]).text


def test_replacing_keeps_what_the_new_file_lacks(wearer, client):
    confirm(client, staged(client, wearer, fitbit_csv([(ago(wearer, 1), 5000, 420, 60)])))
    url = staged(client, wearer, f"Date,Steps\n{ago(wearer, 1)},7777\n".encode())
    response = client.post(
        url,
        data={
            "day": "0",
            "steps": "1",
            "action": "confirm",
            "on_duplicate": "replace",
            "date_format": "auto",
            "source": "garmin",
            **{t: "" for t in ("sleep_hours", "sleep_minutes", "resting_hr", "hrv_ms")},
        },
    )
    assert response.status_code == 303
    (day,) = days_of(wearer["person"])
    assert (day.steps, day.sleep_hours, day.resting_hr, day.source) == (7777, 7.0, 60.0, "garmin")


def test_a_file_with_no_good_row_cannot_be_confirmed(wearer, client):
    url = staged(client, wearer, fitbit_csv([("nope", 5000, 400, 60)]))
    response = confirm(client, url)
    assert response.status_code == 422 and "No row of this file can be imported" in response.text
    assert days_of(wearer["person"]) == []


def test_cancel_throws_the_upload_away(wearer, client):
    url = staged(client, wearer, fitbit_csv([(ago(wearer, 1), 5000, 400, 60)]))
    response = client.post(url, data={"action": "cancel"})
    assert response.status_code == 303 and response.headers["Location"] == "/me/wearables"
    (upload_row,) = db.session.scalars(select(WearableImport))
    assert upload_row.status == "discarded" and upload_row.raw_text is None
    assert client.get(url).status_code == 410 and days_of(wearer["person"]) == []
    assert len(events("wearables.discard")) == 1


def test_a_new_upload_replaces_the_one_still_waiting(wearer, client):
    first = staged(client, wearer, fitbit_csv([(ago(wearer, 1), 5000, 400, 60)]))
    staged(client, wearer, fitbit_csv([(ago(wearer, 2), 5000, 400, 60)]))
    response = client.get(first)
    assert response.status_code == 410 and "replaced by a newer one" in response.text
    assert confirm(client, first).status_code == 410 and days_of(wearer["person"]) == []


def test_an_upload_left_for_more_than_an_hour_expires_and_loses_its_text(wearer, client):
    url = staged(client, wearer, fitbit_csv([(ago(wearer, 1), 5000, 400, 60)]))
    (upload_row,) = db.session.scalars(select(WearableImport))
    upload_row.expires_at = clock.now() - timedelta(seconds=1)
    db.session.commit()
    response = confirm(client, url)
    assert response.status_code == 410 and "waited more than an hour" in response.text
    db.session.refresh(upload_row)
    assert upload_row.status == "expired" and upload_row.raw_text is None and days_of(wearer["person"]) == []


def test_the_hourly_tick_clears_expired_uploads(wearer, client):
    staged(client, wearer, fitbit_csv([(ago(wearer, 1), 5000, 400, 60)]))
    staged_row = db.session.scalar(select(WearableImport))
    staged_row.expires_at = clock.now() - timedelta(minutes=1)
    db.session.commit()
    assert expire_staged_uploads() == 1
    db.session.commit()
    db.session.refresh(staged_row)
    assert staged_row.status == "expired" and staged_row.raw_text is None


HOSTILE_FILES = {
    "empty": (b"", "The file is empty."),
    "header only": (b"Date,Steps,Minutes Asleep\n", "a header row but no days"),
    "binary": (bytes(range(256)) * 4, "not a CSV text file"),
    "NUL bytes": (b"Date,Steps\n2026-01-01,5\x00000\n", "not a CSV text file"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a CSV text file"),
    "too many rows": (b"Date,Steps\n" + b"2026-01-01,1\n" * 401, "more than 400 rows"),
    "a cell far too long": (
        b'Date,Steps\n2026-01-01,"' + b"9" * 200_000 + b'"\n',
        "could not be read as CSV",
    ),
}


@pytest.mark.parametrize("kind", HOSTILE_FILES)
def test_hostile_files_are_refused_with_a_clear_message_and_nothing_held(wearer, client, kind):
    data, message = HOSTILE_FILES[kind]
    response = upload(client, data)
    assert response.status_code == 422 and message in response.text
    assert 'aria-invalid="true"' in response.text
    assert db.session.scalar(select(func.count()).select_from(WearableImport)) == 0
    (event,) = events("wearables.upload_refused")
    assert event == {"link_id": wearer["link"].id, "size_bytes": len(data)}


def test_text_files_that_are_odd_but_readable_get_a_preview(wearer, client):
    day = ago(wearer, 1)
    cases = {
        "UTF-8 BOM": "\ufeffDate,Steps\n" + f"{day},5000\n",
        "semicolons and decimal commas": f"Date;Steps;Sleep Analysis [Asleep] (hr)\n{day};8.123;7,5\n",
        "non-UTF-8": f"Date,Steps,Notiz\n{day},5000,caf\xe9\n",
        "huge numbers": f"Date,Steps\n{day},{'9' * 400}\n",
    }
    for kind, text in cases.items():
        encoded = text.encode("cp1252") if kind == "non-UTF-8" else text.encode()
        url = staged(client, wearer, encoded)
        page = client.get(url).get_data(as_text=True)
        assert client.get(url).status_code == 200, kind
        if kind == "huge numbers":
            assert "Row 2: steps is a huge number, outside 0–100,000 steps." in page
        else:
            assert "1 day can be imported" in page, kind
        if kind == "non-UTF-8":
            assert "read as Windows text" in page
        if kind == "semicolons and decimal commas":
            assert "8,123</td>" in page and "7.5</td>" in page
    assert days_of(wearer["person"]) == []


def test_a_hostile_file_name_is_kept_printable_and_short(wearer, client):
    response = upload(
        client, f"Date,Steps\n{ago(wearer, 1)},5\n".encode(), name="a\x00b\x1b" + "é" * 300 + ".csv"
    )
    assert response.status_code == 303
    (upload_row,) = db.session.scalars(select(WearableImport))
    assert upload_row.filename == "ab" + "é" * 118


def test_no_file_chosen(wearer, client):
    response = client.post("/me/wearables", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose the CSV file exported" in response.text


def test_a_file_over_the_size_limit_lands_on_the_upload_page_with_the_reason(wearer, client):
    response = upload(client, b"Date,Steps\n" + b"2026-01-01,1\n" * 90_000)
    assert response.status_code == 303 and response.headers["Location"] == "/me/wearables?too_large=1"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The file is larger than 1 MB." in page
    assert db.session.scalar(select(func.count()).select_from(WearableImport)) == 0


def test_another_clients_upload_answers_404(wearer, client, app):
    url = staged(client, wearer, fitbit_csv([(ago(wearer, 1), 5000, 400, 60)]))
    confirm(client, url)
    other = make_enrollment(wearer["cohort"], first_name="Bo").client
    other_link, _ = make_client_link(other, wearer["clinician"])
    stranger = app.test_client()
    sign_in_client(stranger, other_link)
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, data={**FITBIT_MAPPING, "action": "confirm"}).status_code == 404
    assert stranger.get(url + "/done").status_code == 404
    page = stranger.get("/me/wearables").get_data(as_text=True)
    assert "None yet." in page and "1 day" not in page


def test_the_upload_page_lists_the_clients_own_imports(wearer, client):
    confirm(
        client,
        staged(client, wearer, fitbit_csv([(ago(wearer, 2), 5000, 400, 60), (ago(wearer, 1), 1, 1, 60)])),
    )
    page = client.get("/me/wearables").get_data(as_text=True)
    text = " ".join(page.split())
    assert "Fitbit: 2 days, " in text and "None yet." not in text
    assert 'aria-current="page">Wearable</a>' in page


def test_staff_cannot_use_the_client_routes(wearer, app):
    from tests.factories import sign_in

    staff = app.test_client()
    sign_in(staff, wearer["clinician"])
    response = staff.get("/me/wearables")
    assert response.status_code == 302 and response.headers["Location"] == "/me/ended"


def test_an_upload_needs_a_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        program = make_program()
        person = make_enrollment(make_cohort(program)).client
        link, _ = make_client_link(person, make_user("clinician", programs=[program]))
        browser = app.test_client()
        sign_in_client(browser, link)
        response = upload(browser, b"Date,Steps\n2026-01-01,5\n")
        # Refused before the view, as every POST without its token, with the client's own page.
        assert response.status_code == 400 and "This page has expired" in response.get_data(as_text=True)
        assert db.session.scalar(select(func.count()).select_from(WearableImport)) == 0
