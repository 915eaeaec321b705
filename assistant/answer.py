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
(sentences, terms, the vector cache, the library) and ``assistant.ask_question`` (what a question
asks); every name they define that callers used from here is re-exported.
"""

from __future__ import annotations

import atexit
import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.ask_question import Profile, analyse
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
    _stem,
    pairs,
    sentence_vectors,
    split_paragraphs,
    terms,
)
from assistant.types import Answer, Chunk, Citation, Hit

__all__ = [
    "FEATURES",
    "KINDS",
    "MESSAGES",
    "PLACES_FILE",
    "RULES_FILE",
    "WEIGHTS",
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


@dataclass
class Composition:
    declined: bool
    reason: str = ""  # support | jurisdiction | place | statistics | topic
    message: str = ""
    support: float = 0.0
    hits: list[Hit] = field(default_factory=list)  # the passages the answer may draw on
    picks: list[Unit] = field(default_factory=list)  # the opening sentence first
    profile: Profile | None = None


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

    # -------------------------------------------------------------- whose words

    def kind_of(self, chunk: Chunk) -> str:
        kind = chunk.kind
        if kind in self.rules.kinds:
            return kind
        typ = str(chunk.metadata.get("type", "") or "")
        return self.rules.type_to_kind.get(typ, "")

    def _authority(self, kind: str) -> float:
        info = self.rules.kinds.get(kind)
        return info.authority if info else self.rules.unknown_authority

    # -------------------------------------------------------------- candidates

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
            base = self.kind_of(h.chunk)
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
                    if k and self._leans_back(para.sentences[k - 1], s):
                        parts = [para.sentences[k - 1], s]
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
            wants = [self._wants(x, prof, u.text, uw, title) for x in prof.wants]
            type_match = sum(wants) / len(wants) if wants else 0.0
            h = hits[u.passage]
            authority = self._authority(u.kind) if not prof.local else r.unknown_authority
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

    def _wants(
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
        if self.rules.features[feature].search(text):
            return 1.0
        if feature == "enumeration" and self.rules.announces.search(text):
            return -0.5  # "sets out seven golden rules" without the rules is no answer to a list
        return 0.0

    # -------------------------------------------------------------- the answer

    def analyse(self, question: str) -> Profile:
        return analyse(question, self.rules)

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
        for t in prof.required:
            units = [u for u in units if r.features[t.wants].search(u.text)]
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
        named = [
            t
            for t in prof.terms
            if self.library.idf(t, texts) >= r.anchor_rarity and _match(t, words, prefixes)
        ]
        return len(named) >= r.anchor_terms

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

    def covers(self) -> str:
        names = self.library.local_names()
        local = self.rules.covers_local.format(names="; ".join(names)) if names else ""
        return self.rules.covers.format(local=local)

    def quote(self, unit: Unit) -> str:
        """A sentence as it is shown: labelled when it is an invented example or Curio's own."""
        text = unit.text
        if unit.quote_as == "prompt":
            return self.rules.labels["prompt"] + _lower_first(_strip_label(text, self.rules))
        if unit.quote_as == "example" and not re.search(r"\binvented\b", text, re.I):
            return self.rules.labels["example"] + text
        return text

    def render(
        self, comp: Composition, question_hint: Callable[[Hit], str] | None = None
    ) -> Answer:
        """The offline answer, or the decline, as an ``Answer``."""
        if comp.declined:
            return self._decline(comp)
        used: list[int] = []
        lines: list[str] = []
        for n, u in enumerate(comp.picks):
            if u.passage not in used:
                used.append(u.passage)
            line = f"{self.quote(u)} [{used.index(u.passage) + 1}]"
            if n == 0:
                lines.append(line)
                if len(comp.picks) > 1:
                    lines.append("")
                    lines.append("Also from the guidance:")
            else:
                lines.append(f"- {line}")
        citations = [self.cite(comp.hits[i]) for i in used]
        text = "\n".join(lines)
        hint = question_hint(comp.hits[used[0]]) if question_hint else ""
        if hint:
            text += f"\n\nA question to take back to the case: {hint}"
        return Answer(text=text, citations=citations, notices=caveat_notices(citations))

    def cite(self, hit: Hit) -> Citation:
        """A hit as a citation, with its kind (read from the older ``type`` if need be)."""
        c = Citation.from_hit(hit)
        kind = self.kind_of(hit.chunk)
        return replace(c, kind=kind) if kind and kind != c.kind else c

    def _decline(self, comp: Composition) -> Answer:
        r = self.rules
        covers = self.covers()
        reason = comp.reason or "support"
        citations: list[Citation] = []
        if reason == "support":
            text = r.messages["support"].format(
                support=f"{comp.support:.2f}",
                threshold=f"{r.support_below:.2f}",
                covers=covers,
            )
            near = comp.hits[:3]
            citations = [self.cite(h) for h in near]
            text += "\n" + "\n".join(
                f"- {h.chunk.title} — {h.chunk.section} [{n}]" for n, h in enumerate(near, 1)
            )
        elif reason == "jurisdiction":
            text = r.messages["jurisdiction"].format(jurisdiction=comp.message, covers=covers)
        elif reason == "statistics":
            place = comp.profile.places[0][0] if comp.profile and comp.profile.places else ""
            text = r.messages["statistics"].format(place=place, covers=covers)
        elif reason == "named":
            text = r.messages["named"].format(name=comp.message, covers=covers)
        elif reason == "topic":
            text = r.messages["topic"].format(
                topic=r.topics.get(comp.message, comp.message), covers=covers
            )
        else:
            text = r.messages["place"].format(place=comp.message, covers=covers)
        return Answer(text=text, declined=True, citations=citations, model="none")


def _jurisdiction_ids(chunk: Chunk) -> set[str]:
    """``england-and-wales`` -> {england, wales}; ``uk`` -> {uk} (UK-wide is not "about" a
    nation: a question about Scotland needs a source that names Scotland)."""
    raw = str(chunk.metadata.get("jurisdiction", "") or "").strip().lower()
    raw = raw.replace("northern ireland", "northern-ireland").replace(" and ", "-and-")
    return {p.strip() for part in raw.split(",") for p in part.split("-and-") if p.strip()}


def _strip_label(text: str, rules: AskRules) -> str:
    m = rules.own_words.match(text)
    return text[m.end() :].strip() if m else text


def _lower_first(text: str) -> str:
    return text[:1].upper() + text[1:]
