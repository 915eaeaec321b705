"""Issue 14, round eleven: checks set out by the structure of a document, not one sentence:
an agency's heading or label and the paragraph under it, an agency's message in a thread of
replies, a table of checks; whose check it is (the person each answer opens with, not the
victim it names) and pending against returned. Every draft here is invented; each test fails
on the rules of round ten but two, which guard against the new readings going too far (the
victim named in an answer about him, a person not yet checked inside an agency's section)."""

from __future__ import annotations

from fakes import person

from assistant.casefile import extract_case


def _checks(text: str, name: str) -> list[str]:
    return person(extract_case(text, roles=None), name).checks


# --------------------------------------------------------------------------- agency sections

_SECTION = (
    "STRATEGY DISCUSSION\n"
    "Mother: Ms Holly Vance. Father: Mr Rhys Pardoe. Uncle: Owen Vance.\n\n"
    "Police (DC Amble): Mr Pardoe - two DA call-outs in 2023. Ms Vance - victim only.\n"
    "Maternal uncle Owen Vance - not yet checked.\n"
)


def test_each_person_an_agency_section_opens_a_line_with_has_its_check() -> None:
    assert "police" in _checks(_SECTION, "Ms Holly Vance")
    assert "police" in _checks(_SECTION, "Mr Rhys Pardoe")


def test_a_person_not_yet_checked_inside_an_agency_section_has_no_check() -> None:
    assert "police" not in _checks(_SECTION, "Owen Vance")


def test_a_heading_on_its_own_line_covers_the_paragraph_under_it() -> None:
    text = (
        "Mother: Ms Nadia Crowe. Grandmother: Mrs Edna Crowe. Grandfather: Mr Stan Crowe.\n\n"
        "Police (DS Lyle)\n"
        "One call-out in 2022, no offences.\n"
        "Nothing on PNC for Ms Crowe or the grandparents.\n"
    )
    for name in ("Ms Nadia Crowe", "Mrs Edna Crowe", "Mr Stan Crowe"):
        assert "police" in _checks(text, name)


def test_the_victim_named_inside_an_answer_about_him_is_not_checked() -> None:
    text = (
        "Father: Mr Joel Marr. Mother: Ms Fern Ladd.\n"
        "Probation (OM Tait): Mr Marr is subject to licence for assault on Ms Ladd.\n"
    )
    assert "probation" in _checks(text, "Mr Joel Marr")
    assert "probation" not in _checks(text, "Ms Fern Ladd")


# --------------------------------------------------------------------------- replies in a thread


def test_each_agency_message_in_a_thread_answers_for_those_it_opens_lines_with() -> None:
    text = (
        "Subject: RE: information request - Tilly Voss (6)\n\n"
        "From: Ana Brook, Social Worker\n"
        "Mother Ms Greta Voss; her partner Mr Dale Kemp. Please share what you hold.\n\n"
        "From: PC Ross Hill, PPU, Northshire Police\n"
        "Dale KEMP - PNC: harassment 2019.\n"
        "Greta VOSS - no trace.\n\n"
        "From: Reception, Elm Row Surgery\n"
        "Greta Voss - registered, anxiety noted 2024.\n"
        "We cannot share anything about Dale Kemp without consent.\n"
    )
    assert set(_checks(text, "Ms Greta Voss")) >= {"police", "health"}
    assert "police" in _checks(text, "Mr Dale Kemp")
    assert "health" not in _checks(text, "Mr Dale Kemp")


# --------------------------------------------------------------------------- tables


def test_a_table_with_agencies_as_its_columns_gives_each_row_its_answers() -> None:
    text = (
        "Mother: Ms Lena Holt. Father: Mr Ivan Holt.\n\n"
        "Person | Police | Health | Probation\n"
        "Ms Holt | nil | GP: depression 2023 | -\n"
        "Mr Ivan Holt | one caution | requested 02/03 - outstanding | no reply\n"
    )
    assert set(_checks(text, "Ms Lena Holt")) == {"police", "health"}
    assert _checks(text, "Mr Ivan Holt") == ["police"]


def test_a_table_with_a_column_of_agencies_reads_each_response() -> None:
    text = (
        "Mother: Ms Kit Rowe. Partner: Mr Ade Lunn.\n\n"
        "Agency | Person | Response\n"
        "Police | Mr Lunn | Returned 09/06: arrested 2022, NFA.\n"
        "GP | Ms Rowe | Returned 10/06: seen with a sprained wrist.\n"
        "GP | Mr Lunn | Requested 06/06, not yet returned.\n"
    )
    assert "police" in _checks(text, "Mr Ade Lunn")
    assert "health" in _checks(text, "Ms Kit Rowe")
    assert "health" not in _checks(text, "Mr Ade Lunn")


def test_not_checked_is_a_check_still_to_come() -> None:
    text = "Father: Mr Omar Lint.\nPolice check on Mr Lint: not checked yet.\n"
    assert "police" not in _checks(text, "Mr Omar Lint")
