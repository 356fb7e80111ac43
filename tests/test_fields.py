"""The number and date fields every form uses: hostile values become a message, at exact edges."""

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from iop.fields import DateField, FloatField, IntegerField
from iop.ids import MAX_ROW_ID, is_row_id


class Sample(Form):
    number = IntegerField()
    amount = FloatField()
    day = DateField()


def errors(**values) -> dict:
    form = Sample(MultiDict(values))
    form.validate()
    return {name: messages for name, messages in form.errors.items() if name in values}


@pytest.mark.parametrize("raw", ["0", "7", "-7", "999999999", "-999999999"])
def test_whole_numbers_of_up_to_nine_digits_are_accepted(raw):
    assert errors(number=raw) == {}


@pytest.mark.parametrize("raw", ["1000000000", "9" * 400, "²", "١٢", "1.5", "ten"])
def test_longer_numbers_and_unicode_digits_are_refused_with_a_message(raw):
    assert errors(number=raw)["number"]


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf", "1e309", "9" * 19])
def test_non_finite_and_overlong_decimals_are_refused(raw):
    assert errors(amount=raw)["amount"] == ["Enter a number."]


def test_an_ordinary_decimal_is_accepted():
    assert errors(amount="9.5") == {}


@pytest.mark.parametrize("raw", ["1900-01-01", "2100-12-31"])
def test_dates_at_both_edges_of_the_range_are_accepted(raw):
    assert errors(day=raw) == {}


@pytest.mark.parametrize("raw", ["1899-12-31", "2101-01-01", "0001-01-01", "9999-12-31"])
def test_dates_outside_the_range_are_refused(raw):
    assert errors(day=raw)["day"] == ["Enter a date between 1900 and 2100."]


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ("1", True),
        (str(MAX_ROW_ID), True),
        (str(MAX_ROW_ID + 1), False),
        ("0", False),
        ("²", False),
        ("", False),
    ],
)
def test_row_ids_are_ascii_digits_within_the_integer_range(raw, ok):
    assert is_row_id(raw) is ok


@pytest.mark.parametrize("raw", [str(2**31), str(2**63), "9" * 400, "%C2%B2", "%D9%A3", "0"])
def test_ids_out_of_range_or_in_unicode_digits_in_a_path_are_404(app, login, raw):
    from tests.factories import make_program, make_user

    client = login(make_user("clinician", programs=[make_program()]))
    response = client.get(f"/clients/{raw}")
    assert response.status_code == 404
    assert "Not found" in response.text


def test_a_nul_byte_in_a_form_is_a_400_with_the_error_page(client):
    response = client.post("/auth/login", data={"email": "a\x00b@example.test", "password": "x"})
    assert response.status_code == 400
    assert "That request could not be read" in response.text
