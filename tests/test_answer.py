"""The offline ask composer (assistant/answer.py): rules as data, question analysis, sentence
choice, whose words, and declining on what is asked.

Unit tests hand the composer small invented passages carrying kinds (law, statutory guidance,
invented example, Curio's own prompt) through a fake retriever; the embedding model is the real
one. The last tests build a real index from a folder holding one invented council procedure.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fakes import FakeRetriever, invented_hit

from assistant.answer import (
    Composer,
    Library,
    SentenceVectors,
    analyse,
    kind_label,
    load_ask_rules,
    place_label,
)
from assistant.errors import CurioError
from assistant.settings import REPO_ROOT
from assistant.types import Hit

PROMPTS = REPO_ROOT / "prompts"


hit = invented_hit  # kind "", jurisdiction "england" unless a test says


def composer(embedder: Any, rules: Any, hits: list[Hit], tmp_path: Path | None = None):
    return Composer(embedder, rules, Library(FakeRetriever(hits)), cache_dir=tmp_path)


def answer(embedder: Any, rules: Any, question: str, hits: list[Hit]):
    c = composer(embedder, rules, hits)
    comp = c.compose(question, hits)
    return comp, c.render(comp)


def markers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", text)}


# ---------------------------------------------------------------------------- rules as data


def test_rules_load_and_a_bad_edit_fails_with_one_line(tmp_path: Path, rules) -> None:
    assert rules.support_below > 0 and set(rules.kinds) >= {"law", "practice-prompt"}
    assert len(rules.places) > 100 and rules.glossary
    for name in ("ask_rules.yaml", "ask_places.txt", "not_names.yaml"):
        shutil.copy(PROMPTS / name, tmp_path / name)
    good = (tmp_path / "ask_rules.yaml").read_text()
    (tmp_path / "ask_rules.yaml").write_text(good.replace("support_below: ", "support_belo: "))
    with pytest.raises(CurioError, match="lacks the key 'support_below'"):
        load_ask_rules(tmp_path)
    (tmp_path / "ask_rules.yaml").write_text(
        good.replace("leans_back: '", "leans_back: '(unclosed")
    )
    with pytest.raises(CurioError, match="leans_back is not a valid regular expression"):
        load_ask_rules(tmp_path)
    (tmp_path / "ask_rules.yaml").write_text(
        good.replace("research: practice-guidance", "research: gossip")
    )
    with pytest.raises(CurioError, match="unknown kind"):
        load_ask_rules(tmp_path)
    (tmp_path / "ask_rules.yaml").write_text(good.replace("  lexical: 0.", "  lexical: 9"))
    with pytest.raises(CurioError, match="weights.lexical must be a number"):
        load_ask_rules(tmp_path)
    (tmp_path / "ask_rules.yaml").write_text(good)
    (tmp_path / "ask_places.txt").unlink()
    with pytest.raises(CurioError, match="place list .* is missing"):
        load_ask_rules(tmp_path)


def test_build_curio_checks_the_rules_at_start_up(make_settings, tmp_path: Path) -> None:
    from assistant.chat import build_curio

    for p in PROMPTS.iterdir():
        if p.is_file():
            shutil.copy(p, tmp_path / p.name)
    (tmp_path / "ask_rules.yaml").write_text("weights: [not, a, mapping]\n")
    with pytest.raises(CurioError, match="ask_rules.yaml"):
        build_curio(make_settings(prompts_dir=tmp_path))


# ---------------------------------------------------------------------------- the question


@pytest.mark.parametrize(
    ("question", "wants"),
    [
        ("How long does a DVPO last?", "duration"),
        ("We had the strat on Monday - how long have we got to hold the ICPC?", "duration"),
        ("What's the maximum sentence for coercive control?", "number"),
        ("When did Operation Encompass become law?", "date"),
        ("Which bit of the Data Protection Act covers safeguarding?", "provision"),
        ("What are the four functions of supervision?", "enumeration"),
        ("Mum wants me to ask dad first. Should I?", "deontic"),
        ("What is the one chance rule?", "definition"),
        ("Who developed the Safe and Together model?", "agent"),
    ],
)
def test_question_types(rules, question: str, wants: str) -> None:
    assert wants in analyse(question, rules).wants


def test_a_list_or_a_number_is_not_asked_as_a_definition(rules) -> None:
    prof = analyse("What is the maximum penalty for breaching a DAPO?", rules)
    assert "definition" not in prof.wants
    assert analyse("What is the one chance rule?", rules).defines == ("one", "chanc")


def test_glossary_adds_the_guidance_words(rules) -> None:
    expanded = rules.expand("Dad moved out after the ICPC and the C&F")
    assert "father" in expanded and "initial child protection conference" in expanded
    assert "child and family assessment" in expanded
    assert expanded.startswith("Dad (father)")


def test_jurisdictions_and_places_named_in_a_question(rules) -> None:
    assert [
        j.id for j in analyse("How long does a CPO last in Scotland?", rules).jurisdictions
    ] == ["scotland"]
    assert not analyse("Does the Act apply in England and Wales?", rules).jurisdictions
    assert [p for p, _ in analyse("What is Kent's MARAC threshold?", rules).places] == ["Kent"]
    assert [p for p, _ in analyse("what is kent's marac threshold?", rules).places] == ["Kent"]
    assert not analyse("Devon's dad has moved out. Can we close the case?", rules).places
    assert not analyse("Mr Preston has a bail condition. Is that enough?", rules).places
    named = analyse("What does Westmoor Borough Council say about MARAC?", rules).places
    assert [p for p, _ in named] == ["Westmoor"]
    assert not analyse("What does the MASH do with a referral?", rules).places
    assert analyse("How many MARAC referrals did Devon make last year?", rules).statistics
    assert not analyse("How many questions are on the Dash?", rules).statistics


def test_an_english_place_in_the_story_does_not_make_the_question_local(rules) -> None:
    """Where a child was found sets the scene; the question after it is national. A place in
    another nation still makes the question about there, wherever it is named."""
    story = analyse("Found in Birmingham, we're in Stoke. By when is the return interview?", rules)
    assert not story.places and {p for p, _ in story.story_places} == {"Birmingham", "Stoke"}
    asked = analyse("Found last night. What is Birmingham's return interview timescale?", rules)
    assert [p for p, _ in asked.places] == ["Birmingham"]
    abroad = analyse("I've moved to a team in Glasgow. How soon is an IRD held?", rules)
    assert [p for p, _ in abroad.places] == ["Glasgow"]
    assert analyse("We're in Leeds. How many MARAC cases were there last year?", rules).statistics


# ---------------------------------------------------------------------------- choosing sentences


LAW = (
    "The Crime and Security Act 2010 created Domestic Violence Protection Orders. "
    "A Domestic Violence Protection Order (DVPO) lasts between 14 and 28 days. "
    "The order can stop the abuser going back to the home."
)
EXAMPLE = (
    "This is an invented example for the starter library. "
    "In Westmoor a Domestic Violence Protection Order is reviewed by the team manager within "
    "2 days."
)
PROMPT = "Ask who will tell the school when a Domestic Violence Protection Order ends."


def test_the_answer_opens_with_the_sentence_that_answers(embedder, rules) -> None:
    hits = [hit(0, EXAMPLE, "invented-example", 0.7), hit(1, LAW, "law", 0.6)]
    comp, ans = answer(embedder, rules, "How long does a DVPO last?", hits)
    assert not ans.declined
    first = ans.text.splitlines()[0]
    assert "14 and 28 days" in first and first.endswith("[1]")
    assert ans.citations[0].source == "doc1.md" and ans.citations[0].kind == "law"
    assert markers(ans.text) == set(range(1, len(ans.citations) + 1))
    assert comp.picks[0].kind == "law"


def test_invented_examples_and_own_prompts_are_labelled_and_never_open(embedder, rules) -> None:
    own = (
        "Domestic Violence Protection Orders give a short breathing space.\n\n"
        "What it means for practice: a Domestic Violence Protection Order ends after weeks, so "
        "plan for the day it ends."
    )
    hits = [
        hit(0, PROMPT, "practice-prompt", 0.75),
        hit(1, EXAMPLE, "invented-example", 0.7),
        hit(2, own, "statutory-guidance", 0.65),
        hit(3, LAW, "law", 0.6),
    ]
    comp, ans = answer(embedder, rules, "What should I know about a DVPO ending?", hits)
    assert not ans.declined
    assert comp.picks[0].quote_as == "source"
    for line in ans.text.splitlines():
        if "school when a Domestic Violence" in line or "plan for the day it ends" in line:
            assert line.lstrip("- ").startswith("Curio's own prompt, not the source's words:")
        if "Westmoor" in line:
            assert "Invented example:" in line or "invented example" in line.lower()
    assert "What it means for practice" not in ans.text  # Curio's label replaces its own heading


def test_a_sentence_that_leans_back_is_quoted_with_the_one_before(embedder, rules) -> None:
    text = (
        "Occupation orders decide who may live in the family home. "
        "They can require the abusive person to leave the home."
    )
    c = composer(embedder, rules, [hit(0, text, "law")])
    units = c.units([hit(0, text, "law")])
    first, second = text.split(" They ")
    assert any(u.parts == (first, "They " + second) for u in units)
    piloted = "DAPOs are being piloted. The pilot began in three areas in 2024."
    assert any(len(u.parts) == 2 for u in c.units([hit(1, piloted, "law")]))


def test_a_chain_of_leaning_sentences_is_quoted_from_its_start(embedder, rules) -> None:
    """ "None, on its own, ..." leans on "Each is recorded...", which leans on the sentence that
    says what "each" is: the last is quoted with both, up to ``lean_chain`` sentences."""
    a = "A parent attends every appointment, agrees with the plan and finishes a course."
    b = "Each is recorded as progress."
    c_ = "None, on its own, shows that the child is safer."
    text = f"{a} {b} {c_}"
    units = composer(embedder, rules, []).units([hit(0, text, "practice-guidance")])
    assert rules.lean_chain >= 3
    assert any(u.parts == (a, b, c_) for u in units)
    two = dataclasses.replace(rules, lean_chain=2)
    units = composer(embedder, two, []).units([hit(0, text, "practice-guidance")])
    assert not any(len(u.parts) > 2 for u in units)
    assert any(u.parts == (b, c_) for u in units)
    # a chain too long to quote keeps the pair rather than losing the sentence
    short = dataclasses.replace(rules, max_chars=len(f"{b} {c_}") + 5)
    units = composer(embedder, short, []).units([hit(0, text, "practice-guidance")])
    assert any(u.parts == (b, c_) for u in units)
    assert not any(len(u.parts) > 2 for u in units)


def test_a_list_is_offered_whole_and_its_announcement_never_alone(embedder, rules) -> None:
    text = (
        "The Panel made three recommendations.\n\nFirst, engage fathers in every programme.\n\n"
        "Second, fund a pilot for expectant fathers.\n\nThird, research the triggers for harm."
    )
    units = composer(embedder, rules, []).units([hit(0, text, "national-review")])
    whole = [u for u in units if "First" in u.text and "Third" in u.text]
    assert whole and whole[0].text.startswith("The Panel made three recommendations.")
    assert "The Panel made three recommendations." not in [u.text for u in units]


# ---------------------------------------------------------------------------- declining


def test_declines_what_the_library_cannot_know(embedder, rules) -> None:
    hits = [hit(0, LAW, "law", 0.6), hit(1, EXAMPLE, "invented-example", 0.5)]
    cases = {
        "How long does a DVPO last in Scotland?": ("jurisdiction", "Scotland"),
        "What is Eastshire County Council's rule on DVPOs?": ("place", "Eastshire"),
        "How many DVPOs did Kent police get last year?": ("statistics", "Kent"),
        "How much does it cost to apply for a DVPO?": ("topic", "fees"),
        "What's the phone number for the DVPO team at the council?": ("topic", "contact"),
    }
    for question, (reason, word) in cases.items():
        comp, ans = answer(embedder, rules, question, hits)
        assert ans.declined and comp.reason == reason, (question, comp.reason)
        assert word in ans.text and "The library covers" in ans.text
        assert not ans.citations  # English sections are not offered as if they applied


def test_a_place_or_nation_the_library_names_is_answered(embedder, rules) -> None:
    hits = [hit(0, LAW, "law", 0.6, jurisdiction="england-and-wales"), hit(1, EXAMPLE, "", 0.6)]
    comp, ans = answer(embedder, rules, "How long does a DVPO last in Wales?", hits)
    assert not ans.declined and "14 and 28 days" in ans.text
    question = "How quickly does Westmoor Borough Council review a DVPO?"
    comp, ans = answer(embedder, rules, question, hits)
    assert not ans.declined and "2 days" in ans.text
    assert all(c.source == "doc1.md" for c in ans.citations)  # only what names Westmoor


def test_declines_when_support_is_low_and_lists_the_nearest_sections(embedder, rules) -> None:
    hits = [hit(0, LAW, "law", 0.2), hit(1, EXAMPLE, "invented-example", 0.15)]
    comp, ans = answer(embedder, rules, "How do I reset my password on the case system?", hits)
    assert ans.declined and comp.reason == "support"
    assert "does not seem to cover" in ans.text and ans.citations


def test_money_questions_are_answered_when_the_library_holds_the_amount(embedder, rules) -> None:
    fee = "Applying for a non-molestation order costs nothing: there is no court fee."
    comp, ans = answer(
        embedder, rules, "How much does a non-mol cost to apply for?", [hit(0, fee, "law")]
    )
    assert not ans.declined and "no court fee" in ans.text


# ---------------------------------------------------------------------------- labels, cache


def test_kind_and_place_labels() -> None:
    assert kind_label("statutory-guidance") == "statutory guidance"
    assert kind_label("practice-prompt", {"practice-prompt": "Curio's own"}) == "Curio's own"
    assert place_label("england-and-wales") == "England and Wales"
    assert place_label("uk") == "UK" and place_label("England") == "England"


class Counting:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.fingerprint = "counting-" + str(getattr(inner, "fingerprint", ""))
        self.texts = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.encode(texts)


def test_sentence_vectors_are_cached_on_disk_and_reused(embedder, tmp_path: Path) -> None:
    counting = Counting(embedder)
    store = SentenceVectors(counting, tmp_path)
    a = store.get(["One guidance sentence.", "Another guidance sentence."])
    store.get(["One guidance sentence."])
    assert counting.texts == 2
    store.save()
    again = SentenceVectors(counting, tmp_path)
    b = again.get(["Another guidance sentence.", "One guidance sentence."])
    assert counting.texts == 2  # read from disk, not encoded again
    assert np.allclose(a[0], b[1]) and np.allclose(a[1], b[0])
    assert list(tmp_path.glob("*.npz"))


# ---------------------------------------------------------------------------- users' own procedures


PROCEDURE = """---
title: "Westmoor Borough Council: referring to MARAC"
publisher: "Westmoor Borough Council (invented)"
year: 2025
jurisdiction: england
type: local-procedure
kind: local-procedure
---

# Westmoor Borough Council: referring to MARAC

## When Westmoor staff refer to MARAC
Westmoor children's services staff send the MARAC referral form to the coordinator within one
working day of deciding to refer, with a manager's agreement. Where risk is immediate, they call
the police first.
"""


@pytest.mark.integration
def test_a_council_in_the_users_own_documents_is_in_scope(make_settings, embedder, tmp_path):
    from assistant.chat import Curio
    from assistant.index import open_index
    from assistant.lenses import load_catalogue
    from assistant.retrieve import Retriever

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "westmoor-marac.md").write_text(PROCEDURE, encoding="utf-8")
    settings = make_settings(corpus=folder)
    retriever = Retriever(open_index(settings, embedder=embedder))
    catalogue = load_catalogue(PROMPTS / "lenses.yaml")
    curio = Curio(retriever, None, catalogue, settings=settings, embedder=embedder)
    ok = curio.ask("How quickly should Westmoor staff send a MARAC referral?")
    assert not ok.declined, ok.text
    assert "one working day" in ok.text and ok.citations[0].source == "westmoor-marac.md"
    no = curio.ask("How quickly should Eastshire County Council staff send a MARAC referral?")
    assert no.declined and "Eastshire" in no.text and "Westmoor" in no.text  # what it covers
