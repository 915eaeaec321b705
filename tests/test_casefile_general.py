"""The case at a glance on wording no rule was written for: the learned role classifier, dates
in the styles incident logs and minutes use, and status kept to the person a clause is about.

Every draft here is invented for these tests; none is from the tuning texts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fakes import person

from assistant.casefile import extract_case, find_dates, learn
from assistant.casefile.extract import apply_role_model, read_people
from evals.casefile import score_item

# ----------------------------------------------------------------------------- learned roles

#: Small labelled texts where a line's label, not a role word, says who someone is.
LABELLED = [
    {
        "text": f"Incident log.\nInjured party: {name} (30). Witness: {other} (50). "
        f"Children: {kid} (4).\nInjured party states the suspect left.",
        "people": [
            {"name": name, "role": "mother"},
            {"name": other, "role": "other-adult"},
            {"name": kid, "role": "child"},
        ],
    }
    for name, other, kid in [
        ("Rosa Lindqvist", "Ian Roper", "Ebba"),
        ("Marta Kowalczyk", "Sue Gant", "Olek"),
        ("Shona Baird", "Raj Mehta", "Callum"),
        ("Femi Adebayo", "Ola Berg", "Tobi"),
    ]
]


def test_a_label_the_rules_do_not_know_is_learned_from_the_labelled_people() -> None:
    model = learn.fit(learn.training_examples(LABELLED))
    assert model is not None
    text = (
        "Incident log.\nInjured party: Nadia Brennan (27). Witness: Tom Hale (52). "
        "Children: Ruby (3).\nInjured party states the suspect left.\n"
    )
    assert person(extract_case(text, roles=None), "Nadia Brennan").role == "other-adult"
    assert person(extract_case(text, roles=model), "Nadia Brennan").role == "mother"


def test_the_classifier_never_overrides_a_role_word_beside_a_name() -> None:
    model = learn.fit(learn.training_examples(LABELLED))
    assert model is not None
    text = "Incident log.\nInjured party: Nadia Brennan (27), maternal aunt. Children: Ruby (3).\n"
    reader = read_people(text)
    apply_role_model(reader, model)
    nadia = next(p for p in reader.people if p.last == "Brennan")
    assert nadia.role == "other-adult"


def test_the_second_opinion_reads_the_context_not_the_rules_votes() -> None:
    model = learn.fit_roles(learn.training_examples(LABELLED))
    assert model is not None and model.context is not None
    assert any(k.startswith("vote=") for k in model.vocab)
    assert not any(k.startswith(learn.RULE_FEATURES) for k in model.context.vocab)


def _sure_of(role: str, probability_gap: float) -> learn.RoleModel:
    """A stand-in second opinion that always names ``role``, by a chosen lead."""
    return learn.RoleModel(
        {"bias": 0},
        [role, "other-adult"],
        np.zeros((2, 1), np.float32),
        np.array([probability_gap, 0.0], np.float32),
    )


def test_a_sure_second_opinion_overrules_the_rules_only_without_a_role_word() -> None:
    from assistant.casefile.extract import apply_context_model

    text = "Referral.\nSubject: Nadia Brennan (27). Maternal aunt: Jo Hale.\nNadia said no.\n"
    reader = read_people(text)
    nadia = next(p for p in reader.people if p.last == "Brennan")
    jo = next(p for p in reader.people if p.last == "Hale")
    before = (nadia.role, jo.role)
    assert before[0] != "mother"
    apply_context_model(reader, _sure_of("mother", 0.2))  # unsure: nothing changes
    assert (nadia.role, jo.role) == before
    apply_context_model(reader, _sure_of("professional", 5.0))  # never a professional
    assert (nadia.role, jo.role) == before
    apply_context_model(reader, _sure_of("mother", 5.0))
    assert nadia.role == "mother"
    assert jo.role == before[1]  # "Maternal aunt" beside her name stands


def test_the_classifier_is_cached_as_plain_arrays_and_read_back(tmp_path: Path) -> None:
    first = learn.build(LABELLED, tmp_path)
    files = list(tmp_path.glob(f"{learn.CACHE_PREFIX}*.safetensors"))
    assert first is not None and len(files) == 1
    again = learn.build(LABELLED, tmp_path)
    assert again is not None and again.vocab == first.vocab and again.classes == first.classes
    assert np.allclose(again.coef, first.coef)
    assert first.context is not None and again.context is not None  # the second opinion too
    assert again.context.vocab == first.context.vocab
    assert np.allclose(again.context.coef, first.context.coef)
    files[0].write_bytes(b"damaged")  # a damaged cache is trained again, not an error
    assert learn.build(LABELLED, tmp_path) is not None


def test_no_labelled_texts_means_rules_alone(tmp_path: Path) -> None:
    assert learn.labelled_texts(tmp_path) == []
    assert learn.build([], tmp_path) is None


# ----------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Occurrence 14/02/2025 23:05 officers attended.", "14/02/2025 23:05"),
        ("HV visit Tuesday (11/02) with baby.", "Tuesday (11/02)"),
        ("Police called Sat 08.02.2025 by neighbour.", "Sat 08.02.2025"),
        ("Review 05.03.25. Seen at home 27.02 unannounced.", "27.02"),
        ("No contact with him since 11/24.", "11/24"),
        ("Fight at the flat 3rd Feb '25.", "3rd Feb '25"),
    ],
)
def test_dates_in_log_and_minutes_styles(text: str, written: str) -> None:
    assert written in [h.written for h in find_dates(text)]


def test_a_date_of_birth_is_an_event_read_whole() -> None:
    """A birth opens a child's chronology; writers list it as an event."""
    case = extract_case("Ellis was born 4 May 2016. Police attended on 3 March 2025.")
    assert [(e.date, e.iso) for e in case.chronology] == [
        ("4 May 2016", "2016-05-04"),
        ("3 March 2025", "2025-03-03"),
    ]
    dob = extract_case("Child: Ava Reid, DOB 11/06/2016 (8 yrs). Worry scaled at 8/10.")
    assert [(e.date, e.iso) for e in dob.chronology] == [("11/06/2016", "2016-06-11")]


def test_dotted_day_and_month_only_where_the_note_dates_with_dots() -> None:
    assert [h.written for h in find_dates("Scored 12.50 on the scale.")] == []


def test_the_scorer_reads_a_date_with_or_without_its_clock_time_as_one() -> None:
    text = "Occurrence: 14/02/2025 23:05. Officers attended."
    item = {
        "text": text,
        "people": [],
        "events": [{"date": "14/02/2025", "iso": "2025-02-14", "quote": text[:30]}],
    }
    case = extract_case(text).to_json()
    assert score_item(item, case).events_found == 1
    case["chronology"][0]["date"] = "15/02/2025"
    assert score_item(item, case).events_found == 0


@pytest.mark.parametrize(
    "labelled", ["since 14/02/2025", "DOB 14/02/2025", "14/02/2025 at 23:05", "on 14/02/2025"]
)
def test_the_scorer_reads_a_date_with_or_without_the_words_around_it_as_one(
    labelled: str,
) -> None:
    """Writers differ on whether "since", "DOB" or "at 23:05" is part of the date as written."""
    text = f"Baby Mia, {labelled}, lives with her mother."
    item = {
        "text": text,
        "people": [],
        "events": [{"date": labelled, "iso": "2025-02-14", "quote": text}],
    }
    case = extract_case(text).to_json()
    assert score_item(item, case).events_found == 1
    case["chronology"][0]["date"] = "15/02/2025"
    assert score_item(item, case).events_found == 0


# ----------------------------------------------------------------------------- status


def test_names_inside_quoted_words_take_no_status() -> None:
    text = (
        "Mother: Leanne Byrd. Father: Craig Byrd. Child: Ava Byrd (7).\n"
        'Ava told me, when seen alone at school, that "Daddy shouts at Mummy".'
    )
    case = extract_case(text)
    assert not person(case, "Craig Byrd").seen
    assert not person(case, "Leanne Byrd").seen


def test_what_a_lay_person_saw_is_no_professional_seeing() -> None:
    text = (
        "Contact from a neighbour, 09/01/2025. The neighbour says mum's partner shouts. "
        "Caller saw mum in the street on 04/01 with a black eye."
    )
    case = extract_case(text)
    assert not person(case, "mum").seen


def test_a_companion_after_with_is_seen_but_not_alone() -> None:
    text = (
        "Child: Oscar Penn (6). Grandmother: Mrs Irene Penn.\n"
        "I saw Oscar at home with Mrs Penn and separately at school."
    )
    case = extract_case(text)
    assert person(case, "Mrs Irene Penn").seen
    assert not person(case, "Mrs Irene Penn").seen_alone  # "separately" is Oscar's


def test_every_sentence_on_a_plan_line_is_still_to_happen() -> None:
    text = (
        "Family: Gail Rooke (mother), her partner Stuart Venn.\n"
        "Police check returned one call-out.\n"
        "Actions: 1. Visit by 07/03. 2. Probation check on Stuart. 3. Review on 13/03."
    )
    case = extract_case(text)
    assert "probation" not in person(case, "Stuart Venn").checks


def test_a_line_label_names_its_person_where_it_is_used_again() -> None:
    text = (
        "MARAC referral.\nVictim: Mrs Parveen Akhtar. Perpetrator: Mr Tariq Akhtar (husband).\n"
        "Children: Sana (9).\nDASH: HIGH. Victim seen alone by IDVA at the GP surgery."
    )
    case = extract_case(text)
    parveen = person(case, "Mrs Parveen Akhtar")
    assert "Victim" in parveen.aliases and parveen.seen and parveen.seen_alone
    assert not person(case, "Mr Tariq Akhtar").seen


def test_a_cue_after_its_subject_is_not_the_next_persons() -> None:
    text = (
        "Lives with M (Ms Dana Holt) and F (Mr Rob Holt).\n"
        "F seen alone 17/07/23: described M shouting at him most nights.\n"
        "M seen 18/07/23 at home."
    )
    # the rules' binding of a cue to its subject; the learned readers' second opinion is
    # scored held out (with 35 tuning files they read M as alone here at 0.52, against 0.5)
    case = extract_case(text, status=None)
    assert person(case, "Mr Rob Holt").seen_alone
    assert person(case, "Ms Dana Holt").seen and not person(case, "Ms Dana Holt").seen_alone


def test_no_record_for_either_parent_is_both_parents_check() -> None:
    text = (
        "Child: Ivy Marsh (6), lives with M (Ms Jo Marsh) and F (Mr Lee Marsh).\n"
        "Checks: PNC - no record for either parent."
    )
    case = extract_case(text)
    assert person(case, "Ms Jo Marsh").checks == ["police"]
    assert person(case, "Mr Lee Marsh").checks == ["police"]


def test_a_quoted_name_after_role_words_is_their_holder() -> None:
    text = (
        "Home visit 12/08/25. Seen: M (Toni Ward), Destiny (12).\n"
        'M has a new bf "Dre" - not present. No one has met him.'
    )
    case = extract_case(text)
    assert person(case, "Dre").role == "new-partner"
    assert not person(case, "Dre").seen


def _leaning(role: str, gap: float, others: tuple[str, ...]) -> learn.RoleModel:
    """A stand-in classifier that leans to ``role`` over ``others`` by a chosen score gap."""
    classes = [role, *others]
    return learn.RoleModel(
        {"bias": 0},
        classes,
        np.zeros((len(classes), 1), np.float32),
        np.array([gap] + [0.0] * len(others), np.float32),
    )


def test_a_man_with_no_role_word_is_made_a_grandparent_only_on_a_sure_call() -> None:
    """A grandparent, like a professional, is left off the review's check on the adult
    causing harm who was never seen or checked: a weak lean must not take him off it."""
    text = (
        "Home visit to Kayla (4) and her mother, Dawn Price.\n"
        "Dean Hale moved out in June after police were called.\n"
    )
    others = ("professional", "child", "father")
    weak = _leaning("grandparent", 0.3, others)  # about 0.32: above min_probability
    assert 0.2 < weak.best({"bias": 1.0})[1] < 0.4
    reader = read_people(text)
    apply_role_model(reader, weak)
    dean = next(p for p in reader.people if p.last == "Hale")
    assert dean.role != "grandparent"
    sure = _leaning("grandparent", 3.0, others)
    reader = read_people(text)
    apply_role_model(reader, sure)
    assert next(p for p in reader.people if p.last == "Hale").role == "grandparent"
