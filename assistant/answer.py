"""The offline ask composer: pick the sentences that answer a question, or decline.

Retrieval finds the sections; this module reads them a sentence at a time. Every sentence of
the retrieved sections is scored for the question (dense and lexical similarity at sentence
level, the question's rarest terms, what the question's type wants: a duration, a definition,
what to do) and for whose words it is (law before a local procedure for a national fact). The
answer opens with the best sentence, then the ones that support it, each with its [n] marker.

It declines on what is asked as well as on similarity: a question about another nation's law, a
council the library never mentions, local figures, fees or contact details is not answered from
English guidance as if it applied. The cues, weights and messages are data in
``prompts/ask_rules.yaml`` and ``prompts/ask_places.txt``, checked when loaded.

Sentence vectors of the guidance (never of a question) are cached in memory and on disk under
the cache folder, so a warm ask encodes only the question.

The parts live in ``assistant.ask_rules`` (the rules and labels), ``assistant.ask_text``
(sentences, terms, the vector cache, the library), ``assistant.ask_question`` (what a question
asks), ``assistant.ask_units`` (candidate sentences and their scores) and
``assistant.ask_render`` (the wording); every name they define that callers used from here is
re-exported. This module decides: what may answer, whether to decline, which sentences to pick.
"""

from __future__ import annotations

import atexit
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.ask_question import Profile, analyse
from assistant.ask_render import AnswerWriter, Composition
from assistant.ask_rules import (
    FEATURES,
    KINDS,
    MESSAGES,
    PLACES_FILE,
    RULES_FILE,
    WEIGHTS,
    AskRules,
    Jurisdiction,
    KindInfo,
    Place,
    QuestionType,
    caveat_notices,
    kind_label,
    load_ask_rules,
    place_label,
)
from assistant.ask_text import (
    Library,
    Paragraph,
    SentenceVectors,
    _match,
    _prefixes,
    pairs,
    sentence_vectors,
    split_paragraphs,
    terms,
)
from assistant.ask_units import SentenceScorer, Unit
from assistant.types import Answer, Chunk, Citation, Hit

__all__ = [
    "FEATURES",
    "KINDS",
    "MESSAGES",
    "PLACES_FILE",
    "RULES_FILE",
    "WEIGHTS",
    "AnswerWriter",
    "AskRules",
    "Composer",
    "Composition",
    "Jurisdiction",
    "KindInfo",
    "Library",
    "Paragraph",
    "Place",
    "Profile",
    "QuestionType",
    "SentenceScorer",
    "SentenceVectors",
    "Unit",
    "analyse",
    "caveat_notices",
    "kind_label",
    "load_ask_rules",
    "pairs",
    "place_label",
    "sentence_vectors",
    "split_paragraphs",
    "terms",
]


# ---------------------------------------------------------------------------- composing


class Composer:
    """Scores sentences and composes the offline answer (or the decline)."""

    def __init__(
        self,
        embedder: Any,
        rules: AskRules,
        library: Library,
        cache_dir: Path | None = None,
    ) -> None:
        self.embedder = embedder
        self.rules = rules
        self.library = library
        library.stop = rules.stop_words
        self.vectors = sentence_vectors(embedder, cache_dir)
        self.scorer = SentenceScorer(rules, library, self.vectors)
        self.writer = AnswerWriter(rules, library)

    def warm(self, stop: threading.Event | None = None, limit: int = 5000) -> int:
        """Encode the sentences of every section now (a library of up to ``limit`` sections),
        so that later questions only encode themselves. Returns how many sentences it saw."""
        hits = self.library.representatives(limit)
        seen = 0
        for start in range(0, len(hits), 8):
            if stop is not None and stop.is_set():
                break
            units = self.units(hits[start : start + 8])
            self.vectors.get([u.text for u in units])
            seen += len(units)
        self.vectors.save()
        return seen

    def warm_in_background(self) -> threading.Thread:
        """``warm`` in a daemon thread that is stopped and joined at exit (an encoder killed
        mid-batch at exit can abort the process from inside torch)."""
        stop = threading.Event()
        worker = threading.Thread(
            target=self.warm, kwargs={"stop": stop}, daemon=True, name="curio-warm"
        )
        worker.start()

        def finish() -> None:
            stop.set()
            worker.join(timeout=60)

        atexit.register(finish)
        return worker

    # -------------------------------------------------------------- the parts

    def kind_of(self, chunk: Chunk) -> str:
        return self.rules.kind_of(chunk)

    def units(self, hits: Sequence[Hit]) -> list[Unit]:
        """Every quotable sentence of the retrieved sections (see ``SentenceScorer.units``)."""
        return self.scorer.units(hits)

    def score(self, prof: Profile, hits: list[Hit], units: list[Unit], qvecs: np.ndarray) -> None:
        self.scorer.score(prof, hits, units, qvecs)

    def _wants(
        self, feature: str, prof: Profile, text: str, words: list[str], title: str = ""
    ) -> float:
        return self.scorer.wants(feature, prof, text, words, title)

    def covers(self) -> str:
        return self.writer.covers()

    def quote(self, unit: Unit) -> str:
        return self.writer.quote(unit)

    def render(
        self, comp: Composition, question_hint: Callable[[Hit], str] | None = None
    ) -> Answer:
        """The offline answer, or the decline, as an ``Answer``."""
        return self.writer.render(comp, question_hint)

    def cite(self, hit: Hit) -> Citation:
        return self.writer.cite(hit)

    # -------------------------------------------------------------- scope

    def _scope_text(self, chunk: Chunk) -> str:
        m = chunk.metadata
        parts = (chunk.title, chunk.section, self.library.section_text(chunk), m.get("publisher"))
        return " ".join(str(x) for x in parts if x)

    def eligible(self, prof: Profile, hits: list[Hit]) -> tuple[list[int], str]:
        """Which passages may answer, given the jurisdictions and places the question names: a
        passage must carry the jurisdiction (its ``jurisdiction``, or for a document that gives
        none, its text) or name the place."""
        keep = list(range(len(hits)))
        for j in prof.jurisdictions:
            keep = [
                i
                for i in keep
                if j.id in _jurisdiction_ids(hits[i].chunk)
                # a section that declares where it applies is not made Scottish guidance by
                # naming Scotland in passing; a user's own document without one may name it
                or (
                    not _jurisdiction_ids(hits[i].chunk)
                    and j.cues.search(self._scope_text(hits[i].chunk))
                )
            ]
            if not keep:
                return [], "jurisdiction"
        for _name, pattern in prof.places:
            keep = [i for i in keep if pattern.search(self._scope_text(hits[i].chunk))]
            if not keep:
                return [], "place"
        return keep, ""

    # -------------------------------------------------------------- scoring

    # -------------------------------------------------------------- the answer

    def analyse(self, question: str) -> Profile:
        """What the question asks, abbreviations the library never uses spelt out."""
        return spell_out(analyse(question, self.rules), self.library, self.rules)

    def encode(self, prof: Profile) -> np.ndarray:
        """The question (with the glossary's words) and its clauses, in one batch: row 0 also
        serves as the search's query vector."""
        return np.asarray(self.embedder.encode([prof.expanded, *prof.clauses]), dtype=np.float32)

    def compose(
        self, question: str | Profile, hits: list[Hit], qvecs: np.ndarray | None = None
    ) -> Composition:
        """Score the sentences of ``hits`` for the question and choose the answer, or decline."""
        r = self.rules
        prof = question if isinstance(question, Profile) else self.analyse(question)
        comp = Composition(declined=True, profile=prof, hits=list(hits))
        if prof.statistics:
            comp.reason = "statistics"
            return comp
        for name, pattern in prof.instruments:
            if self._foreign_name(name, pattern, hits):
                comp.reason, comp.message = "named", name
                return comp
        for name, pattern in prof.places:
            if not self.library.mentions(pattern, hits):
                comp.reason, comp.message = "place", name
                return comp
        keep, why = self.eligible(prof, hits)
        if why:
            comp.reason = why
            comp.message = (
                prof.jurisdictions[0].label if why == "jurisdiction" else prof.places[0][0]
            )
            return comp
        pool = [hits[i] for i in keep]
        comp.hits = pool
        units = self.units(pool)
        if not units:
            comp.reason = "support"
            return comp
        self.score(prof, pool, units, self.encode(prof) if qvecs is None else qvecs)
        units = self._drop_boilerplate(units, pool)
        for t in prof.required:
            # an amount or a number answers only in a sentence about what was asked (the Forced
            # Marriage Unit's helpline is not the number of a council's front door)
            units = [
                u
                for u in units
                if r.features[t.wants].search(u.text) and u.features.get("lexical", 0.0) > 0
            ]
            if not units:
                comp.reason, comp.message = "topic", t.name
                return comp
        units.sort(key=lambda u: -u.score)
        units = self._source_first(units, prof)
        best = units[0]
        best_passage = max(h.relevance for h in pool)
        unknown = self._unknown(prof, [u.text for u in units])
        comp.support = (best_passage + best.dense) / 2 - r.unknown_penalty * unknown
        floor = r.anchored_support_below if self._anchored(prof, pool) else r.support_below
        if comp.support < floor:
            comp.reason = "support"
            return comp
        comp.declined = False
        comp.picks = self._pick(units)
        return comp

    def _drop_boilerplate(self, units: list[Unit], hits: Sequence[Hit]) -> list[Unit]:
        """Leave out a document's boilerplate (a line repeated word for word in many sections,
        such as an inspection letter's "Local authority: ..." under every finding) unless it
        holds what the question's type asks for: it names the document, it does not answer."""
        texts = [self.library.section_text(h.chunk) for h in hits]
        limit = self.rules.boilerplate_sections

        def boilerplate(u: Unit) -> bool:
            return u.features.get("type_match", 0.0) <= 0 and all(
                self.library.repeats(p, texts) >= limit for p in u.parts
            )

        kept = [u for u in units if not boilerplate(u)]
        return kept or units

    def _foreign_name(self, name: str, pattern: re.Pattern[str], hits: Sequence[Hit]) -> bool:
        """Is a named Act, scheme or procedure outside the library? Only when nothing in it
        names it AND the name shows it is something else: a bracketed place ("(Wales) Act") or a
        word the library never uses ("VAWDASV"). A name built of the library's own words is
        more likely the library's thing called differently ("the London Child Protection
        Procedures") than another one."""
        if self.library.mentions(pattern, hits):
            return False
        if "(" in name:
            return True
        texts = [h.chunk.text for h in hits]
        words = [t for t in terms(name, self.rules.stop_words) if not t.isdigit()]
        return any(not self.library.known(t, texts) for t in words)

    def _anchored(self, prof: Profile, hits: Sequence[Hit]) -> bool:
        """Does the question name enough of the library's rarer words that also head the three
        closest sections? Then it is about what the library covers, however it is worded."""
        r = self.rules
        top = sorted(hits, key=lambda h: -h.relevance)[:3]
        words: set[str] = set()
        for h in top:
            words.update(terms(f"{h.chunk.title} {h.chunk.section}", r.stop_words))
        prefixes = _prefixes(words)
        texts = [h.chunk.text for h in hits]
        rarity = {t: self.library.idf(t, texts) for t in prof.terms if _match(t, words, prefixes)}
        named = [t for t, v in rarity.items() if v >= r.anchor_rarity]
        # one word rare enough names the topic on its own ("taking her abroad to get MARRIED")
        return len(named) >= r.anchor_terms or any(
            v >= r.anchor_single_rarity for v in rarity.values()
        )

    def _unknown(self, prof: Profile, texts: Sequence[str] = ()) -> float:
        """Share of the question's terms (weighted by rarity) that the library never uses: high
        for a question about something else that happens to sound similar ("vaccines at the
        one-year check")."""
        if not prof.terms:
            return 0.0
        idf = {t: self.library.idf(t, texts) for t in prof.terms}
        total = sum(idf.values()) or 1.0
        return (
            sum(
                idf[t]
                for t in prof.terms
                if t not in prof.glossed and not self.library.known(t, texts)
            )
            / total
        )

    def _source_first(self, units: list[Unit], prof: Profile) -> list[Unit]:
        """Open with a source's own words when one scores close to the best: Curio's own
        prompts, and (for national questions) invented examples, only support."""
        top = units[0]
        if top.quote_as == "source" or (top.quote_as == "example" and prof.local):
            return units
        for n, u in enumerate(units[1:], start=1):
            if top.score - u.score > self.rules.prefer_source_within:
                break
            if u.quote_as == "source":
                return [u, *units[:n], *units[n + 1 :]]
        return units

    def _pick(self, units: list[Unit]) -> list[Unit]:
        """The opening sentence, then supporting ones within the margin: the best first, a
        little in favour of passages not yet quoted, never the same point twice."""
        r = self.rules

        def widen(pick: Unit) -> Unit:
            """The same point with the sentence that goes on from it, when that scores about
            as well ("Steps were in place. As a result, some children were left...")."""
            wider = [
                u
                for u in units
                if u.passage == pick.passage
                and len(u.parts) > len(pick.parts)
                and set(pick.parts) <= set(u.parts)
                and u.score >= pick.score - r.widen_within
            ]
            return wider[0] if wider else pick

        first = widen(units[0])
        units = [first, *[u for u in units if u is not first]]
        picks = [units[0]]
        vecs = self.vectors.get([u.text for u in units])
        vec_of = {id(u): v for u, v in zip(units, vecs, strict=True)}
        follows = units[0].after

        def value(u: Unit) -> float:
            bonus = (
                r.follow_bonus
                if follows
                and u.passage == units[0].passage
                and (u.parts[0] == follows or u.parts[-1] == follows)
                else 0.0
            )
            return u.score + bonus

        floor = units[0].score - r.support_margin
        pool = [u for u in units[1:] if value(u) >= floor]

        def fresh(u: Unit) -> bool:
            return all(
                float(vec_of[id(u)] @ vec_of[id(p)]) < r.duplicate_above
                and not (u.passage == p.passage and set(u.parts) & set(p.parts))
                for p in picks
            )

        while len(picks) <= r.max_supporting:
            pool = [u for u in pool if fresh(u)]
            if not pool:
                break
            nxt = max(
                pool,
                key=lambda u: u.score - r.diversity * sum(p.passage == u.passage for p in picks),
            )
            pool.remove(nxt)
            wide = widen(nxt)
            if wide is not nxt and fresh(wide):
                pool = [u for u in pool if u is not wide]
                nxt = wide
            picks.append(nxt)
        return picks

    # -------------------------------------------------------------- wording


def spell_out(prof: Profile, library: Library, rules: AskRules) -> Profile:
    """Add the library's own words for any abbreviation in the question that the library never
    uses ("CCB" -> "controlling or coercive behaviour"), for searching and scoring."""
    added = []
    for m in _ABBREVIATION.finditer(prof.text):
        word = m.group(1)
        if not (word.isupper() or not re.search(r"[aeiouy]", word, re.I)):
            continue  # "CCB" or "ccb", not "per" or "lad"
        stem = terms(word, rules.stop_words)
        if not stem or stem[0] in prof.glossed or library.known(stem[0]):
            continue
        long = library.long_form(word)
        if long:
            added.append(f"{word} ({long})")
            prof.glossed.add(stem[0])
    if added:
        prof.expanded = f"{prof.expanded} ({'; '.join(added)})"
        prof.terms = list(dict.fromkeys(terms(prof.expanded, rules.stop_words)))
    return prof


#: A word that may be an abbreviation: three to five letters (a plural "s" aside), in capitals
#: or without a vowel.
_ABBREVIATION = re.compile(r"(?<![\w'’-])([A-Za-z]{3,5}?)s?(?![\w'’-])")


def _jurisdiction_ids(chunk: Chunk) -> set[str]:
    """``england-and-wales`` -> {england, wales}; ``uk`` -> {uk} (UK-wide is not "about" a
    nation: a question about Scotland needs a source that names Scotland)."""
    raw = str(chunk.metadata.get("jurisdiction", "") or "").strip().lower()
    raw = raw.replace("northern ireland", "northern-ireland").replace(" and ", "-and-")
    return {p.strip() for part in raw.split(",") for p in part.split("-and-") if p.strip()}
