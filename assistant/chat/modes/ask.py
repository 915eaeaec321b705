"""Ask mode: a question about the guidance, answered from retrieved passages with citations.

The ask composer (``assistant/answer.py``) reads the retrieved sections a sentence at a time and
answers with extracts, or declines and shows the nearest sections when nothing is relevant
enough. With a model, the model writes from the passages that answer quotes and must cite one.
Review mode's guidance follow-ups ("what does the guidance say about ...?") come here too.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer import Composition
from assistant.chat.compose import fill
from assistant.chat.modes import Mode, register
from assistant.chat.turn import model_answer, passages_block
from assistant.errors import CurioError
from assistant.types import Answer, Citation, Hit

if TYPE_CHECKING:
    from assistant.chat.core import Curio, Session

MAX_QUESTION_CHARS = 2_000
ASK_K = 6
#: Dense-only results also offered to the ask composer when they beat every hybrid result.
ASK_DENSE_EXTRA = 2
#: Passages a language model is given for an ask: the ones the offline answer quotes, then the
#: next best, up to this many.
LLM_PASSAGES = 4


@register
class AskMode(Mode):
    name = "ask"
    prompt = "ask"
    placeholders = frozenset({"passages", "question"})
    order = 20

    def turn(
        self, curio: Curio, session: Session, message: str, draft: str | None
    ) -> Iterator[Answer]:
        if len(message) > MAX_QUESTION_CHARS:
            raise CurioError(
                f"That is long for a question ({len(message):,} characters, at most "
                f"{MAX_QUESTION_CHARS:,}): paste drafts in review mode instead."
            )
        yield from answer_question(curio, session, message)


def answer_question(
    curio: Curio, session: Session, question: str, prefer_lens: str | None = None
) -> Iterator[Answer]:
    """Answer a guidance question: the composer's extracts, or the model's words over them."""
    composer = curio.composer
    prof = composer.analyse(question)
    qvecs = composer.encode(prof)
    hits = ask_hits(curio, prof.expanded, qvecs[0], prefer_lens, clauses=qvecs[1:])
    comp = composer.compose(prof, hits, qvecs)
    offline = lambda: composer.render(comp, lambda hit: lens_question_for(curio, hit))  # noqa: E731
    if comp.declined or curio.llm is None:
        yield offline()
        return
    citations = llm_passages(curio, comp)
    prompt = curio.prompts.render("ask", passages=passages_block(citations), question=question)
    yield from model_answer(
        curio, session, prompt, citations, offline, user_texts=[question], require_citation=True
    )


def ask_hits(
    curio: Curio,
    query: str,
    qvec: np.ndarray,
    prefer_lens: str | None,
    clauses: np.ndarray | None = None,
) -> list[Hit]:
    """Hybrid search, plus the closest sections by meaning alone: rank fusion can push a
    section that only the dense search ranks first (a paraphrase with no shared words) out
    of the top few, and it is often the one that answers. The same for each clause of the
    question (``clauses``, their vectors): a story before the question ("17yo says family are
    taking her abroad to get married, should I set up a family meeting?") pulls the whole
    question's vector away from the section on what to do."""
    search = curio.retriever.search
    try:
        takes_vector = "qvec" in inspect.signature(search).parameters
    except (TypeError, ValueError):
        takes_vector = False
    if not takes_vector:  # a retriever handed in by a caller (tests, other stores)
        return list(search(query, k=ASK_K, prefer_lens=prefer_lens))
    hits = list(search(query, k=ASK_K, prefer_lens=prefer_lens, qvec=qvec))
    seen = {(h.chunk.metadata.get("key", h.chunk.source), h.chunk.section) for h in hits}
    top = max((h.relevance for h in hits), default=0.0)
    vectors = [(qvec, ASK_DENSE_EXTRA)]
    if clauses is not None and len(clauses):
        vectors.append((clauses[-1], 1))
    for vec, k in vectors:
        for h in search(query, k=k, mode="dense", qvec=vec):
            place = (h.chunk.metadata.get("key", h.chunk.source), h.chunk.section)
            if place not in seen and h.relevance >= top:
                hits.append(h)
                seen.add(place)
    return hits


def llm_passages(curio: Curio, comp: Composition) -> list[Citation]:
    """The passages the offline answer quotes, then the next best: what the model is given.
    Each carries its chunk's text plus any quoted sentence that lies elsewhere in its
    section, so the model sees what the offline answer would have said."""
    order: list[int] = []
    for u in comp.picks:
        if u.passage not in order:
            order.append(u.passage)
    for i in range(len(comp.hits)):
        if len(order) >= LLM_PASSAGES:
            break
        if i not in order:
            order.append(i)
    out = []
    for i in order:
        hit = comp.hits[i]
        text = hit.chunk.text
        extra = [u.text for u in comp.picks if u.passage == i and u.text not in text]
        if extra:
            text = text.rstrip() + "\n\n" + "\n\n".join(extra)
        cite = curio.composer.cite(hit)
        out.append(replace(cite, text=text))
    return out


def lens_question_for(curio: Curio, hit: Hit) -> str:
    """The first question of a lens the passage is tagged with, for the offline answer."""
    for lens_id in hit.chunk.lenses:
        try:
            return fill(curio.catalogue[lens_id].questions[0])
        except (KeyError, IndexError, TypeError):
            continue
    return ""
