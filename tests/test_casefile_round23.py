"""Issue 14, round twenty-three: role words that are the object of "to", "with" and the like
("disclosure to M: Scott has ...") do not name the person after the label mark, which opens
what was said; and "the father of all three children is Ionut Popescu" names the father when
the children were named before, as "Father of Kayla and Reuben: Dean Moss" already did. Every
draft here is invented for these tests."""

from __future__ import annotations

from assistant.casefile import extract_case


def _roles(text: str) -> dict[str, str]:
    """Each person's role as the rules read them (no learned classifier)."""
    return {p.name: p.role for p in extract_case(text, roles=None).people}


def test_role_words_after_to_do_not_name_the_person_after_the_mark() -> None:
    text = (
        "M: Kirsty Pearce. F: Dean Pearce. M's partner: Scott Lyle.\n"
        "19/09/2024 | DVDS disclosure to M: Scott has DA history | Police\n"
    )
    roles = _roles(text)
    assert roles["Scott Lyle"] == "partner", roles
    assert roles["Kirsty Pearce"] == "mother", roles
    # a label that opens its line still names the person after it
    assert _roles("Mother: Kirsty Pearce.\nPartner: Scott Lyle.\n")["Scott Lyle"] == "partner"


def test_the_father_of_the_named_children_is_the_man_named_after_is() -> None:
    head = "Re: Andrei Popescu (born 03/03/2016) and Ioana Popescu (born 21/11/2019)\n\n"
    body = (
        "The children's mother is Mihaela Popescu (31). The father of all three children is "
        "Ionut Popescu (34). Both parents are Romanian nationals.\n"
    )
    roles = _roles(head + body)
    assert roles["Ionut Popescu"] == "father", roles
    assert "father" not in roles, roles  # no second, unnamed father
    labelled = _roles("Children: Kai (4), Lily (2).\nFather of the children - Dean Moss.\n")
    assert labelled["Dean Moss"] == "father", labelled
