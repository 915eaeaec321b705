"""Issue 14, round nineteen: a police form's "Victim - name" line names the person wherever the
label is used again; "mother of suspect" is a grandparent; "he" after what a woman reported is
not her; and the learned seen reader adds no seen on a lay person's seeing alone. Every draft
here is invented for these tests."""

from __future__ import annotations

import numpy as np

from assistant.casefile import extract_case
from assistant.casefile.cues import load_cues
from assistant.casefile.extract import read_people
from assistant.casefile.learn import RoleModel
from assistant.casefile.learn_status import StatusModel
from assistant.casefile.model import CaseFile

_FORM = (
    "PUBLIC PROTECTION NOTICE - DOMESTIC ABUSE\n"
    "Incident date/time: 01/02/2025, 22:50\n\n"
    "Victim - Sadia KHAN (29)\n"
    "Suspect - Tariq KHAN (33), husband of victim\n"
    "Other - Parveen KHAN (60), mother of suspect, lives at the address\n\n"
    "Children at address: Ayaan KHAN (5).\n\n"
    "Officers attended. The suspect's mother said nothing had happened.\n"
    "Suspect PNC: no trace.\n"
)


def _people(text: str) -> dict[str, tuple[str, list[str]]]:
    reader = read_people(text, load_cues())
    return {p.forms[0]: (p.role, list(p.forms)) for p in reader.people}


def test_a_label_after_a_spaced_hyphen_names_the_person_where_it_is_used_again() -> None:
    """ "Suspect - Tariq KHAN": "Suspect PNC: no trace" is about him, as it is after
    "Suspect: Tariq KHAN" (before round nineteen only a colon or an en dash made the link)."""
    people = _people(_FORM)
    assert "Suspect" in people["Tariq KHAN"][1]
    assert "Victim" not in people["Tariq KHAN"][1]
    case = extract_case(_FORM).to_json()
    tariq = next(p for p in case["people"] if p["name"].startswith("Tariq"))
    assert "police" in tariq["checks"]


def test_mother_of_the_suspect_is_a_grandparent_not_the_childrens_mother() -> None:
    people = _people(_FORM)
    assert people["Parveen KHAN"][0] == "grandparent"
    assert people["Sadia KHAN"][0] == "mother"
    assert people["Tariq KHAN"][0] == "father"


def test_mother_of_a_named_father_is_a_grandparent() -> None:
    people = _people(
        "Present: Sadia Khan (mother), Tariq Khan (father) and Ayaan (5).\n"
        "Parveen Khan, mother of Tariq, was seen in the kitchen.\n"
    )
    assert people["Parveen Khan"][0] == "grandparent"
    assert people["Sadia Khan"][0] == "mother"


def test_he_after_what_a_woman_reported_is_not_her() -> None:
    """ "Agnieszka said he had grabbed her": the he is the man she speaks of, so it neither
    makes her male nor is read as her (it had made her "he" and given her pronouns to the
    officer named before her)."""
    text = (
        "Officers attended. Agnieszka KOWALCZYK (30) was in the bedroom with marks to her neck.\n"
        "Through the interpreter Agnieszka said he had grabbed her by the throat. She declined "
        "to make a statement.\nTomasz WISNIEWSKI (33) is the father of Oliwia (6). Tomasz "
        "was arrested.\n"
    )
    reader = read_people(text, load_cues())
    agnieszka = next(p for p in reader.people if p.forms[0].startswith("Agnieszka"))
    assert agnieszka.gender != "m"


def test_he_after_what_a_man_said_still_makes_him_male() -> None:
    reader = read_people("Kieran Walsh and his brother came to the office.\n", load_cues())
    kieran = next(p for p in reader.people if p.forms[0].startswith("Kieran"))
    assert kieran.gender == "m"


def _always_seen() -> StatusModel:
    """A seen reader that says yes to everyone (a fake passed in, so the test is about the
    guard, not about what the labelled texts teach)."""
    sure = RoleModel(
        {"bias": 0},
        ["no", "yes"],
        np.array([[-5.0], [5.0]], dtype=np.float32),
        np.array([0.0, 0.0], dtype=np.float32),
    )
    return StatusModel(seen=sure, alone=None, checks=None)


def _seen(case: CaseFile, name: str) -> bool:
    return next(p for p in case.people if p.name == name).seen


def test_the_learned_reader_adds_no_seen_on_a_lay_persons_seeing_alone() -> None:
    """The brief counts a professional's seeing: "Caller saw mum" is not one, so even a reader
    sure she was seen may not add it; where the writer saw her, it may."""
    lay = "Contact from a neighbour, 09/01/2025. Caller saw mum in the street with a black eye."
    assert not _seen(extract_case(lay, roles=None, status=_always_seen()), "mum")
    mine = "Home visit 09/01/2025. I saw mum in the kitchen; she had a black eye."
    assert _seen(extract_case(mine, roles=None, status=_always_seen()), "mum")
