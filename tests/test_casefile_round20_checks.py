"""Issue 14, round twenty: a check the clause says was requested and then came back is a
check made ("requested 04/10, returned 07/10"); one still to come back is not. Every draft here
is invented for these tests."""

from __future__ import annotations

import pytest

from assistant.casefile import extract_case

_HEAD = "Home visit 03/10/2024 to Aisha Begum and her husband Imran Hussain, parents of Zara (4).\n"


def _checks(line: str) -> dict[str, list[str]]:
    case = extract_case(_HEAD + line + "\n", status=None)  # the rules' own reading
    return {p.name: p.checks for p in case.people if p.is_family_adult}


@pytest.mark.parametrize(
    "line",
    [
        "- Police check on Mr Hussain (requested 04/10, returned 07/10): one DA call in 2021.",
        "Police check on Mr Hussain requested on 2/10 and received on 9/10.",
        "Police check on Mr Hussain requested 2/10, has been returned: no trace.",
    ],
)
def test_a_request_that_came_back_is_a_check(line: str) -> None:
    assert _checks(line)["Imran Hussain"] == ["police"]


@pytest.mark.parametrize(
    "line",
    [
        "Police check on Mr Hussain requested 22/10 - not yet returned.",
        "Police check on Mr Hussain requested, to be returned by Friday.",
        "Police check on Mr Hussain requested; SW to review once returned.",
    ],
)
def test_a_request_still_to_come_back_is_not(line: str) -> None:
    assert _checks(line)["Imran Hussain"] == []


_COUPLE = "Home visit 03/10/2024. Kerry Ryan and her partner Mark Dunn, parents of Ella (2).\n"
_KIN = (
    "Kinship note 02/11/2024. Mia (3) lives with her grandparents Graham Lawson and Susan Lawson"
    " since her mother went to rehab.\n"
)


def _family_checks(text: str) -> dict[str, list[str]]:
    case = extract_case(text, status=None)
    return {p.name: p.checks for p in case.people if p.is_family_adult}


def test_checks_on_both_parents_include_the_mothers_partner() -> None:
    got = _family_checks(_COUPLE + "Police checks on both parents: no records.\n")
    assert got["Kerry Ryan"] == ["police"] and got["Mark Dunn"] == ["police"]


def test_checks_on_both_are_on_the_two_people_named_just_before() -> None:
    got = _family_checks(_COUPLE + "Police checks on both came back on 28/10/2024: nil.\n")
    assert got["Kerry Ryan"] == ["police"] and got["Mark Dunn"] == ["police"]
    visit = (
        "I visited Graham and Susan together at home on 28/10. Police checks on both were clear.\n"
    )
    got = _family_checks(_KIN + visit)
    assert got["Graham Lawson"] == ["police"] and got["Susan Lawson"] == ["police"]
    assert got["mother"] == []
    # three adults named just before: whom "both" means is not guessed; nor is it the children
    assert not any(_family_checks(_KIN + "Police checks on both returned clear.\n").values())
    assert not any(_family_checks(_KIN + "Police checks on both children were clear.\n").values())
