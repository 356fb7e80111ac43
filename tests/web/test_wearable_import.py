"""The client's wearable import by personal link: upload, preview with a mapping, confirm; bad files and
bad rows answered clearly; nothing stored before the client confirms."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from iop.extensions import db
from iop.models import WearableDay
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
    return {"person": person, "clinician": clinician, "cohort": cohort, "link": link}


def _today(wearer):
    return wearer["person"].program.today()


def fitbit_csv(days) -> bytes:
    lines = ["Activities", "Date,Calories Burned,Steps,Distance,Minutes Asleep,Resting Heart Rate"]
    for day, steps, minutes, rhr in days:
        lines.append(f'"{day.isoformat()}","2,100","{steps:,}","5.1","{minutes}","{rhr}"')
    return ("\n".join(lines) + "\n").encode()


def upload(client, data: bytes, name="export.csv"):
    return client.post(
        "/me/wearables", data={"export": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def _days(person):
    return list(
        db.session.scalars(
            select(WearableDay).where(WearableDay.client_id == person.id).order_by(WearableDay.day)
        )
    )


def test_smoke(wearer, client):
    today = _today(wearer)
    data = fitbit_csv(
        [(today - timedelta(days=2), 10234, 452, 58), (today - timedelta(days=1), 8000, 400, 60)]
    )
    response = upload(client, data)
    assert response.status_code == 303, response.text
    page = client.get(response.headers["Location"])
    assert page.status_code == 200, page.text
    print(page.text[page.text.index("<h1") :][:6000])
    assert _days(wearer["person"]) == []
