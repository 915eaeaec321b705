"""The offline composer's shared pieces: what every mode says without a language model.

Answers without a model are built from the reviewer's flags, the lens catalogue and sentences
quoted from the retrieved guidance, each with its [n] marker. The quoted sentence is the one
nearest in meaning to the topic; sentences that talk to an AI are never quoted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.answer import split_paragraphs
from assistant.citations import source_line
from assistant.types import Answer, Citation, Flag, ReviewResult

if TYPE_CHECKING:
    from assistant.chat.core import Curio

log = logging.getLogger("curio.chat")

#: Sentences that talk to an AI rather than about practice: never quoted as guidance.
INSTRUCTION_LIKE = re.compile(
    r"\b(ignore (all |any |your |the )?(previous |prior |above )?instructions?|disregard (all |"
    r"your |the )?(previous |prior )?(instructions?|rules)|system prompt|you are now|as an ai|"
    r"language model|reveal your|jailbreak)\b",
    re.I,
)
_PH = re.compile(r"\{(\w+)\|([^{}]*)\}")


def passage_sentences(text: str) -> list[str]:
    """A passage's sentences, as the ask composer reads them: the one splitter for guidance
    and typed questions (a draft is split with offsets by ``review.split_sentences``)."""
    return [s for para in split_paragraphs(text) for s in para.sentences]


def fill(question: str) -> str:
    """A catalogue question with its ``{name|fallback}`` slots filled by the fallback words."""
    out = _PH.sub(lambda m: m.group(2), question)
    return out[:1].upper() + out[1:]


def render_text(answer: Answer) -> str:
    """An answer as plain text with its sources listed, each in the one citation form: for the
    terminal and for exports."""
    lines = [answer.text.rstrip()]
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        lines += [source_line(n, c) for n, c in enumerate(answer.citations, start=1)]
    for notice in answer.notices:
        lines.append(f"Note: {notice}")
    return "\n".join(lines)


def review_citations(result: ReviewResult) -> list[Citation]:
    """The guidance a review walkthrough cites: each flag's first two passages, once each."""
    citations: list[Citation] = []
    for f in result.flags:
        for c in f.citations[:2]:
            if c not in citations:
                citations.append(c)
    return citations


def flags_block(flags: Sequence[Flag], citations: Sequence[Citation]) -> str:
    """The flags as the model is told them: evidence or what is missing, questions, markers."""
    out = []
    for n, f in enumerate(flags, start=1):
        marks = "".join(f"[{citations.index(c) + 1}]" for c in f.citations if c in citations)
        what = (
            "the draft says: " + " / ".join(f'"{e.text.strip()}"' for e in f.evidence[:3])
            if f.kind == "present"
            else f"not found in the draft: {f.looked_for}"
        )
        out.append(
            f"{n}. {f.name or f.lens} ({f.lens}, {f.kind}); {what}\n"
            f"   questions: {' | '.join(f.questions[:3])}\n   guidance: {marks or 'none'}"
        )
    return "\n".join(out) if out else "(no flags)"


def quotable(text: str) -> list[str]:
    """The sentences of a passage that may be quoted: long enough, never instructions."""
    return [s for s in passage_sentences(text) if len(s) >= 30 and not INSTRUCTION_LIKE.search(s)]


def encode_guidance(embedder: Any, texts: list[str]) -> np.ndarray:
    """Guidance and catalogue text (never case text) through the embedder's cache."""
    encode = getattr(embedder, "encode_guidance", None) or embedder.encode
    return np.asarray(encode(texts))


def best_sentence(embedder: Any, query: str, text: str) -> str:
    """The passage's quotable sentence nearest in meaning to ``query``."""
    sentences = quotable(text)
    if not sentences:
        return " ".join(text.split())[:300]
    vecs = encode_guidance(embedder, [query] + sentences)  # all catalogue/guidance
    return sentences[int(np.argmax(vecs[1:] @ vecs[0]))]


def warm(curio: Curio) -> int:
    """Encode ahead of time the guidance sentences that walkthroughs quote (each lens's cited
    passages, with the lens's name and meaning), so the first reviews after a start do not wait
    for them. Guidance and catalogue text only, never case text. Returns how many texts were
    asked for (most are encoded once; repeats come from the cache)."""
    citations_for = getattr(curio.reviewer, "citations_for", None)
    if citations_for is None:
        return 0
    count = 0
    for lens in curio.catalogue:
        try:
            cites = list(citations_for(lens))[:3]
        except Exception:  # a warm-up must never stop the app
            log.exception("could not warm the guidance for %s", getattr(lens, "id", lens))
            continue
        queries = [q for q in (getattr(lens, "name", ""), getattr(lens, "meaning", "")) if q]
        texts = queries + [s for c in cites for s in quotable(c.text)]
        if texts:
            encode_guidance(curio.embedder, texts)
            count += len(texts)
    return count
