"""Issue 14, round eighteen: an M or F on a police form's victim or suspect line is the
person's sex, not mother or father. Every draft here is invented for these tests."""

from __future__ import annotations

from assistant.casefile.cues import load_cues
from assistant.casefile.extract import read_people


def _forms(text: str) -> dict[str, tuple[str, list[str]]]:
    reader = read_people(text, load_cues())
    return {p.forms[0]: (p.role, list(p.forms)) for p in reader.people}


def test_m_or_f_on_a_police_forms_victim_line_is_the_persons_sex() -> None:
    """ "Victim: Nasreen AKHTAR (F, 31)": F is her sex; before round eighteen it made her the
    father, and "M" made the suspect the mother."""
    people = _forms(
        "Victim: Nasreen AKHTAR (F, 31)\nSuspect: Imran AKHTAR (M, 35) - husband\n"
        "Children: Sami AKHTAR (6)\n"
    )
    assert "F" not in people["Nasreen AKHTAR"][1]
    assert people["Nasreen AKHTAR"][0] == "mother"  # the one woman, where there are children
    assert "M" not in people["Imran AKHTAR"][1]
    assert people["Imran AKHTAR"][0] == "father"  # "- husband" beside his name


def test_m_after_a_name_in_a_family_list_is_still_the_mother() -> None:
    people = _forms("Family: Shauna Reilly (M, 23), Kyle Dent (F, 25), Ruby (2).\n")
    assert people["Shauna Reilly"][0] == "mother"
    assert people["Kyle Dent"][0] == "father"
