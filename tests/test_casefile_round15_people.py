"""Round fifteen, people: a given name that shares the surname after it, codes and initials a
terse note gives a person, a police notice's "VICTIM:" and "SUSPECT:" used again as words,
and named days that are dates, not people. Rules only (roles=None, the rules' status), so
each test is about the rule it names."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import cue_file_with

from assistant.casefile.cues import load_cues
from assistant.casefile.extract import extract_case
from assistant.casefile.model import Person
from assistant.errors import CurioError


def _people(text: str) -> dict[str, Person]:
    return {p.name: p for p in extract_case(text, roles=None).people}


def test_a_given_name_before_a_couples_surname_is_a_person() -> None:
    people = _people(
        "Milo (6) has lived with his grandparents, Maureen and Keith Sutcliffe, since 2023.\n"
        "Maureen acknowledged she finds it hard to say no to their daughter."
    )
    assert any(name.startswith("Maureen") for name in people)
    assert any(name.startswith("Keith") for name in people)


def test_a_given_name_with_a_surname_of_its_own_keeps_it() -> None:
    people = _people(
        "Danielle Rourke is Milo's mother. Danielle and Scott Fraser were at the flat."
    )
    assert "Danielle Rourke" in people
    assert not any(name.startswith("Danielle F") for name in people)


def test_a_code_defined_beside_a_name_is_that_person() -> None:
    people = _people(
        "Mother: Gemma Rose (GR). Stepfather: Stuart Haig (SH).\n"
        "SH seen alone at the office on 3/2. GR not seen this week."
    )
    stuart = people["Stuart Haig"]
    assert "SH" in stuart.aliases and stuart.seen_alone
    assert "GR" in people["Gemma Rose"].aliases


def test_a_numbered_code_before_a_name_is_that_person() -> None:
    people = _people(
        "PERSONS\nV1 (victim): Florentina Lacatus\nS1 (suspect): Ionut Stan\n\n"
        "V1 spoken to in the stairwell away from S1. S1 arrested for ABH."
    )
    assert "V1" in people["Florentina Lacatus"].aliases
    assert people["Florentina Lacatus"].seen_alone
    assert "S1" in people["Ionut Stan"].aliases


def test_a_code_that_is_not_the_persons_initials_is_not_theirs() -> None:
    """ "School (GR): Oliwia ..." is the teacher's code, not the child's."""
    people = _people(
        "Oliwia Nowak (5) and her mother Agnieszka Nowak.\n"
        "School (GR): Oliwia in Reception, attendance 88%. GR to ring on Monday."
    )
    assert "GR" not in people["Oliwia Nowak"].aliases


def test_a_lone_initial_is_the_one_person_with_that_initial() -> None:
    people = _people(
        "Natasha Greaves (mother) and Reece Bolton (father of Oakley, 2).\n"
        "Police attended at 01:10. N says R punched her. R arrested. Spoke to N alone."
    )
    assert "N" in people["Natasha Greaves"].aliases
    assert people["Natasha Greaves"].seen_alone
    assert "R" in people["Reece Bolton"].aliases


def test_a_lone_initial_two_people_share_is_no_ones() -> None:
    people = _people(
        "Kelly Marsh (mother), Kevin Marsh (her partner) and Milo (4).\n"
        "K said it was an argument. K was seen at home."
    )
    assert "K" not in people["Kelly Marsh"].aliases
    assert "K" not in people["Kevin Marsh"].aliases


def test_a_capitals_label_names_the_person_when_used_again() -> None:
    people = _people(
        "SUBJECT/VICTIM: Shazia Bibi (33)\nSUSPECT: Imran Hussain (36)\n\n"
        "Victim spoken to alone in kitchen. Suspect spoken to separately in the front room."
    )
    assert people["Shazia Bibi"].seen_alone
    assert people["Imran Hussain"].seen_alone


def test_a_named_day_is_a_date_not_a_person() -> None:
    people = _people(
        "Agnieszka Wojcik (mother) said he was the same on Boxing Day. "
        "Christmas Eve was calm, she said."
    )
    assert "Boxing Day" not in people
    assert "Christmas Eve" not in people


def test_a_childs_c_is_not_the_one_adult_named_c() -> None:
    """A note's "C" is the child (``not_initials``), not Carol, the one person named C."""
    people = _people(
        "M = Danielle Foster. MGM Carol Foster. Ruby-Jo (3).\n"
        "C seen at nursery. C happy and settled, C's keyworker has no concerns."
    )
    assert "C" not in people["Carol Foster"].aliases


def test_not_initials_are_checked_at_load(tmp_path: Path) -> None:
    assert "C" in load_cues().not_initials
    path = cue_file_with(tmp_path, 'not_initials: ["A",', 'not_initials: ["a",')
    with pytest.raises(CurioError, match="not_initials"):
        load_cues(path)


def test_a_street_is_not_a_person() -> None:
    people = _people(
        "Parents: Gemma Marsh (36) and Lee Marsh (39). Address: Pitt Row, Eastholme. "
        "Visited 4 Canal Mews on 3/2."
    )
    assert "Pitt Row" not in people and "Canal Mews" not in people
    assert "Gemma Marsh" in people
