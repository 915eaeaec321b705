"""How often `ask` declines: correctly on unanswerable questions, wrongly on answerable ones.

Run with ``-s`` to see the figures. The threshold (chat.DECLINE_BELOW) was calibrated on these
same two sets, so the figures are in-sample: they show the trade-off, not a held-out estimate.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.chat import Curio
from assistant.lenses import load_catalogue
from assistant.review import build_reviewer
from assistant.settings import REPO_ROOT

EVALS = REPO_ROOT / "evals"


def _rows(paths: list[Path]) -> list[dict]:
    return [json.loads(x) for p in paths for x in p.read_text().splitlines() if x.strip()]


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
    answerable = _rows(sorted((EVALS / "retrieval").glob("*.jsonl")))
    unanswerable = _rows([EVALS / "unanswerable.jsonl"])
    assert len(unanswerable) >= 15 and len(answerable) >= 15
    wrong = [r["query"] for r in answerable if curio.ask(r["query"]).declined]
    right = [r["query"] for r in unanswerable if curio.ask(r["query"]).declined]
    wrong_rate = len(wrong) / len(answerable)
    right_rate = len(right) / len(unanswerable)
    print(
        f"\ndecline: unanswerable {len(right)}/{len(unanswerable)} = {right_rate:.0%} correctly "
        f"declined; answerable {len(wrong)}/{len(answerable)} = {wrong_rate:.0%} wrongly declined"
    )
    for q in wrong:
        print(f"  wrongly declined: {q}")
    assert right_rate >= 0.75
    assert wrong_rate <= 0.10
