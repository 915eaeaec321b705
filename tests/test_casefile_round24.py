"""Issue 14, round twenty-four: two-letter initials that belong to one named person only ("DR"
for Dwayne Reid, recurring in a terse note) are that person, as single capitals already were;
the learned checks reader also looks at the heading a list sits under ("Police history", then
"- Leon: ABH 2011"), and reads each place's word pairs ("not seen", "phone only") and the
cues of the person's last place. Every draft here is invented for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.casefile import extract_case
from assistant.casefile.cues import load_cues
from assistant.casefile.extract import ReadState, read_state
from assistant.casefile.learn_status import check_features, person_features
from assistant.errors import CurioError

NOTE = (
    "M: Shanice Campbell, 27\n"
    "F: Dwayne Reid, 31 - lives with the family on and off\n"
    "PPN: DR had left before police arrived. DASH done with M on her own.\n"
    "Checks\n"
    "- PNC: DR - 2 previous DA call-outs, ABH 2016. M - nil.\n"
    "Analysis: DR not spoken to by anyone.\n"
)


def _person(state: ReadState, name: str) -> int:
    return next(i for i, p in enumerate(state.reader.people) if name in p.forms)


def test_two_letter_initials_of_one_named_person_are_that_person() -> None:
    case = extract_case(NOTE, roles=None)  # the rules alone
    dwayne = next(p for p in case.people if p.name == "Dwayne Reid")
    starts = {e.start for e in dwayne.evidence}
    assert NOTE.index("DR had left") in starts, dwayne.evidence
    assert "police" in dwayne.checks, dwayne.checks


def test_initials_that_two_people_share_or_a_role_code_stay_no_ones() -> None:
    shared = NOTE + "Grandfather: Derek Rowe, 66. DR visits on Sundays.\n"
    case = extract_case(shared, roles=None)
    for p in case.people:
        if p.name in ("Dwayne Reid", "Derek Rowe"):
            assert not any(shared[e.start : e.end] == "DR" for e in p.evidence), p
    # "TM" is the team manager in a note, even where someone's initials are T. M.
    tm = "M: Tina Marsh, 30\nTM agreed the plan. TM to review on Friday.\n"
    tina = next(p for p in extract_case(tm, roles=None).people if p.name == "Tina Marsh")
    assert not any(tm[e.start : e.end] == "TM" for e in tina.evidence), tina.evidence


def test_not_initials_takes_codes_of_one_or_two_capitals_and_refuses_others(
    tmp_path: Path,
) -> None:
    from assistant.casefile.cues import DEFAULT_CUES

    data = yaml.safe_load(DEFAULT_CUES.read_text(encoding="utf-8"))
    assert "TM" in load_cues().not_initials
    data["not_initials"] = ["A", "tm"]
    bad = tmp_path / "casefile.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CurioError, match="not_initials"):
        load_cues(bad)


def test_the_checks_reader_sees_the_heading_a_list_sits_under() -> None:
    text = (
        "Leon Baptiste (father) and Nadine Baptiste (mother) live with the children.\n\n"
        "Police history (summary)\n"
        "- Nadine: common assault 2019, victim not recorded.\n"
        "- Leon: ABH 2011 against an ex-partner; breach of a restraining order 2012.\n\n"
        "Health\n"
        "- Nadine: GP records show anxiety.\n"
    )
    state = read_state(text, load_cues(), None)
    leon = _person(state, "Leon")
    assert check_features(state, leon, "police").get("at=section") == 1.0
    assert "at=section" not in check_features(state, leon, "health")


def test_the_seen_reader_reads_word_pairs_and_the_last_place() -> None:
    text = (
        "Father: Dean Foster.\n"
        "Tyler was seen alone in his room.\n"
        "Dean did not attend the conference and has not been seen by any professional.\n"
    )
    state = read_state(text, load_cues(), None)
    feats = person_features(state, _person(state, "Dean"))
    assert feats.get("w2=not_been") == 0.5, sorted(feats)
    assert any(k.startswith("last:seen:neg") for k in feats), sorted(feats)
