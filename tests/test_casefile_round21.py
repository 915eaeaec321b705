"""Issue 14, round twenty-one: names written with accents are names ("Agnieszka Wójcik",
"Ștefan IONESCU"); a police form's "IP (victim): <name>" makes "IP" her alias; "checks on Mr and
Mrs Akhtar" and "Both were checked with police" reach both people; "Ravi" is Ravinder. The
guards: "after Mr and Mrs Akhtar argued" checks no one, "Dan" beside a Daniel and a Daniela is
not guessed, "Will attend" beside a William stays a word, and an agency label's bracket
("Health (YA): ...") is not the person's alias. Every draft here is invented for these tests."""

from __future__ import annotations

import pytest

from assistant.casefile import extract_case


def _adults(text: str) -> dict[str, list[str]]:
    """Each family adult's checks as the rules read them (no learned second opinion)."""
    case = extract_case(text, status=None)
    return {p.name: p.checks for p in case.people if p.is_family_adult}


@pytest.mark.parametrize(
    ("mother", "surname"),
    [
        ("Agnieszka Wójcik", "Wójcik"),
        ("Agnieszka WÓJCIK", "WÓJCIK"),
        ("Ștefania Ionescu", "Ionescu"),
        ("Şükran Çelik", "Çelik"),
    ],
)
def test_names_with_accents_are_found(mother: str, surname: str) -> None:
    text = (
        f"Home visit 03/10/2024. Present: {mother} (mother) and her partner Daniel Pryce.\n"
        f"Zofia {surname} (8) was seen alone in her room.\n"
        f"Police checks returned 05/10: nothing recorded for {surname}.\n"
    )
    case = extract_case(text, status=None)
    names = {p.name: p for p in case.people}
    assert mother in names, sorted(names)
    assert names[mother].role == "mother"


def test_a_bracketed_second_label_names_the_person() -> None:
    text = (
        "PUBLIC PROTECTION NOTICE\nSubmitted: 15/09/2024\n"
        "IP (victim): Kayleigh MORROW, 28\n"
        "Suspect: Jordan PILKINGTON, 30, partner of IP\n\n"
        "On arrival IP at the front door crying. IP spoken to alone by PC Hart.\n"
    )
    case = extract_case(text, status=None)
    her = next(p for p in case.people if p.name == "Kayleigh MORROW")
    quoted = {text[e.start : e.end] for e in her.evidence}
    assert "IP" in quoted
    assert her.seen_alone


_AKHTAR = (
    "Home visit 04/11/2024 to Mrs Rubina Akhtar and her husband Mr Imran Akhtar, parents of "
    "Aisha (9).\n"
)


def test_checks_on_mr_and_mrs_reach_both() -> None:
    got = _adults(_AKHTAR + "Police checks on Mr and Mrs Akhtar returned: one call-out in 2023.\n")
    assert got["Mrs Rubina Akhtar"] == ["police"]
    assert got["Mr Imran Akhtar"] == ["police"]
    text = (
        "Home visit 04/11/2024 to Mrs Elif Şahin and her husband Mr Murat Şahin, parents of"
        " Deniz (9).\nPolice checks on Mr and Mrs Şahin returned: no trace.\n"
    )
    got = _adults(text)
    assert got["Mrs Elif Şahin"] == ["police"] and got["Mr Murat Şahin"] == ["police"]


def test_mr_and_mrs_in_an_incident_is_not_a_check() -> None:
    got = _adults(_AKHTAR + "Police attended on 02/11 after Mr and Mrs Akhtar argued loudly.\n")
    assert got["Mrs Rubina Akhtar"] == [] and got["Mr Imran Akhtar"] == []


def test_both_as_the_subject_of_checked() -> None:
    text = (
        "Kinship note 02/11/2024. Mia (3) lives with her grandparents Graham Lawson and Susan "
        "Lawson.\nBoth were checked with police (no trace).\n"
    )
    got = _adults(text)
    assert got["Graham Lawson"] == ["police"] and got["Susan Lawson"] == ["police"]


def test_a_short_form_of_one_given_name_is_that_person() -> None:
    text = (
        "Home visit 03/10/2024 to Gemma Whitfield and her partner Ravinder Sandhu, with Ellie"
        " (6).\nRavi was seen alone in the kitchen. Police checks on Ravi returned 20/01: no"
        " trace.\n"
    )
    case = extract_case(text, status=None)
    names = [p.name for p in case.people]
    assert "Ravi" not in names
    ravinder = next(p for p in case.people if p.name == "Ravinder Sandhu")
    assert ravinder.checks == ["police"]


def test_a_short_form_two_names_share_is_not_guessed() -> None:
    text = (
        "Home visit 03/10/2024 to Daniela Moss and her brother Daniel Moss, with Ellie (6).\n"
        "Dan was not at home when I visited.\n"
    )
    case = extract_case(text, status=None)
    merged = [p for p in case.people if p.name.startswith("Dan") and "Dan" in p.aliases]
    assert merged == []


def test_a_word_that_is_not_used_as_a_person_stays_a_word() -> None:
    text = (
        "Home visit 03/10/2024 to Janet Hall and her partner William Moss, with Ellie (6) and"
        " Marko (4).\nWill attend the meeting on Friday. Mark the date in the diary.\n"
    )
    case = extract_case(text, status=None)
    quoted = {text[e.start : e.end] for p in case.people for e in p.evidence}
    assert "Will" not in quoted and "Mark" not in quoted


def test_an_agency_labels_bracket_is_not_the_persons_alias() -> None:
    text = (
        "Case note 03/10/2024. Mother Dawn Cole and her partner Lee Cole, with Ellie (6).\n"
        "Health (YA): Mrs Cole seen at clinic 02/10.\nYA to call again next week.\n"
    )
    case = extract_case(text, status=None)
    dawn = next(p for p in case.people if p.name == "Dawn Cole")
    assert "YA" not in {text[e.start : e.end] for e in dawn.evidence}
