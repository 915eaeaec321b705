"""Synthetic material made at run time: big corpora from real sentences, and case drafts.

Nothing here is committed as data. Large corpora recombine sentences of the real guidance so
BM25 sees realistic vocabulary and lengths; their vectors are perturbed copies of real chunk
embeddings (embedding 100,000 chunks for real would take over an hour on two cores), so the
dense index has the clustered shape real embeddings have rather than uniform noise.
Drafts are invented case notes (DESIGN.md principle 5) of a requested length.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

import numpy as np

from assistant.types import Chunk

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")
_MARKUP = re.compile(r"^\s*(?:[-*+]|\d+[.)]|#+)\s*")


def corpus_sentences(texts: Sequence[str], min_words: int = 5, max_words: int = 60) -> list[str]:
    """Prose sentences from guidance text, without list markers, headings or tables."""
    out: list[str] = []
    for text in texts:
        for line in text.splitlines():
            line = _MARKUP.sub("", line).strip()
            if not line or line.startswith("|") or line.startswith("<!--"):
                continue
            for sentence in _SENTENCE.split(line):
                words = sentence.split()
                if min_words <= len(words) <= max_words:
                    out.append(" ".join(words))
    return out


def synthetic_chunks(
    sentences: Sequence[str],
    n: int,
    seed: int = 7,
    max_chars: int = 1000,
    per_doc: int = 20,
) -> list[Chunk]:
    """n chunks of recombined sentences, up to max_chars each, grouped into fake documents."""
    if not sentences:
        raise ValueError("no sentences to recombine")
    rng = random.Random(seed)
    chunks: list[Chunk] = []
    for i in range(n):
        parts: list[str] = []
        size = 0
        target = rng.randint(max_chars * 6 // 10, max_chars)
        while True:
            sentence = sentences[rng.randrange(len(sentences))]
            if parts and size + len(sentence) + 1 > target:
                break
            parts.append(sentence)
            size += len(sentence) + 1
        doc = i // per_doc
        source = f"synthetic-{doc:06d}.md"
        section = f"Section {(i % per_doc) // 4 + 1}"
        meta = {
            "source": source,
            "key": source,
            "title": f"Synthetic guidance {doc}",
            "section": section,
            "ordinal": i % per_doc,
            "lenses": "",
        }
        chunks.append(
            Chunk(
                id=f"syn{i:08d}",
                text=" ".join(parts)[:max_chars],
                source=source,
                title=meta["title"],
                section=section,
                metadata=meta,
            )
        )
    return chunks


def perturbed_vectors(base: np.ndarray, n: int, noise: float = 0.03, seed: int = 7) -> np.ndarray:
    """n unit vectors, each a real vector plus Gaussian noise (cosine to it about 0.85)."""
    if base.ndim != 2 or len(base) == 0:
        raise ValueError("base must be a non-empty 2-D array of vectors")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(base), size=n)
    vectors = base[picks].astype(np.float32)
    vectors += rng.normal(0.0, noise, size=vectors.shape).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


# Invented case-note sentences (no real family): a mix of facts, over-optimistic readings and
# the gaps a supervisor would probe, so every stage of the review has work to do.
_DRAFT_SENTENCES = (
    "Kayla (4) and her brother Jordan (9) live with their mother, Ms Amber Hale.",
    "The referral came from the police after a call-out to the family home in March.",
    "Officers recorded that Mr Dean Pryce had pushed Ms Hale against a wall.",
    "Ms Hale says that Mr Pryce has now left the home, so the risk is reduced.",
    "Mother has engaged well with the assessment and has insight into the impact on the children.",
    "She has agreed that she will not let him into the house.",
    "The safety plan is that Ms Hale will call the police if Mr Pryce comes to the address.",
    "Jordan was seen at school with his mother's permission.",
    "He said that things are better now and he likes his new bedroom.",
    "Kayla was asleep during the home visit, so she was not seen.",
    "Mr Pryce did not respond to two letters inviting him to meet the social worker.",
    "There is a previous referral from 2021 when a neighbour heard shouting.",
    "The health visitor has no concerns about Kayla's development.",
    "Ms Hale told the worker that she drinks a little in the evenings to help her sleep.",
    "The school reports that Jordan's attendance has dropped to 82 per cent this term.",
    "Ms Hale's sister lives nearby and has offered to help with childcare.",
    "Mr Pryce is believed to be living with his mother in the next town.",
    "No checks have yet been made with the police about his previous partners.",
    "The family's first language is English and no interpreter was needed.",
    "Ms Hale appeared relaxed and the home was clean and tidy.",
    "She said that the incident was a one-off and that he had been under stress at work.",
    "The children's father for Jordan, Mr Luke Hale, has regular contact at weekends.",
    "Ms Hale has been given the number of the local domestic abuse service.",
    "She has not yet decided whether to contact them.",
    "The case will be closed if there are no further incidents in the next month.",
    "The worker will visit again in two weeks to review the plan.",
    "Jordan said he sometimes hears his mum crying on the phone at night.",
    "Ms Hale says that Mr Pryce has sent her messages asking to come back.",
    "The GP confirmed that Ms Hale was prescribed medication for low mood last year.",
    "A DASH risk checklist was completed by the police and scored as standard risk.",
)


def synthetic_draft(words: int, seed: int = 11) -> str:
    """An invented case note of about ``words`` words, in paragraphs of five sentences."""
    rng = random.Random(seed)
    sentences: list[str] = []
    count = 0
    while count < words:
        sentence = _DRAFT_SENTENCES[rng.randrange(len(_DRAFT_SENTENCES))]
        sentences.append(sentence)
        count += len(sentence.split())
    paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    return "\n\n".join(paragraphs)


def word_count(text: str) -> int:
    return len(text.split())
