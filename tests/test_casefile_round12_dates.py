"""Issue 14, round twelve (dates): more of the forms English notes write dates in. A month
and year in figures ("04/2021"), a two-digit year after a month ("Mar '23", "Jul-22",
"5 Apr 23."), "14-Mar-2024", a day of the month alone ("on the 18th"), the days of a list
sharing its month ("3rd and 17th June"), a weekday with its day in brackets ("Sunday (6th)"),
days known by name (Boxing Day, Easter), spans ("12-13 Oct", "2019-21"), the part of a month
or year ("early 2023", "mid-June") and "on 14.06". Every sentence is invented; each test
fails on the rules of round eleven but the last ones, which guard against false dates."""

from __future__ import annotations

import pytest

from assistant.casefile import extract_case, find_dates, resolve_dates


def _dates(text: str) -> dict[str, str | None]:
    """Each date as written -> its ISO date, resolved as the chronology resolves it."""
    hits = find_dates(text)
    resolve_dates(text, hits)
    from assistant.casefile.dates import _iso

    return {h.written: _iso(h.date, h.precision) for h in hits}


@pytest.mark.parametrize(
    ("text", "written", "iso"),
    [
        ("Previous referral 04/2021 closed NFA.", "04/2021", "2021-04"),
        ("Home visit 7/2019 by the HV.", "7/2019", "2019-07"),
        ("Mar '23 - the family moved to Leeds.", "Mar '23", "2023-03"),
        ("Jul-22 - first police call-out.", "Jul-22", "2022-07"),
        ("Case reviewed on 5 Apr 23.", "5 Apr 23", "2023-04-05"),
        ("Neighbour rang police Oct 9th '23 about shouting.", "Oct 9th '23", "2023-10-09"),
        ("PPN 14-Mar-2024 - shouting heard, no injuries.", "14-Mar-2024", "2024-03-14"),
        (
            "The meeting was held on the 3rd of June 2024 in the school.",
            "3rd of June 2024",
            "2024-06-03",
        ),
        ("Missing from home 12-13 Oct 2024, found at a friend's.", "12-13 Oct 2024", "2024-10-12"),
        ("Call-outs Mar-Apr 2022, both verbal arguments.", "Mar-Apr 2022", "2022-03"),
        ("Health records 2019-21 note a volatile relationship.", "2019-21", "2019"),
        ("He moved in during early 2023 according to the school.", "early 2023", "2023"),
        ("She left the refuge in mid-June 2024.", "mid-June 2024", "2024-06"),
    ],
)
def test_forms_of_a_written_date(text: str, written: str, iso: str) -> None:
    assert _dates(text).get(written, "missing") == iso


def test_a_day_in_a_list_takes_the_month_that_closes_the_list() -> None:
    found = _dates("Kai missed nursery on 3rd, 10th and 17th June 2024.")
    assert found["3rd"] == "2024-06-03"
    assert found["10th"] == "2024-06-10"
    assert found["17th June 2024"] == "2024-06-17"


def test_the_next_day_of_a_list_is_not_read_as_a_two_digit_year() -> None:
    found = _dates("A&E attendances on 4 Mar, 19 May and 2 July 2024.")
    assert "4 Mar" in found and "19 May" in found


def test_a_day_of_the_month_alone_takes_the_month_of_the_date_before_it() -> None:
    text = "Visit on 12 March 2025. Mum said he came back on the 18th and shouted."
    assert _dates(text)["the 18th"] == "2025-03-18"


def test_a_weekday_with_its_day_in_brackets() -> None:
    text = "Date of visit: 10/03/2025\nShe said he hit her on Sunday night (9th)."
    assert _dates(text)["Sunday night (9th)"] == "2025-03-09"


@pytest.mark.parametrize(
    ("sentence", "written", "iso"),
    [
        ("He turned up drunk on Boxing Day.", "Boxing Day", "2024-12-26"),
        ("The children stayed with nan over Christmas.", "Christmas", "2024-12"),
        ("She said he pushed her on New Year's Day.", "New Year's Day", "2025-01-01"),
        ("He last visited at Easter.", "Easter", "2025-04"),
    ],
)
def test_days_known_by_name_take_the_year_nearest_the_note(
    sentence: str, written: str, iso: str
) -> None:
    text = f"Date of visit: 14/01/2025\n{sentence}"
    if written == "Easter":
        text = f"Date of visit: 02/05/2025\n{sentence}"
    assert _dates(text)[written] == iso


def test_a_named_day_is_listed_at_its_day_though_as_coarse_as_its_month() -> None:
    text = "Date of visit: 14/01/2025\nHe came round at Christmas. Police were called 11/12/24."
    case = extract_case(text, roles=None)
    assert [e.date for e in case.chronology][-3:] == ["11/12/24", "Christmas", "14/01/2025"]


def test_a_day_and_month_with_a_dot_after_on() -> None:
    found = _dates("Review 3 March 2025. GP saw her on 21.02 about her mood.")
    assert found["21.02"] == "2025-02-21"


def test_short_relative_words_from_the_note_date() -> None:
    found = _dates("Date of visit: 05/02/2025\nHe rang yday; I will see him tmrw.")
    assert found["yday"] == "2025-02-04"
    assert found["tmrw"] == "2025-02-06"


@pytest.mark.parametrize(
    "text",
    [
        "Her flat is on the 3rd floor of the block.",
        "She scored him 3/25 on the scale.",
        "Meeting from 9.15 to 10.00 at the office.",
        "He was seen at 10.30am and again at 21:15.",
    ],
)
def test_not_dates(text: str) -> None:
    assert find_dates(text) == []


def test_a_weekday_after_a_preposition_or_with_its_possessive() -> None:
    found = _dates("Date of visit: 12/03/2025\nShe has not eaten since Sunday. Friday's review.")
    assert found["Sunday"] == "2025-03-09"
    assert "Friday" in found


def test_a_weekday_after_by_is_the_next_one() -> None:
    found = _dates("Date of visit: 12/03/2025\nThe plan is to be agreed by Friday.")
    assert found["Friday"] == "2025-03-14"


def test_a_month_after_around_or_since_is_the_one_gone_by() -> None:
    found = _dates("Date of visit: 14/01/2025\nHe moved in around April. Rows since ~Oct.")
    assert found["April"] == "2024-04"
    assert "Oct" in found


def test_each_month_of_a_list_of_months() -> None:
    found = _dates("Date of visit: 14/11/2024\nTwo call-outs this year (March and July).")
    assert found["March"] == "2024-03"
    assert found["July"] == "2024-07"
