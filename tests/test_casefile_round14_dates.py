"""Issue 14, round fourteen (dates): relative and coarse dates a careful reader can anchor,
and the note's own date read from the right label. Every sentence is invented; each test
fails on the rules of round thirteen."""

from __future__ import annotations

from assistant.casefile import find_dates, resolve_dates
from assistant.casefile.dates import _iso


def _dates(text: str) -> dict[str, str | None]:
    """Each date as written -> its ISO date, resolved as the chronology resolves it."""
    hits = find_dates(text)
    resolve_dates(text, hits)
    return {h.written: _iso(h.date, h.precision) for h in hits}


def test_a_month_at_a_line_end_does_not_take_the_number_on_the_next_line() -> None:
    found = _dates("Date: 12/05/2024\nShe has been low since April.\n\n3 Risks: none known.")
    assert found.get("April") == "2024-04"


def test_a_month_after_a_capitalised_preposition() -> None:
    found = _dates(
        "Date: 12/05/2024\nIn February the school noticed bruising. Since March he is calm."
    )
    assert found.get("February") == "2024-02"
    assert found.get("March") == "2024-03"


def test_a_things_own_date_is_not_the_notes_date() -> None:
    found = _dates(
        "From: Probation\nSent: Tue 10 June 2025 10:00\nHe was cautioned (offence date "
        "02/01/2023). He was seen on 3 June."
    )
    assert found.get("3 June") == "2025-06-03"


def test_relative_words_count_from_their_own_messages_date() -> None:
    found = _dates(
        "From: SW\nSent: 02 March 2025 09:00\nVisit booked.\n\n"
        "From: SW\nSent: 05 March 2025 17:00\nSeen at home today with mum."
    )
    assert found.get("today") == "2025-03-05"


def test_the_next_morning_and_that_evening_count_from_the_date_before_them() -> None:
    found = _dates(
        "Date: 20/06/2025\nOn 14 June police were called to the flat. That evening he left. "
        "He was arrested the next morning and bailed 2 days later."
    )
    assert found.get("That evening") == "2025-06-14"
    assert found.get("the next morning") == "2025-06-15"
    assert found.get("2 days later") == "2025-06-17"


def test_the_following_week_is_as_coarse_as_its_month() -> None:
    assert (
        _dates("On 3 March 2025 she left. He moved out the following week.").get(
            "the following week"
        )
        == "2025-03"
    )


def test_next_week_still_counts_from_the_note_and_an_anaphor_needs_a_day_before_it() -> None:
    found = _dates("Date: 10/04/2025\nOn 2 April M was seen. Review next week.")
    assert found.get("next week") == "2025-04-17"
    assert "the same day" not in _dates("In 2024 the police came and left the same day.") or (
        _dates("In 2024 the police came and left the same day.")["the same day"] is None
    )


def test_mid_month_written_with_a_hyphen_after_another_word() -> None:
    found = _dates(
        "Date: 10/10/2024\nShe moved out in mid-August and he came back around mid-Sept."
    )
    assert found.get("mid-August") == "2024-08"
    assert found.get("mid-Sept") == "2024-09"
