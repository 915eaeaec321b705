"""Issue 14, round twenty-six: surnames that are also place words ("Lane", "Green", "Hill",
"Park", "Grove") were dropped with the street names they look like, so a whole family called
Lane, or a midwife called Sophie Lane, was missing from the table; and an organisation followed
by a bracket naming its worker ("Oakfield Academy (DSL Mrs Brennan)") was read as a person.
Every draft here is invented for these tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.casefile import DEFAULT_CUES, extract_case, load_cues
from assistant.errors import CurioError


def _people(text: str) -> dict[str, str]:
    return {p.name: p.role for p in extract_case(text, roles=None, status=None).people}


def test_a_family_whose_surname_is_a_place_word_is_found() -> None:
    text = (
        "Re: Harper LANE (7) and Lily-Mae LANE (4)\n"
        "We were asked on 01/04/2025 about Jason WHITLOCK, Danielle LANE and the children's "
        "father, Reece LANE. Ms Lane is not known to this service.\n"
    )
    people = _people(text)
    for name in ("Harper LANE", "Lily-Mae LANE", "Danielle LANE", "Reece LANE"):
        assert name in people, people
    assert people["Harper LANE"] == "child" and people["Lily-Mae LANE"] == "child", people


def test_a_title_role_words_or_a_bracket_make_a_place_surname_a_person() -> None:
    text = (
        "Children: Freya Green (13), Archie Green (9).\n"
        "Attendees: Hannah Green (M), Kirsty Hill (SW).\n"
        "Booked with midwife Sophie Lane on 03/04/2024. He assaulted his former partner, "
        "Becky Park, in 2021. The order protects Ms Tina Grove.\n"
    )
    people = _people(text)
    for name in ("Freya Green", "Archie Green", "Hannah Green", "Kirsty Hill", "Sophie Lane"):
        assert name in people, people
    assert people["Hannah Green"] == "mother" and people["Kirsty Hill"] == "professional"
    assert any("Becky Park" in n for n in people) and any("Tina Grove" in n for n in people)


def test_streets_and_schools_with_those_words_stay_places() -> None:
    text = (
        "Home visit on 03/04/2024 to 7 Coldharbour Lane (mother's home). Caleb attends Hollins "
        "Park. The family moved from Elm Grove in 2023. Referral on 02/04/2024 from Brook Lane "
        "Primary (DSL Mrs Shirin Akhter) about Caleb Price (6).\n"
    )
    people = _people(text)
    for place in ("Coldharbour Lane", "Hollins Park", "Elm Grove", "Brook Lane", "Lane Primary"):
        assert not any(place in n for n in people), people
    assert "Caleb Price" in people


def test_an_organisation_with_its_worker_in_brackets_is_not_a_person() -> None:
    text = (
        "Referral received 03/03/2025 from Oakfield Academy (DSL Mrs Bernadette Quinn) about "
        "Mia Price (8).\nTransferring authority: Northvale City Council (SW Peter Ames).\n"
    )
    people = _people(text)
    assert not any("Academy" in n or "Council" in n for n in people), people
    assert "Bernadette Quinn" in " ".join(people) and "Peter Ames" in " ".join(people), people


def test_a_broken_pattern_among_the_place_words_is_one_line(tmp_path: Path) -> None:
    """Patterns built in place (the place words, the organisation words) were compiled without
    a check, so a bad edit gave a raw regular-expression error instead of one line."""
    text = DEFAULT_CUES.read_text(encoding="utf-8")
    shutil.copy(DEFAULT_CUES.parent / "not_names.yaml", tmp_path)  # read beside the cue words
    bad = tmp_path / "casefile.yaml"
    for key in ("surname_place_words", "org_words"):
        bad.write_text(text.replace(f'{key}: "', f'{key}: "(unclosed|'), encoding="utf-8")
        with pytest.raises(CurioError) as err:
            load_cues(bad)
        assert "does not compile" in err.value.message and "\n" not in err.value.message
