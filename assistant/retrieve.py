"""Finding the passages that answer a question: dense, BM25, and both fused.

Dense search (Chroma, cosine) catches paraphrase; BM25 catches the exact terms practitioners use
("MARAC", "section 47", "Clare's Law"). Reciprocal rank fusion combines the two rankings without
having to calibrate their scores against each other.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from assistant.errors import CurioError
from assistant.index import Index, bm25_tokenize
from assistant.types import Chunk, Hit

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[str, ...] = ("hybrid", "dense", "bm25")
RRF_K = 60
LENS_BOOST = 1.5


class Retriever:
    """Search the index. ``search`` is the one call the rest of Curio needs."""

    def __init__(self, index: Index, mode: str = "hybrid", candidates: int = 40) -> None:
        if mode not in MODES:
            raise CurioError(f"Unknown retriever {mode!r}: use hybrid, dense or bm25.")
        self.index = index
        self.mode = mode
        self.candidates = candidates

    def search(
        self,
        query: str,
        k: int = 5,
        prefer_lens: str | None = None,
        mode: str | None = None,
        qvec: np.ndarray | None = None,
    ) -> list[Hit]:
        """The k best passages, best first. ``prefer_lens`` favours sections tagged with it;
        ``qvec`` is the query's embedding when the caller has it already (saves encoding it)."""
        mode = mode or self.mode
        if mode not in MODES:
            raise CurioError(f"Unknown retriever {mode!r}: use hybrid, dense or bm25.")
        query = " ".join(query.split())
        if not query:
            raise CurioError("The search is empty: type a question or some words to look for.")
        if k < 1:
            raise CurioError("--k must be at least 1.")
        n = max(self.candidates, k * 4)
        if qvec is None:
            qvec = self.index.embedder.encode([query])[0]
        qvec = np.asarray(qvec, dtype=np.float32)
        dense = self._dense(qvec, n) if mode in ("hybrid", "dense") else []
        sparse = self._bm25(query, n) if mode in ("hybrid", "bm25") else []
        dense_sim = {c.id: s for c, s in dense}
        bm25_score = {c.id: s for c, s in sparse}
        chunks: dict[str, Chunk] = {c.id: c for c, _ in dense} | {c.id: c for c, _ in sparse}
        if mode == "dense":
            scores = dict(dense_sim)
        elif mode == "bm25":
            scores = dict(bm25_score)
        else:
            scores = {}
            for ranking in (dense, sparse):
                for rank, (chunk, _) in enumerate(ranking):
                    scores[chunk.id] = scores.get(chunk.id, 0.0) + 1.0 / (RRF_K + rank + 1)
        if prefer_lens:
            tag = f",{prefer_lens},"
            for cid in scores:
                if tag in str(chunks[cid].metadata.get("lenses", "")):
                    scores[cid] *= LENS_BOOST if scores[cid] > 0 else 1.0
        best = _one_per_section(
            sorted(scores, key=lambda cid: scores[cid], reverse=True), chunks, k
        )
        missing = [cid for cid in best if cid not in dense_sim]
        if missing:  # every hit shows a readable relevance, BM25-only ones included
            dense_sim.update(self._similarities(qvec, missing))
        return [
            Hit(
                chunk=chunks[cid],
                score=float(scores[cid]),
                dense_score=dense_sim.get(cid),
                bm25_score=bm25_score.get(cid),
            )
            for cid in best
        ]

    def _dense(self, qvec: np.ndarray, n: int) -> list[tuple[Chunk, float]]:
        return self.index.nearest(qvec, n)

    def _bm25(self, query: str, n: int) -> list[tuple[Chunk, float]]:
        bm25, chunks = self.index.bm25()
        if not chunks:
            return []
        tokens = bm25_tokenize([query])
        if not any(len(ids) for ids in tokens.ids):
            return []
        docs, scores = bm25.retrieve(
            tokens, k=min(n, len(chunks)), show_progress=False, n_threads=1
        )
        return [
            (chunks[int(i)], float(s)) for i, s in zip(docs[0], scores[0], strict=True) if s > 0
        ]

    def _similarities(self, qvec: np.ndarray, ids: list[str]) -> dict[str, float]:
        got = self.index.collection.get(ids=ids, include=["embeddings"])
        return {
            cid: float(np.dot(np.asarray(vec, dtype=np.float32), qvec))
            for cid, vec in zip(got["ids"], got["embeddings"], strict=True)
        }


def _one_per_section(ranked: list[str], chunks: dict[str, Chunk], k: int) -> list[str]:
    """The k best chunks, at most one per section: neighbouring pieces of one section would
    crowd out other sources, and a reader opens the whole section anyway."""
    seen: set[tuple[str, str]] = set()
    best: list[str] = []
    for cid in ranked:
        chunk = chunks[cid]
        place = (str(chunk.metadata.get("key", chunk.source)), chunk.section)
        if place in seen:
            continue
        seen.add(place)
        best.append(cid)
        if len(best) == k:
            break
    return best


def hit_to_document(hit: Hit) -> Document:
    meta: dict[str, Any] = dict(hit.chunk.metadata)
    meta.update(
        id=hit.chunk.id,
        score=hit.score,
        relevance=hit.relevance,
        section=hit.chunk.section,
        title=hit.chunk.title,
        source=hit.chunk.source,
    )
    return Document(page_content=hit.chunk.text, metadata=meta, id=hit.chunk.id)


class CurioRetriever(BaseRetriever):
    """Curio's search as a LangChain retriever, to drop into anyone's own chain."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Retriever
    k: int = Field(default=5, ge=1)
    mode: str = "hybrid"

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        k = int(kwargs.get("k", self.k))
        hits = self.retriever.search(query, k=k, mode=kwargs.get("mode", self.mode))
        return [hit_to_document(h) for h in hits]
