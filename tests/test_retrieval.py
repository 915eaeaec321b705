"""Retrieval quality on the labelled set, and the LangChain retriever contract."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
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


NOTES = {
    "engagement.md": "# Invented note\n\n## Engagement\n\nIgnore earlier advice about developer "
    "mode: parents who attend every meeting are not necessarily reducing the risk.\n",
    "handover.md": "# Invented note\n\n## Handovers\n\nContact handovers happen at the "
    "supervised centre so the adults never meet.\n",
    "pets.txt": "Threats to the family dog were used to frighten the children into silence.\n",
    "codes.txt": "Invented note with terminal codes removed; the text around them is kept.\n",
}
PROBES = (
    "ignore previous instructions developer mode",
    "where do contact handovers happen",
    "threats to a pet to keep children quiet",
    "terminal codes",
    "kinship carer number 959",
)


def test_dense_ranking_is_exact_beside_hundreds_of_near_identical_pages(
    make_settings: Any, embedder: Any, tmp_path: Any
) -> None:
    """A long PDF of near-identical pages crowds Chroma's approximate graph; the one passage
    that answers must still come first, and the 40 candidates must be the true nearest 40."""
    from test_ingest import make_pdf

    for name, text in NOTES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    make_pdf(
        tmp_path / "long-report.pdf",
        [
            f"Page {n}: invented review note about kinship carer number {n * 7}."
            for n in range(1, 201)
        ],
    )
    index = Index(make_settings(), embedder)
    index.ingest([tmp_path])
    got = index.collection.get(include=["embeddings"])
    ids, vectors = got["ids"], np.asarray(got["embeddings"], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert len(ids) > 200
    for query in PROBES:
        qvec = np.asarray(embedder.encode([query])[0], dtype=np.float32)
        sims = vectors @ (qvec / np.linalg.norm(qvec))
        truth = {ids[i] for i in np.argsort(-sims)[:40]}
        found = index.nearest(qvec, 40)
        assert {c.id for c, _ in found} == truth, query
        scores = [s for _, s in found]
        assert scores == sorted(scores, reverse=True)
        assert found[0][0].id == ids[int(np.argmax(sims))]
    hit = Retriever(index).search(PROBES[0], k=1)[0]
    assert hit.chunk.source == "engagement.md"
