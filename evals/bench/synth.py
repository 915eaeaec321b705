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


# Invented case-note sentences (no real family): facts, over-optimistic readings and the gaps a
# supervisor would probe, so every stage of the review has work to do. Slots are filled at
# random so that a long draft does not repeat itself (a cache would otherwise flatter it).
_DRAFT_TEMPLATES = (
    "{child} ({age}) and {sibling} ({age2}) live with their mother, Ms {mother} {surname}.",
    "The referral came from {agency} after a call-out to the family home in {month}.",
    "Officers recorded that Mr {father} {fsurname} had {act} Ms {surname} in the {room}.",
    "Ms {surname} says that Mr {fsurname} has now left the home, so the risk is reduced.",
    "Mother has engaged well with the assessment and has insight into the impact on {child}.",
    "She has agreed that she will not let Mr {fsurname} into the house again.",
    "The safety plan is that Ms {surname} will call the police if he comes to {place}.",
    "{child} was seen at {place2} with {pronoun} mother's permission on {day} {month}.",
    "{child} said that things are better now and {pronoun2} likes the new {thing}.",
    "{sibling} was asleep during the home visit on {day} {month}, so was not seen.",
    "Mr {fsurname} did not respond to {number} letters inviting him to meet the worker.",
    "There is a previous referral from {year} when a neighbour heard shouting at {place}.",
    "The health visitor has no concerns about {sibling}'s development at {age2}.",
    "Ms {surname} told the worker that she drinks {drink} in the evenings to help her sleep.",
    "The school reports that {child}'s attendance has dropped to {pct} per cent this term.",
    "Ms {surname}'s {relative} lives nearby and has offered to help with childcare.",
    "Mr {fsurname} is believed to be living with his {relative} in {town}.",
    "No checks have yet been made with {agency} about his previous partners.",
    "Ms {surname} appeared relaxed on {day} {month} and the home was clean and tidy.",
    "She said that the incident in {month} was a one-off and he had been stressed at work.",
    "Ms {surname} has been given the number of the {town} domestic abuse service.",
    "The case will be closed if there are no further incidents in the next {number} weeks.",
    "The worker will visit again on {day} {month} to review the plan with Ms {surname}.",
    "{child} said {pronoun2} sometimes hears mum crying on the phone at night.",
    "Ms {surname} says Mr {fsurname} has sent her {number} messages asking to come back.",
    "A DASH checklist was completed by {agency} in {month} and scored as standard risk.",
)
_FILL: dict[str, tuple[str, ...]] = {
    "child": ("Kayla", "Jordan", "Amira", "Leo", "Maisie", "Tyler", "Priya", "Noah"),
    "sibling": ("Ruby", "Kai", "Zara", "Alfie", "Isla", "Reuben", "Lily", "Ethan"),
    "mother": ("Amber", "Chloe", "Nadia", "Jess", "Kerry", "Sana", "Laura"),
    "surname": ("Hale", "Okafor", "Brennan", "Walsh", "Khan", "Moss", "Price"),
    "father": ("Dean", "Ryan", "Craig", "Imran", "Lewis", "Shane", "Marcus"),
    "fsurname": ("Pryce", "Doyle", "Harper", "Malik", "Stone", "Reid", "Carter"),
    "age": ("4", "6", "7", "9", "11", "13"),
    "age2": ("8 months", "2", "3", "5", "10", "14"),
    "agency": ("the police", "the school", "the GP", "the health visitor", "the hospital"),
    "month": ("January", "March", "April", "June", "August", "October", "December"),
    "act": ("pushed", "grabbed", "shouted at", "threatened", "followed"),
    "room": ("kitchen", "hallway", "car", "garden", "bedroom"),
    "place": ("the address", "the school gate", "her work", "her sister's flat"),
    "place2": ("school", "nursery", "the family centre", "home", "the park"),
    "pronoun": ("his", "her"),
    "pronoun2": ("he", "she"),
    "day": ("2", "5", "9", "14", "18", "21", "27"),
    "thing": ("bedroom", "school", "routine", "bike", "flat"),
    "number": ("two", "three", "four", "six"),
    "year": ("2019", "2020", "2021", "2022", "2023"),
    "drink": ("a little", "a glass of wine", "a couple of cans", "some vodka"),
    "pct": ("71", "78", "82", "86", "89"),
    "relative": ("sister", "mother", "brother", "aunt", "cousin"),
    "town": ("Harbourside", "Millbrook", "Eastleigh", "Northgate", "Kingsmoor"),
}

_FAMILY = ("child", "sibling", "mother", "surname", "father", "fsurname", "pronoun", "pronoun2")


def synthetic_draft(words: int, seed: int = 11, families: int = 1) -> str:
    """An invented case note of about ``words`` words, in paragraphs of five sentences.

    ``families`` > 1 changes the family every ``words / families`` words: a draft that names
    many people (a transfer summary, notes on several households), the slow case for the case
    file, whose work grows with the people named."""
    rng = random.Random(seed)
    per_family = max(1, words // max(1, families))
    drawn = -1
    family: dict[str, str] = {}
    sentences: list[str] = []
    count = 0
    while count < words:
        if count // per_family != drawn:  # one family per draft, or a new one every share
            drawn = count // per_family
            family = {key: rng.choice(_FILL[key]) for key in _FAMILY}
        template = _DRAFT_TEMPLATES[rng.randrange(len(_DRAFT_TEMPLATES))]
        fill = {key: values[rng.randrange(len(values))] for key, values in _FILL.items()}
        fill.update(family)
        sentence = template.format(**fill)
        sentences.append(sentence)
        count += len(sentence.split())
    paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    return "\n\n".join(paragraphs)


def word_count(text: str) -> int:
    return len(text.split())
