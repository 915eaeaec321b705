"""The name a person goes by, written right after their name, is that person, not a second
one: a quoted name in brackets, or a name after "known as", "called", "aka" (cue words in
prompts/casefile.yaml). Every sentence is invented."""

from __future__ import annotations

import pytest
from fakes import person

from assistant.casefile import extract_case


@pytest.mark.parametrize(
    ("text", "name", "nick"),
    [
        ('Mum\'s partner Kieran ("Kez") arrived later. Kez was friendly.', "Kieran", "Kez"),
        ("Mum's partner Kieran, known as Kez, was present. Kez refused to go.", "Kieran", "Kez"),
        (
            "Mother's partner: Darren Kettering (known as Daz). Daz was not seen.",
            "Darren Kettering",
            "Daz",
        ),
        (
            "Her partner Ruairi Byrne (called Roo by the children) was not at home. "
            "Roo has not been checked.",
            "Ruairi Byrne",
            "Roo",
        ),
    ],
)
def test_a_nickname_after_a_name_is_the_same_person(text: str, name: str, nick: str) -> None:
    case = extract_case(text, roles=None)
    names = [p.name for p in case.people]
    assert nick not in names
    assert nick in person(case, name).aliases


def test_a_bracket_without_a_cue_or_quotes_is_not_a_nickname() -> None:
    case = extract_case(
        "Mum's partner Kieran (Lee's cousin) was present. Lee was at work.", roles=None
    )
    assert "Lee" not in person(case, "Kieran").aliases


@pytest.mark.parametrize(
    "text",
    [
        "Her partner Kieran, called Dean and asked him to leave. Dean left at nine.",
        "Her partner Kieran (called Dean at 9pm to come home) was upset. Dean came back.",
    ],
)
def test_called_as_a_verb_is_not_a_nickname(text: str) -> None:
    case = extract_case(text, roles=None)
    assert "Dean" not in person(case, "Kieran").aliases
    assert "Dean" in [p.name for p in case.people]
