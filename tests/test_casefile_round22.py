"""Issue 14, round twenty-two: a writer who calls one woman "Mrs Adebayo" and another "Ms
Adebayo" means two people, so each title goes to the woman who bears it; a table's "Checks"
cell that holds the request and its state ("PNC requested 20/01 - NOT BACK") is a check still
to come, whatever the row's other cells say; and the learned checks reader sees when a person
stands in a chronology row whose source cell names the agency. Every draft here is invented
for these tests."""

from __future__ import annotations

import re

import pytest

from assistant.casefile import extract_case
from assistant.casefile.cues import load_cues
from assistant.casefile.extract import read_state
from assistant.casefile.learn_status import check_features

_ADEBAYO = (
    "Carers: Mrs Grace Adebayo and Mr Samuel Adebayo (maternal grandparents).\n"
    "Their daughter, Blessing Adebayo, is the children's mother.\n"
    "I saw Ms Adebayo alone at her flat on 11/11/2024.\n"
    "Mrs Adebayo says she would call the police if he came to the house.\n"
)


def _forms(text: str) -> dict[str, set[str]]:
    """Each person's words as quoted in the draft (the rules' reading)."""
    case = extract_case(text, status=None)
    return {p.name: {text[e.start : e.end] for e in p.evidence} for p in case.people}


def _checks(text: str, roles: str | None = None) -> dict[str, list[str]]:
    """Each family adult's checks as the rules read them (with the rules' roles unless the
    learned role classifier is asked for: these tests are about the Checks cell, and the
    classifier's reading of a name in a table row moves as its tuning texts grow)."""
    case = extract_case(text, roles=roles, status=None)
    return {p.name: p.checks for p in case.people if p.is_family_adult}


def test_a_title_goes_to_the_woman_who_bears_it() -> None:
    forms = _forms(_ADEBAYO)
    assert "Ms Adebayo" in forms["Blessing Adebayo"], forms
    assert "Ms Adebayo" not in forms["Mrs Grace Adebayo"], forms
    assert "Mrs Adebayo" in forms["Mrs Grace Adebayo"], forms


def test_the_other_title_is_not_moved() -> None:
    """The guard: with no "Ms" anywhere, "Mrs Adebayo" still reaches the one called Mrs."""
    text = _ADEBAYO.replace("I saw Ms Adebayo alone at her flat on 11/11/2024.\n", "")
    forms = _forms(text)
    assert "Mrs Adebayo" in forms["Mrs Grace Adebayo"], forms
    assert "Mrs Adebayo" not in forms["Blessing Adebayo"], forms


_TABLE = (
    "SUPERVISION RECORD 05/02/2025\n"
    "Name            | Relationship   | Seen?                | Checks\n"
    "Gemma Ashworth  | mother         | Y 28/01, alone Y     | PNC back 02/01, GP back\n"
    "Scott Teale     | father         | N - phone only 30/01 | PNC requested 20/01 - {state}\n"
    "\n"
)


def test_a_checks_cell_still_waiting_is_no_check() -> None:
    checks = _checks(_TABLE.format(state="NOT BACK"))
    assert "police" not in checks["Scott Teale"], checks
    assert "police" in checks["Gemma Ashworth"], checks


@pytest.mark.xfail(
    strict=True,
    reason="known error (docs/limitations.md): the learned role classifier, retrained with the "
    "twenty-third session's tuning texts, reads Gemma Ashworth, named in a table row whose "
    "Relationship cell says mother, as a child; the rules do not link the cell to the name",
)
def test_the_default_roles_keep_the_mother_in_the_table_an_adult() -> None:
    checks = _checks(_TABLE.format(state="NOT BACK"), roles="learned")
    assert "police" in checks["Gemma Ashworth"], checks


def test_a_checks_cell_answered_is_a_check() -> None:
    """The guard: the same row with the answer in the cell is read as done."""
    checks = _checks(_TABLE.replace("PNC requested 20/01 - {state}", "PNC back 03/02: nil"))
    assert "police" in checks["Scott Teale"], checks


_CHRONOLOGY = (
    "CHRONOLOGY - Barnes family\n"
    "Date        | Source   | Event\n"
    "09/09/2024  | Midwife  | Booking appointment; Chelsea Barnes seen alone.\n"
    "27/10/2024  | Police   | Threats to kill reported by a neighbour.\n"
    "            |          | Jordan Pike arrested and bailed to an address in Drayford.\n"
    "\n"
)


def _row_feature(text: str, name: str, kind: str) -> bool:
    state = read_state(text, load_cues(), None)
    i = next(n for n, p in enumerate(state.reader.people) if name in p.forms)
    return any(re.match(r"(?:poss:)?(?:plan:)?at=row$", k) for k in check_features(state, i, kind))


def test_a_chronology_rows_source_reaches_the_person() -> None:
    """Jordan is named only on the row's second line, whose source cell is blank."""
    assert _row_feature(_CHRONOLOGY, "Jordan Pike", "police")


def test_a_row_of_another_agency_does_not() -> None:
    assert not _row_feature(_CHRONOLOGY, "Chelsea Barnes", "police")
