"""Round thirteen, roles: the role classifier's thresholds in prompts/casefile.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import cue_file_with

from assistant.casefile.cues import ROLE_THRESHOLDS, load_cues
from assistant.errors import CurioError


def test_role_thresholds_are_read_from_the_cue_words() -> None:
    t = load_cues().role_thresholds
    assert set(t) == set(ROLE_THRESHOLDS)
    assert all(0 <= v <= 1 for v in t.values())
    assert t["min_probability_professional"] > t["min_probability"]


@pytest.mark.parametrize("bad", ["1.5", "-0.1", "high", "true", "[0.5]"])
def test_a_bad_role_threshold_is_one_line_naming_the_key(tmp_path: Path, bad: str) -> None:
    path = cue_file_with(tmp_path, "  word_min_margin: 0.55\n", f"  word_min_margin: {bad}\n")
    with pytest.raises(CurioError) as err:
        load_cues(path)
    assert "role_thresholds.word_min_margin" in err.value.message
    assert "\n" not in err.value.message


def test_a_missing_role_threshold_fails_to_load(tmp_path: Path) -> None:
    path = cue_file_with(tmp_path, "  context_min_margin: 0.4\n", "")
    with pytest.raises(CurioError, match="role_thresholds.context_min_margin"):
        load_cues(path)


def test_the_thresholds_decide_when_the_classifier_overrules(tmp_path: Path) -> None:
    """The same sure classifier overrules a role word at the shipped thresholds and not when
    the cue words ask for more certainty than it has."""
    import numpy as np

    from assistant.casefile.extract import apply_role_model, read_people
    from assistant.casefile.learn import RoleModel

    text = "I visited Ben (4) at home. His sister Kim Lowe answered the door."
    vocab = {"bias": 0}
    classes = ["other-adult", "sibling"]
    weights = np.array([[3.0], [0.0]], np.float32)  # always another adult, at 0.95
    model = RoleModel(vocab, classes, weights, np.zeros(2, np.float32))
    reader = read_people(text)
    kim = next(p for p in reader.people if p.first == "Kim")
    assert kim.role == "sibling"
    apply_role_model(reader, model)
    assert kim.role == "other-adult"
    strict = load_cues(
        cue_file_with(tmp_path, "  word_min_probability: 0.55\n", "  word_min_probability: 0.99\n")
    )
    reader = read_people(text, strict)
    kim = next(p for p in reader.people if p.first == "Kim")
    apply_role_model(reader, model)
    assert kim.role == "sibling"


# ----------------------------------------------------------------------------- the unborn baby


def _people(text: str) -> dict[str, str]:
    from assistant.casefile import extract_case

    return {p.name: p.role for p in extract_case(text, roles=None).people}


def test_an_unborn_baby_listed_after_named_children_is_a_person_of_their_own() -> None:
    people = _people(
        "Children: Rosie Hart (6), Alfie Hart (2), unborn baby (EDD 14/09/2025)\n"
        "Mother: Gemma Hart\nGemma was seen at home on 02/05.\n"
    )
    assert people.get("unborn baby") == "child"
    assert people.get("Alfie Hart") == "child"


def test_the_father_of_an_unborn_baby_label_keeps_the_baby() -> None:
    people = _people(
        "Mother: Nadia Fisher, 20\nFather of unborn baby: Owen Price, 24\n"
        "Other children: Kai Fisher (3)\nNadia was seen at the clinic.\n"
    )
    assert people.get("Owen Price") == "father"
    assert people.get("unborn baby") == "child"


def test_the_unborn_baby_and_the_unborn_child_are_one_person() -> None:
    from assistant.casefile import extract_case

    case = extract_case(
        "Children: Ruby Shaw (5), unborn baby\nSara Shaw (mother) is 30 weeks pregnant. "
        "Her unborn child is due in June.\n",
        roles=None,
    )
    unborn = [p for p in case.people if "unborn" in " ".join([p.name, *p.aliases]).lower()]
    assert len(unborn) == 1 and unborn[0].role == "child"
    assert "Her unborn child" in [unborn[0].name, *unborn[0].aliases]
