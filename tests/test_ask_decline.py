"""How often `ask` declines: correctly on near-domain questions, wrongly on answerable ones.

Run with ``-s`` to see the figures. The answerable questions are the 76 labelled retrieval
questions (evals/retrieval/) and the tuning split's answerable ones; the near-domain ones are the
tuning split's (evals/ask/tune.jsonl, which also holds the earlier evals/unanswerable.jsonl).
The thresholds in prompts/ask_rules.yaml were calibrated on these same questions, so the figures
are in-sample: `curio eval --ask --split dev` gives the held-out view.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.ask_eval import load_ask_split
from assistant.chat import Curio
from assistant.lenses import load_catalogue
from assistant.review import build_reviewer
from assistant.settings import REPO_ROOT

EVALS = REPO_ROOT / "evals"

pytestmark = pytest.mark.integration


def _queries(paths: list[Path]) -> list[str]:
    return [json.loads(x)["query"] for p in paths for x in p.read_text().splitlines() if x.strip()]


@pytest.fixture(scope="module")
def curio(retriever, embedder, make_settings) -> Curio:
    catalogue = load_catalogue(REPO_ROOT / "prompts" / "lenses.yaml")
    return Curio(
        retriever,
        build_reviewer(retriever=retriever),
        catalogue,
        settings=make_settings(),
        embedder=embedder,
    )


def test_decline_rates(curio: Curio) -> None:
    tune = load_ask_split(EVALS / "ask", "tune")
    answerable = _queries(sorted((EVALS / "retrieval").glob("*.jsonl")))
    answerable += [q.question for q in tune if q.type == "answerable"]
    near = [q.question for q in tune if q.type == "near-domain"]
    assert len(near) >= 30 and len(answerable) >= 100
    wrong = [q for q in answerable if curio.ask(q).declined]
    right = [q for q in near if curio.ask(q).declined]
    wrong_rate = len(wrong) / len(answerable)
    right_rate = len(right) / len(near)
    print(
        f"\ndecline: near-domain {len(right)}/{len(near)} = {right_rate:.0%} correctly declined; "
        f"answerable {len(wrong)}/{len(answerable)} = {wrong_rate:.0%} wrongly declined"
    )
    for q in wrong:
        print(f"  wrongly declined: {q}")
    for q in sorted(set(near) - set(right)):
        print(f"  answered though near-domain: {q}")
    assert right_rate >= 0.85
    assert wrong_rate <= 0.05


def test_the_seed_question_is_answered_from_the_right_sections(curio: Curio) -> None:
    answer = curio.ask("My manager wants to close the case because dad has moved out. Is that ok?")
    assert not answer.declined
    first = answer.text.splitlines()[0].lower()
    assert "moving out" in first or "separation" in first or "moved out" in first
    assert answer.citations[0].kind != "invented-example"  # a national source opens


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        (
            "Which agencies must take part in a strategy discussion?",
            r"as a minimum[^.]{0,80}health",
        ),
        ("What are the three MAPPA categories of offender?", r"other dangerous offenders"),
        (
            "Whose responsibility is it to share a concern about a child's safety?",
            r"should assume someone else will pass on",
        ),
        ("How long can a domestic abuse protection order last?", r"no maximum duration"),
        (
            "Police want to give him a DVPN but the victim does not want one. Can they?",
            r"agreement is not required|does not consent",
        ),
    ],
)
def test_national_facts_the_library_states_reach_the_answer(
    curio: Curio, question: str, fact: str
) -> None:
    """Working Together's minimum for a strategy discussion, the MAPPA category names, each
    practitioner's own duty to share, a DAPO's open length and a DVPN without the victim's
    consent are in the corpus and are quoted when asked in other words."""
    import re

    answer = curio.ask(question)
    assert not answer.declined
    assert re.search(fact, " ".join(answer.text.split()), re.I), answer.text
