"""Retrieval quality on the labelled set, and the LangChain retriever contract."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests

from assistant.index import Index
from assistant.retrieve import CurioRetriever, Retriever
from assistant.settings import REPO_ROOT

pytestmark = pytest.mark.integration


def labelled_questions() -> list[dict[str, str]]:
    rows = []
    for path in sorted((REPO_ROOT / "evals" / "retrieval").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def recall_at(retriever: Retriever, mode: str, questions: list[dict[str, str]], k: int) -> float:
    found = 0
    for q in questions:
        hits = retriever.search(q["query"], k=k, mode=mode)
        found += any(h.chunk.source == q["source"] for h in hits)
    return found / len(questions)


def test_labelled_set_is_usable(corpus_index: Index) -> None:
    questions = labelled_questions()
    assert len(questions) >= 40
    sources = {c.source for c in corpus_index.chunks()}
    unknown = sorted({q["source"] for q in questions} - sources)
    assert not unknown, f"labelled questions name files not in corpus/: {unknown}"


def test_hybrid_is_at_least_as_good_as_either_retriever(retriever: Retriever) -> None:
    questions = labelled_questions()
    scores = {
        mode: recall_at(retriever, mode, questions, k=3) for mode in ("bm25", "dense", "hybrid")
    }
    print("recall@3 on", len(questions), "questions:", json.dumps(scores))
    assert scores["hybrid"] >= max(scores["bm25"], scores["dense"])
    assert scores["hybrid"] >= 0.8


def test_search_finds_the_statutory_definition(retriever: Retriever) -> None:
    hits = retriever.search("legal definition of domestic abuse and who counts as connected", k=3)
    assert any(h.chunk.source == "da-act-2021.md" for h in hits)
    assert all(0.0 <= h.relevance <= 1.0 for h in hits)


def test_prefer_lens_favours_tagged_sections(retriever: Retriever) -> None:
    plain = retriever.search("what should we ask about the father", k=5)
    tagged = retriever.search(
        "what should we ask about the father", k=5, prefer_lens="perpetrator-invisible"
    )

    def count(hits: list) -> int:
        return sum(",perpetrator-invisible," in str(h.chunk.metadata.get("lenses")) for h in hits)

    assert count(tagged) >= count(plain)
    assert count(tagged) >= 1


class TestCurioRetrieverStandard(RetrieversIntegrationTests):
    """LangChain's own standard retriever tests, against the real index."""

    _retriever: Retriever

    @pytest.fixture(autouse=True)
    def _bind(self, corpus_index: Index) -> None:
        # the class's own `retriever` fixture shadows conftest's, so build from the index
        type(self)._retriever = Retriever(corpus_index)

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return CurioRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"retriever": self._retriever, "k": 2}

    @property
    def retriever_query_example(self) -> str:
        return "When should a MARAC referral be made?"
