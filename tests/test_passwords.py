"""The password rules (DESIGN.md §8), at their edges; no app needed."""

from __future__ import annotations

import pytest

from iop.services.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    OWN_DETAILS,
    TOO_COMMON,
    TOO_LONG,
    TOO_SHORT,
    own_parts,
    password_problem,
)

GOOD = "a quiet river at dusk"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", TOO_SHORT),
        ("eleven char", TOO_SHORT),
        ("twelve chars", None),
        ("x" * (MIN_LENGTH - 1), TOO_SHORT),
        ("q9 river-dusk " * 18 + "walk", None),
        ("q9 river-dusk " * 18 + "walk!", TOO_LONG),
    ],
)
def test_length_bounds(password, problem):
    assert password_problem(password) == problem


def test_the_longest_allowed_password_is_accepted():
    password = ("q9 river-dusk " * 20)[:MAX_LENGTH]
    assert len(password) == MAX_LENGTH
    assert password_problem(password) is None
    assert password_problem(password + "x") == TOO_LONG


@pytest.mark.parametrize(
    "password",
    [
        # From the breach-derived list the package ships (long entries of the most common passwords).
        "password1234",
        "passwordpassword",
        "administrator",
        "trustno1trustno1",
        "qwertyuiopasdf",
        "changeme1234",
        "monkey123456",
        "iloveyoubaby",
        "1q2w3e4r5t6y",
        "zaq12wsxcde3",
        "123456789012",
        # The list is case-sensitive; the check is not.
        "PASSWORD1234",
        "Password1234",
        "PassWord1234",
    ],
)
def test_common_passwords_are_refused(password):
    assert password_problem(password) == TOO_COMMON


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",
        "aaaaaaaaaaaaa",
        "AAAAAAAAAAAAA",
        "............",
        "            ",
        "ababababababab",
        "abcabcabcabc",
        "121212121212",
        "abcdabcdabcdabcd",
        "qwerty" * 3,
        "aaaaaaaaaaab",  # three distinct characters or fewer: a repeat whatever the order
        "abcdefghijkl",
        "lkjihgfedcba",
        "mnopqrstuvwxyz",
        "890123456789",  # digits wrap round
        "987654321098",
        "ａａａａａａａａａａａａ",  # full-width letters fold to aaaa…
    ],
)
def test_trivial_repeats_and_runs_are_refused(password):
    assert password_problem(password) == TOO_COMMON


@pytest.mark.parametrize(
    "password",
    [
        GOOD,
        "twelve chars",
        "abcdABCD-x7q!",  # four distinct letters and more: not a repeat
        "abcdabcdabcdX",
        "stepwise-demo",
        "correct horse battery staple",
        "ünïcödé pässwörd",
    ],
)
def test_ordinary_passwords_pass(password):
    assert password_problem(password) is None


@pytest.mark.parametrize(
    "password",
    [
        "dana.ortiz-secret",
        "DANA.ORTIZ@EXAMPLE.TEST!",
        "the ORTIZ family rules",
        "danaortiz rules ok",
        "hello dana, my friend",
        "river ortiz at dusk",
    ],
)
def test_own_email_and_name_are_refused(password):
    assert password_problem(password, email="dana.ortiz@example.test", full_name="Dana Ortiz") == OWN_DETAILS


def test_short_pieces_of_a_name_are_allowed():
    # "Al" and "Li" are too short to refuse: they are in half of all words.
    assert password_problem("almost live quietly", email="al@example.test", full_name="Al Li") is None
    assert password_problem("river at dusk", email="al@example.test", full_name="Al Li") is None


def test_own_parts_split_the_email_local_part_and_the_name():
    assert own_parts("Dana.Ortiz+iop@Example.test", "Dana  María Ortiz") == {
        "dana.ortiz+iop@example.test",
        "dana.ortiz+iop",
        "dana",
        "ortiz",
        "iop",
        "maría",
        "danamaríaortiz",
    }
    assert own_parts(None, None) == set()


def test_without_an_account_the_own_details_rule_does_not_apply():
    assert password_problem("dana.ortiz-secret") is None
