"""Exact facts the review gates on: an infant or a pregnancy, and children's ages."""

from __future__ import annotations

import pytest

from assistant.review.text import ages, infant_facts


@pytest.mark.parametrize(
    "text",
    [
        "Children: Leo (7), Rosie (9 months)",
        "Child: Isla Grant (6 weeks). Mother: Sophie Grant (22).",
        "Caller: the father. Child: Ellis, 7 months.",
        "Child: Archie Cole, DOB 6 wks",
        "a 14-month-old in the home",
        "Ruby is aged 18 months",
        "M is 28 weeks pregnant",
        "the baby was asleep upstairs",
        "Mason (2) and Kacey (9)",
    ],
)
def test_an_infant_or_pregnancy_written_any_usual_way_opens_the_gate(text: str) -> None:
    assert infant_facts(text)


@pytest.mark.parametrize(
    "text",
    [
        "F moved out 3 months ago and the case is to close.",
        "He has been on police bail for 3 months.",
        "Kayla (4) and Jay (9) were seen at school.",
        "Review in 6 weeks, after the course ends.",
    ],
)
def test_spans_of_time_are_not_infants(text: str) -> None:
    assert not infant_facts(text)


def test_ages_in_years_are_read_and_adults_left_out() -> None:
    assert sorted(ages("Kayla (4), a 15-year-old brother, mother (29)")) == [4, 15]
