"""Round twelve of the case file (roles): the learned classifier overruling a role word only
when it is much surer, and the owner of a role word looked for again once every person is
placed ("Mrs Ade's sister" read before "Mrs Ade" was attached, "F's brother" before "F" was
placed). Invented sentences."""

from __future__ import annotations

import numpy as np

from assistant.casefile import extract_case
from assistant.casefile.extract import apply_role_model, read_people
from assistant.casefile.learn import RoleModel


def _roles(text: str) -> dict[str, str]:
    return {p.name: p.role for p in extract_case(text, roles=None).people}


def _always(role: str, sureness: float) -> RoleModel:
    """A classifier that always says ``role``, with about this probability."""
    classes = ["other-adult", "professional", "sibling", role]
    classes = sorted(set(classes))
    rest = (1 - sureness) / (len(classes) - 1)
    intercept = np.log(np.array([sureness if c == role else rest for c in classes]))
    return RoleModel({"bias": 0}, classes, np.zeros((len(classes), 1)), intercept)


TEXT = (
    "Visit to Kerry Dunn and Jack (6). Kerry's friend Zoe Platt was there. His sister, Mia "
    "Dunn, was at school."
)


def _after(model: RoleModel) -> dict[str, str]:
    reader = read_people(TEXT)
    apply_role_model(reader, model)
    return {p.label: p.role for p in reader.people}


def test_a_sure_classifier_overrules_a_role_word() -> None:
    assert {p.label: p.role for p in read_people(TEXT).people}["Mia Dunn"] == "sibling"
    after = _after(_always("other-adult", 0.9))
    assert after["Mia Dunn"] == "other-adult"


def test_an_unsure_classifier_leaves_the_role_word() -> None:
    # sure enough for a person with no role word (0.4), not for one with a role word
    assert _after(_always("other-adult", 0.5))["Mia Dunn"] == "sibling"


def test_the_classifier_never_overrules_a_role_word_to_say_professional() -> None:
    assert _after(_always("professional", 0.95))["Mia Dunn"] == "sibling"


def test_the_classifier_never_swaps_the_subject_child_and_a_sibling() -> None:
    # which child is the subject is read from the labels, which the classifier hardly sees
    assert _after(_always("child", 0.95))["Mia Dunn"] == "sibling"


def test_a_sister_of_a_titled_mother_attached_later_is_another_adult() -> None:
    # "Mrs Ade" joins Funmi Ade only after the role words are read; her sister is an aunt
    roles = _roles(
        "Home visit to Tunde Ade and Funmi Ade with their son Tobi (5). Mr Ade was calm. Mrs Ade's "
        "sister, Kemi, is said to be a support but has not been spoken to."
    )
    assert roles["Kemi"] == "other-adult"


def test_a_brother_of_a_parent_written_by_letter_is_another_adult() -> None:
    # "F" is placed after the role words beside names are bound
    roles = _roles(
        "F attended contact at the family centre. F's brother, Sam, waited in the car. M was "
        "not present."
    )
    assert roles["Sam"] == "other-adult"


def test_a_brother_of_the_child_stays_a_sibling() -> None:
    roles = _roles(
        "Leo (7) was seen at school. He said his brother, Sam (12), walks him home. M was "
        "seen later."
    )
    assert roles["Sam"] == "sibling"


def test_a_weak_lead_decides_for_someone_with_no_role_word() -> None:
    text = "Visit to Kerry Dunn and Jack (6). Dean Cole answered the door and left."
    reader = read_people(text)
    assert {p.label: p.role for p in reader.people}["Dean Cole"] == "other-adult"
    apply_role_model(reader, _always("new-partner", 0.3))
    assert {p.label: p.role for p in reader.people}["Dean Cole"] == "new-partner"
