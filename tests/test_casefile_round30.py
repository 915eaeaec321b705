"""Issue 14, round thirty: the checks reader sees what a check line that names no family adult
says ("Police: two call-outs to the address"), and which two adults the draft is mostly about;
the trees learn by role whose check such a line is (some writers count it for both parents,
some for the man alone). And a woman the draft names with her own young child ("Ellie Carter
and her son Jayden (5)") is that child's mother: the role classifiers may not make her a
grandparent (retrained on new tuning data with another change, the classifier once read the
suite's duty-note mother so). Every draft and name here is invented for these tests."""

from __future__ import annotations

import numpy as np

from assistant.casefile.cues import load_cues
from assistant.casefile.extract import apply_role_model, names_her_child, read_people, read_state
from assistant.casefile.learn import RoleModel
from assistant.casefile.learn_status import check_features

LOOSE = (
    "Mother: Senna Tafari. Father: Dawit Haile. Grandmother: Ruth Haile.\n"
    "Police: two previous call-outs to the address, no convictions.\n"
    "Senna Tafari and Dawit Haile were seen at home on 3 May; Dawit Haile said little.\n"
)
NAMED = "Mother: Senna Tafari. Father: Dawit Haile.\nPolice: Dawit Haile - one call-out.\n"


def _features(text: str, name: str, kind: str = "police") -> dict[str, float]:
    state = read_state(text, load_cues(), None)
    i = next(n for n, p in enumerate(state.reader.people) if name in p.forms)
    return check_features(state, i, kind)


def test_a_check_line_naming_no_adult_reaches_each_adult_with_its_role() -> None:
    for name, role in (("Senna Tafari", "mother"), ("Dawit Haile", "father")):
        f = _features(LOOSE, name)
        assert f["loose"] == 1.0 and f["loose:answer"] == 1.0, sorted(f)
        assert f["loose^role=" + role] == 1.0  # paired with the role, so the trees weigh it so
        assert f["main"] == 1.0  # one of the two adults the draft is mostly about
    assert "main" not in _features(LOOSE, "Ruth Haile")  # named once, in the list


def test_a_check_line_that_names_an_adult_is_not_loose() -> None:
    for name in ("Senna Tafari", "Dawit Haile"):
        f = _features(NAMED, name)
        assert not any(k.startswith("loose") or "^loose" in k for k in f), sorted(f)


def test_a_kind_the_draft_never_mentions_gives_no_loose_cue() -> None:
    f = _features(LOOSE, "Senna Tafari", kind="probation")
    assert not any("loose" in k for k in f), sorted(f)


def _always_grandparent() -> RoleModel:
    return RoleModel(
        vocab={},
        classes=["grandparent", "mother"],
        coef=np.zeros((2, 0)),
        intercept=np.array([6.0, 0.0]),
    )


def _role(text: str, form: str) -> str:
    reader = read_people(text)
    apply_role_model(reader, _always_grandparent())
    return next(p for p in reader.people if form in p.forms).role


def test_a_woman_named_with_her_young_son_stays_his_mother() -> None:
    text = "Visited Ellie Carter and her son Jayden (5). Jayden was seen alone."
    assert _role(text, "Ellie Carter") == "mother"


def test_without_her_child_named_the_fake_classifier_does_make_her_a_grandparent() -> None:
    # the control: the same fake moves a woman with no child of her own named
    text = "Visited Ellie Carter at the flat. Jayden (5) was seen alone."
    assert _role(text, "Ellie Carter") == "grandparent"


def test_a_womans_adult_son_does_not_make_her_a_mother() -> None:
    reader = read_people("Pauline Carter and her son Owen Carter (34) attended. Jayden is 5.")
    pauline = next(p for p in reader.people if "Pauline Carter" in p.forms)
    assert not names_her_child(reader, pauline)
