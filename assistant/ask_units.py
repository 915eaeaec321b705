"""Candidate sentences for the ask composer and their scores.

Every quotable sentence of the retrieved sections (with the sentence it leans on, or the list
it announces) becomes a ``Unit``; each is scored for the question as a weighted sum of features
(dense and lexical similarity at sentence level, the question's rarest terms, what its type
wants, the passage's own score, whose words). The weights are data in
``prompts/ask_rules.yaml``. Split from ``assistant.answer``, which re-exports ``Unit``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.ask_question import Profile
from assistant.ask_rules import AskRules
from assistant.ask_text import (
    Library,
    SentenceVectors,
    _match,
    _prefixes,
    _stem,
    pairs,
    split_paragraphs,
    terms,
)
from assistant.types import Hit


@dataclass
class Unit:
    """A quotable sentence (with the one it leans on), where it came from and its score."""

    passage: int
    text: str
    kind: str
    quote_as: str
    parts: tuple[str, ...] = ()  # the sentences quoted (two when one leans on the other)
    after: str = ""  # the sentence that follows this unit in its paragraph
    dense: float = 0.0
    score: float = 0.0
    features: dict[str, float] = field(default_factory=dict)


class SentenceScorer:
    """Finds the quotable sentences of retrieved sections and scores them for a question."""

    def __init__(self, rules: AskRules, library: Library, vectors: SentenceVectors) -> None:
        self.rules = rules
        self.library = library
        self.vectors = vectors

    def authority(self, kind: str) -> float:
        info = self.rules.kinds.get(kind)
        return info.authority if info else self.rules.unknown_authority

    def units(self, hits: Sequence[Hit]) -> list[Unit]:
        """Every quotable sentence of the retrieved sections, with its kind at sentence level.

        A sentence that leans on the one before ("This means...", "The pilot began..." after
        "...are being piloted") is quoted with it; a list announced by a sentence ("The Panel
        made three recommendations.", "Useful questions include:") is also offered whole."""
        r = self.rules
        out: list[Unit] = []
        seen: set[str] = set()

        def add(i: int, parts: list[str], kind: str, limit: int, text: str = "") -> None:
            text = text or " ".join(parts)
            if not r.min_chars <= len(text) <= limit:
                return
            if r.instruction_like.search(text) or text in seen:
                return
            seen.add(text)
            info = r.kinds.get(kind)
            out.append(Unit(i, text, kind, info.quote_as if info else "source", tuple(parts)))

        for i, h in enumerate(hits):
            base = self.rules.kind_of(h.chunk)
            paras = split_paragraphs(self.library.section_text(h.chunk))
            kinds: list[list[str]] = []
            for para in paras:
                own = r.own_words.match(para.sentences[0]) is not None
                marked = False
                row = []
                for s in para.sentences:
                    marked = marked or r.invented.search(s) is not None
                    row.append("practice-prompt" if own else "invented-example" if marked else base)
                kinds.append(row)
            for p, para in enumerate(paras):
                for k, s in enumerate(para.sentences):
                    parts = [s]
                    # a chain of sentences that each lean on the one before is quoted from its
                    # start ("A parent attends... Each is recorded as progress. None, on its
                    # own, shows that the child is safer.")
                    j = k
                    while (
                        j
                        and len(parts) < r.lean_chain
                        and self._leans_back(para.sentences[j - 1], para.sentences[j])
                        # a third sentence only while the whole still fits in a quote
                        and (
                            len(parts) < 2
                            or len(" ".join(para.sentences[j - 1 : k + 1])) <= r.max_chars
                        )
                    ):
                        j -= 1
                        parts.insert(0, para.sentences[j])
                    add(i, parts, kinds[p][k], r.max_chars)
                    if out and out[-1].parts == tuple(parts) and k + 1 < len(para.sentences):
                        out[-1].after = para.sentences[k + 1]
                # a list: an announcing sentence, then items ("- ..." or "First, ...")
                items = []
                for q in range(p + 1, len(paras)):
                    nxt = paras[q]
                    if nxt.item or r.list_item.match(nxt.sentences[0]):
                        items.append(nxt.sentences[0])
                    else:
                        break
                intro = para.sentences[-1]
                if len(items) >= 2 and (intro.endswith(":") or r.announces.search(intro)):
                    glue = " " if all(r.list_item.match(x) for x in items) else "; "
                    # a short announcing paragraph is kept whole ("...seven golden rules. In
                    # our own words, the first six say:")
                    lead = para.sentences if len(para.sentences) <= 2 else [intro]
                    body = glue.join(x.rstrip(".;") for x in items).strip()
                    text = (" ".join(lead) + " " + body + ".").replace(":.", ":")
                    # the announcement alone promises what it does not give
                    out[:] = [u for u in out if not (u.passage == i and set(u.parts) <= set(lead))]
                    add(i, [*lead, *items], kinds[p][-1], r.max_chars * 2, text)
        return out

    def _leans_back(self, before: str, sentence: str) -> bool:
        """Does ``sentence`` need ``before`` to make sense? A pronoun or connective opening, or
        "The <noun>" where the noun was just named ("...being piloted. The pilot began...")."""
        r = self.rules
        if r.leans_back.match(sentence) or len(sentence) < r.short_sentence:
            return True
        if r.leans_early.match(sentence):  # "The Education Secretary ... commissioned it"
            return True
        m = re.match(r"The ([A-Za-z]+)\b", sentence)
        if not m or len(m.group(1)) < 4:
            return False
        return _stem([m.group(1).lower()])[0] in set(terms(before, self.rules.stop_words))

    def score(self, prof: Profile, hits: list[Hit], units: list[Unit], qvecs: np.ndarray) -> None:
        r, w = self.rules, self.rules.weights
        if not units:
            return
        vecs = self.vectors.get([u.text for u in units])
        sims = vecs @ qvecs.T  # (units, 1 + clauses)
        dense = sims[:, 0]
        if sims.shape[1] > 1:
            by_clause = sims[:, 1:].max(axis=1)
            # with a pointer ("what does X say about this?") the clauses say what is asked
            dense = by_clause if prof.pointer else np.maximum(dense, by_clause - r.clause_discount)
        unit_words = [terms(u.text, r.stop_words) for u in units]
        unit_terms = [set(x) for x in unit_words]
        present = set().union(*unit_terms)
        prefixes = _prefixes(present)
        # A term's weight is its rarity among the candidate sentences: a word every retrieved
        # sentence shares (the review's own name) tells them apart less than the one that
        # only the answering sentence has ("commissioned").
        n_units = len(units)
        idf = {}
        for t in prof.terms:
            df = sum(1 for ut in unit_terms if t in ut)
            idf[t] = math.log(1 + n_units / (1 + df)) if df else 0.0
        total = sum(idf.values()) or 1.0
        # the question's most telling terms that the retrieved sections use at all
        grounded = [t for t in prof.terms if _match(t, present, prefixes)]
        # What the closest section is about (its heading) is the question's topic; its other
        # terms are what it asks about that topic ("who can APPLY for a DAPO"), and those pick
        # the sentence within the section.
        top = max(hits, key=lambda h: h.relevance)
        topic = set(terms(f"{top.chunk.title} {top.chunk.section}", r.stop_words))
        topic_prefixes = _prefixes(topic)
        asks = [t for t in grounded if not _match(t, topic, topic_prefixes)] or grounded
        keys = list(dict.fromkeys(prof.focus + sorted(asks, key=lambda t: -idf[t])[:2]))
        prof.key_terms = keys
        n = len(hits)
        for u, d, ut, uw in zip(units, dense, unit_terms, unit_words, strict=True):
            phrase = len(prof.pairs & pairs(uw)) / len(prof.pairs) if prof.pairs else 0.0
            stems = _prefixes(ut)
            lexical = sum(idf[t] * _match(t, ut, stems) for t in prof.terms) / total
            key_total = sum(idf.get(t, 1.0) for t in keys)
            key = (
                sum(idf.get(t, 1.0) * _match(t, ut, stems) for t in keys) / key_total
                if key_total
                else 0.0
            )
            title = hits[u.passage].chunk.section
            wants = [self.wants(x, prof, u.text, uw, title) for x in prof.wants]
            type_match = sum(wants) / len(wants) if wants else 0.0
            h = hits[u.passage]
            authority = self.authority(u.kind) if not prof.local else r.unknown_authority
            f = {
                "dense": float(d),
                "lexical": lexical,
                "key_terms": key,
                "phrase": phrase,
                "type_match": type_match,
                "passage": h.relevance,
                "rank": (n - u.passage) / n,
                "authority": authority,
            }
            u.dense = float(d)
            u.features = f
            u.score = sum(w[k] * f[k] for k in w)
            if u.quote_as == "example" and not prof.local:
                u.score -= r.example_penalty  # an illustration, not the national answer

    def _names_the_list(self, prof: Profile, text: str, words: list[str]) -> bool:
        """Does a list-shaped sentence name what the question asks to be listed: its focus noun
        ("what are the ROUTES") or the count it gives ("the TWO ways in")? Any sentence with two
        commas has a list's shape; one that lists something else is not the answer."""
        if not prof.focus:
            return True
        present = set(words)
        if any(_match(t, present, _prefixes(present)) for t in prof.focus):
            return True
        asked = {m.group(0).lower() for m in self.rules.features["number"].finditer(prof.text)}
        return bool(asked & set(re.findall(r"[\w-]+", text.lower())))

    def wants(
        self, feature: str, prof: Profile, text: str, words: list[str], title: str = ""
    ) -> float:
        """How far a sentence has what the question type wants (0..1). A definition counts in
        full when it uses a defining verb ("means", "is the term for") and names what is
        defined, early on or in its section's title; "is" alone counts for half."""
        if feature == "definition":
            strong = self.rules.features["definition"].search(text) is not None
            weak = self.rules.features["copula"].search(text) is not None
            if not (strong or weak):
                return 0.0
            head = prof.defines
            if not head:
                return 1.0 if strong else 0.5
            early = set(words[:10])
            named = (len(head) == 2 and head in pairs(words)) or all(t in early for t in head)
            named = named or (
                strong and all(t in terms(title, self.rules.stop_words) for t in head)
            )
            return (1.0 if strong else 0.5) * (1.0 if named else 0.3)
        if feature == "deontic":
            if not self.rules.features["deontic"].search(text):
                return 0.0
            return 1.0 if self.rules.features["limits"].search(text) else self.rules.modal_share
        if feature == "enumeration" and self.rules.features[feature].search(text):
            return 1.0 if self._names_the_list(prof, text, words) else self.rules.list_unnamed_share
        if self.rules.features[feature].search(text):
            return 1.0
        if feature == "enumeration" and self.rules.announces.search(text):
            return -0.5  # "sets out seven golden rules" without the rules is no answer to a list
        return 0.0
