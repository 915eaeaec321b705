"""Issue 14, round twelve (status): a field's label that names one person ("Victim:",
"SUSPECT:") used again as a word, in any case and before a colon; "no PNC trace"; an agency's
bullet answered on the lines indented under it ("- Police (PND) rec'd 04/03:"); a section
headed by one person's name. Every draft here is invented."""

from __future__ import annotations

from fakes import person

from assistant.casefile import extract_case


def _person(text: str, name: str):  # type: ignore[no-untyped-def]
    return person(extract_case(text, roles=None), name)


# --------------------------------------------------------------------- a label used as a word

_NOTICE = (
    "DOMESTIC ABUSE NOTIFICATION\n"
    "VICTIM: Tamsin GREAVES, 29\n"
    "SUSPECT: Owen BRAKE, 33, partner\n"
    "Officers attended at 23:10. Victim spoken to alone in the bedroom. Suspect arrested.\n"
    "PNC on suspect: two cautions for assault (2019, 2021).\n"
    "No PNC trace on victim.\n"
)


def test_a_capitalised_label_is_the_person_it_named_when_used_again() -> None:
    tamsin = _person(_NOTICE, "Tamsin GREAVES")
    assert tamsin.seen and tamsin.seen_alone
    assert "police" in tamsin.checks


def test_a_label_before_a_colon_in_running_text_is_the_person() -> None:
    assert "police" in _person(_NOTICE, "Owen BRAKE").checks


def test_a_victim_with_no_check_of_her_own_has_none() -> None:
    text = _NOTICE.replace("No PNC trace on victim.\n", "")
    assert "police" not in _person(text, "Tamsin GREAVES").checks


# ------------------------------------------------------------ an agency's bullet and its lines

_NESTED = (
    "Checks\n"
    "- Police (PNC/PND) rec'd 04/03 10:15:\n"
    "   F - one DA call-out 2022, NFA.\n"
    "   M - nil trace.\n"
    "- Health (GP) rec'd 05/03:\n"
    "   M - registered, no concerns noted.\n"
    "Adults: Kelly Dorne (M, 31), Mark Dorne (F, 35)\n"
)


def test_the_lines_indented_under_an_agency_bullet_are_its_answer() -> None:
    assert "police" in _person(_NESTED, "Kelly Dorne").checks
    assert "police" in _person(_NESTED, "Mark Dorne").checks


def test_the_next_bullet_ends_the_agency_answer() -> None:
    assert "health" not in _person(_NESTED, "Mark Dorne").checks


# ------------------------------------------------------------------ a section headed by a name

_SECTIONS = (
    "Core group notes\n"
    "Family: Gemma Lowe (mother, 30); Stefan Ilie (her partner, 34).\n\n"
    "1. Gemma Lowe\n"
    "Seen at home 02/05 with the children.\n\n"
    "2. Stefan\n"
    "Seen once at the door. Police checks back 30/04: one conviction for criminal damage.\n"
)


def test_a_check_under_a_heading_that_is_one_person_is_theirs() -> None:
    assert "police" in _person(_SECTIONS, "Stefan Ilie").checks
    assert "police" not in _person(_SECTIONS, "Gemma Lowe").checks
