"""Round fourteen, roles: a named adult's relative is someone of their own, an unnamed
neighbour is a person, and the unborn baby's cue words are in prompts/casefile.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import cue_file_with

from assistant.casefile.cues import load_cues
from assistant.casefile.extract import extract_case
from assistant.errors import CurioError


def _roles(text: str) -> dict[str, str]:
    return {p.name: p.role for p in extract_case(text, roles=None).people}


def test_a_named_womans_mother_is_not_her() -> None:
    """ "Dana's mother" before Dana is placed as the mother is Dana's mother (a grandparent),
    not a second mention of Dana."""
    case = extract_case(
        "Dana Frost lives with Milo (4). Dana's mother helps most afternoons.", roles=None
    )
    dana = next(p for p in case.people if p.name == "Dana Frost")
    assert dana.role == "mother"
    assert "mother" not in dana.aliases
    assert [p.role for p in case.people if p.name == "mother"] == ["grandparent"]


def test_the_unnamed_mother_is_still_the_one_roleless_woman() -> None:
    roles = _roles("Mother said Milo (4) sleeps well. Dana Frost agreed to a further visit.")
    assert roles.get("Dana Frost") == "mother"


def test_an_unnamed_neighbour_is_a_person_of_their_own() -> None:
    roles = _roles("Dana Frost (mother) was out. A neighbour was minding Milo (4) that night.")
    assert roles.get("neighbour") == "other-adult"
    assert roles.get("Dana Frost") == "mother"


def test_unborn_cues_are_read_from_the_cue_words(tmp_path: Path) -> None:
    assert load_cues().unborn.match("the unborn baby")
    path = cue_file_with(tmp_path, 'unborn_cues: "', 'unborn_cues: "(unclosed|')
    with pytest.raises(CurioError, match="unborn_cues"):
        load_cues(path)
