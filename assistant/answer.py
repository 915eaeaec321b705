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
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import math
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from assistant.errors import CurioError
from assistant.types import Answer, Chunk, Citation, Hit

KINDS = (
    "law",
    "statutory-guidance",
    "national-review",
    "inspection-finding",
    "practice-guidance",
    "local-procedure",
    "invented-example",
    "practice-prompt",
)
WEIGHTS = (
    "dense",
    "lexical",
    "key_terms",
    "phrase",
    "type_match",
    "passage",
    "rank",
    "authority",
)
FEATURES = (
    "duration",
    "number",
    "date",
    "provision",
    "law",
    "money",
    "contact",
    "agent",
    "enumeration",
    "deontic",
    "definition",
    "copula",
    "examples",
    "limits",
)
MESSAGES = ("support", "jurisdiction", "place", "statistics", "topic", "named")
RULES_FILE = "ask_rules.yaml"
PLACES_FILE = "ask_places.txt"

_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z\"'(\[])")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’]*|\d+(?:[.,]\d+)?%?")


# ---------------------------------------------------------------------------- the rules


@dataclass(frozen=True)
class QuestionType:
    name: str
    cues: tuple[re.Pattern[str], ...]
    wants: str
    requires: bool = False


@dataclass(frozen=True)
class Jurisdiction:
    id: str
    label: str
    cues: re.Pattern[str]


@dataclass(frozen=True)
class KindInfo:
    label: str
    authority: float
    quote_as: str  # source | example | prompt


@dataclass(frozen=True)
class Place:
    name: str
    pattern: re.Pattern[str]
    strict: bool  # only when capitalised and not a person


@dataclass(frozen=True)
class AskRules:
    """Everything the composer needs from ``prompts/``, checked when loaded."""

    weights: dict[str, float]
    clause_discount: float
    max_supporting: int
    support_margin: float
    diversity: float
    prefer_source_within: float
    follow_bonus: float
    widen_within: float
    modal_share: float
    duplicate_above: float
    min_chars: int
    max_chars: int
    support_below: float
    anchor_terms: int
    anchor_rarity: float
    anchored_support_below: float
    unknown_penalty: float
    types: tuple[QuestionType, ...]
    features: dict[str, re.Pattern[str]]
    kinds: dict[str, KindInfo]
    type_to_kind: dict[str, str]
    unknown_authority: float
    own_words: re.Pattern[str]
    invented: re.Pattern[str]
    labels: dict[str, str]
    leans_back: re.Pattern[str]
    short_sentence: int
    leans_early: re.Pattern[str]
    announces: re.Pattern[str]
    list_item: re.Pattern[str]
    glossary: tuple[tuple[re.Pattern[str], str], ...]
    stop_words: frozenset[str]
    source_pointer: re.Pattern[str]
    instruction_like: re.Pattern[str]
    home_jurisdiction: str
    jurisdictions: tuple[Jurisdiction, ...]
    shared_jurisdiction: re.Pattern[str]
    places: tuple[Place, ...]
    body_names: re.Pattern[str]
    not_names: frozenset[str]
    person_after: re.Pattern[str]
    person_before: re.Pattern[str]
    statistics: re.Pattern[str]
    statistics_now: re.Pattern[str]
    instruments: re.Pattern[str]
    messages: dict[str, str]
    topics: dict[str, str]
    covers: str
    covers_local: str
    digest: str = ""

    def kind_info(self, kind: str) -> KindInfo | None:
        return self.kinds.get(kind)

    @property
    def kind_labels(self) -> dict[str, str]:
        return {k: v.label for k, v in self.kinds.items()}

    def glossed(self, question: str) -> set[str]:
        """The practitioners' own words the glossary explains ("kids", "non-mol"): not words
        the library lacks, since the guidance's words are added for them."""
        out: set[str] = set()
        for pattern, _words in self.glossary:
            for m in pattern.finditer(question):
                out.update(terms(m.group(0), self.stop_words))
        return out

    def expand(self, question: str) -> str:
        """The question with the guidance's words added after practitioners' own ("dad
        (father)"), for searching and scoring; never shown."""
        found: list[tuple[int, int, str]] = []
        for pattern, words in self.glossary:
            for m in pattern.finditer(question):
                if not any(a < m.end() and m.start() < b for a, b, _ in found):
                    found.append((m.start(), m.end(), words))
        out, last = [], 0
        for _start, b, words in sorted(found):
            out.append(f"{question[last:b]} ({words})")
            last = b
        return "".join(out) + question[last:]


def _need(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise CurioError(f"{where} lacks the key '{key}'.")
    return data[key]


def _regex(value: Any, where: str, flags: int = re.I) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise CurioError(f"{where} must be a regular expression (text).")
    try:
        return re.compile(value, flags)
    except re.error as exc:
        raise CurioError(f"{where} is not a valid regular expression: {exc}.") from exc


def _number(value: Any, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise CurioError(f"{where} must be a number from {low:g} to {high:g}.")
    return float(value)


def _load_places(path: Path) -> tuple[Place, ...]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise CurioError(f"The place list {path} is missing.") from exc
    except UnicodeDecodeError as exc:
        raise CurioError(f"The place list {path} is not UTF-8 text.") from exc
    out: dict[str, Place] = {}
    for line in lines:
        name = line.strip()
        if not name or name.startswith("#"):
            continue
        strict = name.startswith("!")
        name = name.lstrip("!").strip()
        words = [re.escape(w) for w in name.split()]
        body = r"[\s-]+".join(words).replace(r"\ and\ ", r"\s+(?:and|&)\s+")
        flags = 0 if strict else re.I
        out[name.lower()] = Place(name, re.compile(rf"(?<![\w-]){body}(?![\w-])", flags), strict)
    if not out:
        raise CurioError(f"The place list {path} names no places.")
    # longest first, so "North Yorkshire" is found before "Yorkshire"
    return tuple(sorted(out.values(), key=lambda p: -len(p.name)))


def load_ask_rules(prompts_dir: Path | str) -> AskRules:
    """Read ``ask_rules.yaml`` and ``ask_places.txt``; one clear line on any mistake."""
    folder = Path(prompts_dir)
    path = folder / RULES_FILE
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except FileNotFoundError as exc:
        raise CurioError(f"The ask rules {path} are missing.") from exc
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CurioError(f"The ask rules {path} are not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CurioError(f"The ask rules {path} must be a mapping.")
    w = path.name
    raw_weights = _need(data, "weights", w)
    if not isinstance(raw_weights, dict):
        raise CurioError(f"{w}: weights must be a mapping.")
    missing = [k for k in WEIGHTS if k not in raw_weights]
    if missing:
        raise CurioError(f"{w}: weights lacks {', '.join(missing)}.")
    weights = {k: _number(raw_weights[k], f"{w}: weights.{k}", 0, 5) for k in WEIGHTS}
    raw_features = _need(data, "features", w)
    features = {
        k: _regex(_need(raw_features, k, f"{w}: features"), f"{w}: features.{k}") for k in FEATURES
    }
    features["agent"] = _regex(raw_features["agent"], f"{w}: features.agent", 0)  # names: case
    types = []
    for n, t in enumerate(_need(data, "question_types", w) or []):
        where = f"{w}: question_types[{n}]"
        if not isinstance(t, dict):
            raise CurioError(f"{where} must be a mapping.")
        name = str(_need(t, "name", where))
        wants = str(_need(t, "wants", where))
        if wants not in features:
            raise CurioError(f"{where} wants {wants!r}, which is not a feature.")
        cues = tuple(
            _regex(c, f"{where}.cues[{i}]") for i, c in enumerate(_need(t, "cues", where) or [])
        )
        if not cues:
            raise CurioError(f"{where} has no cues.")
        types.append(QuestionType(name, cues, wants, bool(t.get("requires", False))))
    kinds: dict[str, KindInfo] = {}
    raw_kinds = _need(data, "kinds", w)
    for k in KINDS:
        info = _need(raw_kinds, k, f"{w}: kinds")
        quote_as = str(_need(info, "quote_as", f"{w}: kinds.{k}"))
        if quote_as not in ("source", "example", "prompt"):
            raise CurioError(f"{w}: kinds.{k}.quote_as must be source, example or prompt.")
        kinds[k] = KindInfo(
            label=str(_need(info, "label", f"{w}: kinds.{k}")),
            authority=_number(_need(info, "authority", f"{w}: kinds.{k}"), f"{w}: {k}", 0, 1),
            quote_as=quote_as,
        )
    type_to_kind = {str(a): str(b) for a, b in (_need(data, "type_to_kind", w) or {}).items()}
    bad = sorted(set(type_to_kind.values()) - set(KINDS))
    if bad:
        raise CurioError(f"{w}: type_to_kind names unknown kind(s) {', '.join(bad)}.")
    labels = _need(data, "labels", w)
    for k in ("example", "prompt"):
        if not isinstance(labels.get(k), str):
            raise CurioError(f"{w}: labels.{k} must be text.")
    jurisdictions = []
    for n, j in enumerate(_need(data, "jurisdictions", w) or []):
        where = f"{w}: jurisdictions[{n}]"
        jurisdictions.append(
            Jurisdiction(
                id=str(_need(j, "id", where)),
                label=str(_need(j, "label", where)),
                cues=_regex(_need(j, "cues", where), f"{where}.cues"),
            )
        )
    body = _regex(_need(data, "body_nouns", w), f"{w}: body_nouns")
    body_names = re.compile(
        r"\b((?:[A-Z][\w'’-]*)(?:\s+(?:[A-Z][\w'’-]*|upon|on|and|with))*)(?:'s|’s)?\s+"
        rf"(?i:{body.pattern})\b"
    )
    raw_stop = _need(data, "stop_words", w) or []
    odd = [repr(x) for x in raw_stop if not isinstance(x, str)]
    if odd:  # YAML reads a bare on, off, no or yes as true/false
        raise CurioError(f"{w}: stop_words must be text; quote {', '.join(odd)}.")
    nouns = _regex(_need(data, "instrument_nouns", w), f"{w}: instrument_nouns", 0)
    name_word = r"(?:[A-Z][\w'’-]*|\((?:[A-Z][\w ]*)\))"
    instruments = re.compile(
        rf"\b({name_word}(?:\s+(?:{name_word}|and|of|for|on|the|to|&))*?)\s+(?:{nouns.pattern})"
        r"(?:\s+\(?[A-Z]{1,3}\)?)?(?:\s+(?:19|20)\d\d)?(?![\w-])"
    )
    messages = _need(data, "messages", w)
    for k in MESSAGES:
        if not isinstance(messages.get(k), str):
            raise CurioError(f"{w}: messages.{k} must be text.")
    rules = AskRules(
        weights=weights,
        clause_discount=_number(_need(data, "clause_discount", w), f"{w}: clause_discount", 0, 1),
        max_supporting=int(_number(_need(data, "max_supporting", w), f"{w}: max_supporting", 0, 8)),
        support_margin=_number(_need(data, "support_margin", w), f"{w}: support_margin", 0, 2),
        diversity=_number(_need(data, "diversity", w), f"{w}: diversity", 0, 1),
        follow_bonus=_number(_need(data, "follow_bonus", w), f"{w}: follow_bonus", 0, 1),
        widen_within=_number(_need(data, "widen_within", w), f"{w}: widen_within", 0, 1),
        modal_share=_number(_need(data, "modal_share", w), f"{w}: modal_share", 0, 1),
        prefer_source_within=_number(
            _need(data, "prefer_source_within", w), f"{w}: prefer_source_within", 0, 2
        ),
        duplicate_above=_number(_need(data, "duplicate_above", w), f"{w}: duplicate_above", 0, 1),
        min_chars=int(_number(_need(data, "min_sentence_chars", w), f"{w}: min", 1, 500)),
        max_chars=int(_number(_need(data, "max_sentence_chars", w), f"{w}: max", 50, 5000)),
        support_below=_number(_need(data, "support_below", w), f"{w}: support_below", 0, 1),
        anchor_terms=int(_number(_need(data, "anchor_terms", w), f"{w}: anchor_terms", 1, 10)),
        anchor_rarity=_number(_need(data, "anchor_rarity", w), f"{w}: anchor_rarity", 0, 20),
        anchored_support_below=_number(
            _need(data, "anchored_support_below", w), f"{w}: anchored_support_below", 0, 1
        ),
        unknown_penalty=_number(_need(data, "unknown_penalty", w), f"{w}: unknown_penalty", 0, 1),
        types=tuple(types),
        features=features,
        kinds=kinds,
        type_to_kind=type_to_kind,
        unknown_authority=_number(
            _need(data, "unknown_authority", w), f"{w}: unknown_authority", 0, 1
        ),
        own_words=_regex(_need(data, "own_words", w), f"{w}: own_words"),
        invented=_regex(_need(data, "invented", w), f"{w}: invented"),
        labels={k: str(labels[k]) for k in ("example", "prompt")},
        leans_back=_regex(_need(data, "leans_back", w), f"{w}: leans_back"),
        short_sentence=int(
            _number(_need(data, "short_sentence_chars", w), f"{w}: short_sentence_chars", 0, 200)
        ),
        leans_early=_regex(_need(data, "leans_early", w), f"{w}: leans_early"),
        announces=_regex(_need(data, "announces", w), f"{w}: announces"),
        list_item=_regex(_need(data, "list_item", w), f"{w}: list_item"),
        glossary=tuple(
            (_regex(rf"(?<![\w-])(?:{k})(?![\w])", f"{w}: glossary {k!r}"), str(v))
            for k, v in (_need(data, "glossary", w) or {}).items()
        ),
        stop_words=frozenset(x.lower() for x in raw_stop),
        source_pointer=_regex(_need(data, "source_pointer", w), f"{w}: source_pointer"),
        instruction_like=_regex(_need(data, "instruction_like", w), f"{w}: instruction_like"),
        home_jurisdiction=str(_need(data, "home_jurisdiction", w)),
        jurisdictions=tuple(jurisdictions),
        shared_jurisdiction=_regex(
            _need(data, "shared_jurisdiction", w), f"{w}: shared_jurisdiction"
        ),
        places=_load_places(folder / PLACES_FILE),
        body_names=body_names,
        not_names=frozenset(str(x) for x in _need(data, "not_names", w) or []),
        person_after=_regex(_need(data, "person_after", w), f"{w}: person_after"),
        person_before=_regex(_need(data, "person_before", w), f"{w}: person_before"),
        statistics=_regex(_need(data, "statistics", w), f"{w}: statistics"),
        statistics_now=_regex(_need(data, "statistics_now", w), f"{w}: statistics_now"),
        instruments=instruments,
        messages={k: str(messages[k]) for k in MESSAGES},
        topics={str(k): str(v) for k, v in (_need(data, "topics", w) or {}).items()},
        covers=str(_need(data, "covers", w)),
        covers_local=str(_need(data, "covers_local", w)),
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    for t in rules.types:
        if t.requires and t.name not in rules.topics:
            raise CurioError(f"{w}: topics lacks '{t.name}' (a question type that requires).")
    return rules


# ---------------------------------------------------------------------------- text helpers


@dataclass
class Paragraph:
    sentences: list[str]
    item: bool = False  # a list item ("- ...", "1. ...")


def split_paragraphs(text: str) -> list[Paragraph]:
    """Paragraphs (and list items) of a passage, each as its sentences."""
    out = []
    breaks = r"\n\s*\n|[ \t]{2,}\n|\n(?=\s*[-*#]|\s*\d+\.\s)|\n(?=[A-Z][\w ]{2,30}:)"
    for raw in re.split(breaks, text):
        item = bool(re.match(r"\s*(?:[-*]\s|\d+\.\s)", raw))
        para = " ".join(raw.replace("#", " ").split()).strip(" -*")
        if item:
            para = re.sub(r"^\d+\.\s+", "", para)
        sentences = [s.strip() for s in _SENTENCE.split(para) if s.strip()]
        if sentences:
            out.append(Paragraph(sentences, item))
    return out


_stemmer: Any = None
_stem_lock = threading.Lock()


def _stem(words: list[str]) -> list[str]:
    global _stemmer
    with _stem_lock:
        if _stemmer is None:
            import Stemmer

            _stemmer = Stemmer.Stemmer("english")
        return list(_stemmer.stemWords(words))


@functools.lru_cache(maxsize=65536)
def _terms(text: str, stop: frozenset[str]) -> tuple[str, ...]:
    words = [
        re.sub(r"['’](?:s|re|ve|ll|d|m|t)$", "", w.lower()).strip("'’") for w in _WORD.findall(text)
    ]
    words = [w for w in words if w and w not in stop and (len(w) > 1 or w.isdigit())]
    return tuple(_stem(words))


def terms(text: str, stop: frozenset[str] = frozenset()) -> list[str]:
    """Content words, lower-cased and stemmed (``stop`` words and one-letter words dropped).
    Cached: the same guidance sentences come back question after question."""
    return list(_terms(text, stop))


def pairs(words: list[str]) -> set[tuple[str, str]]:
    """Adjacent content words: "one chance rule" -> (one, chanc), (chanc, rule)."""
    return set(zip(words, words[1:], strict=False))


# ---------------------------------------------------------------------------- sentence vectors


class SentenceVectors:
    """Embeddings of guidance sentences, by content hash: in memory, and on disk when a folder
    is given. Questions are never stored (they may hold case details)."""

    LIMIT = 200_000

    def __init__(self, embedder: Any, folder: Path | None) -> None:
        self.embedder = embedder
        self.path: Path | None = None
        if folder is not None:
            fp = hashlib.sha256(str(getattr(embedder, "fingerprint", "model")).encode())
            self.path = Path(folder) / f"{fp.hexdigest()[:16]}.npz"
        self._keys: dict[str, int] = {}
        self._rows: list[np.ndarray] = []
        self._lock = threading.Lock()
        self._loaded = False
        self._dirty = 0
        self._saved_at = 0.0
        atexit.register(self.save)

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]

    def _load(self) -> None:
        self._loaded = True
        if self.path is None or not self.path.is_file():
            return
        with contextlib.suppress(Exception):  # a damaged cache is rebuilt as needed
            with np.load(self.path, allow_pickle=False) as data:
                keys, vecs = list(data["keys"]), np.asarray(data["vectors"], dtype=np.float32)
            for k, v in zip(keys, vecs, strict=True):
                if str(k) not in self._keys:
                    self._keys[str(k)] = len(self._rows)
                    self._rows.append(v)

    def get(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text; missing ones are encoded in one batch."""
        with self._lock:
            if not self._loaded:
                self._load()
            keys = [self.key(t) for t in texts]
            todo = list(dict.fromkeys(k for k in keys if k not in self._keys))
        if todo:
            first = {}
            for k, t in zip(keys, texts, strict=True):
                first.setdefault(k, t)
            vecs = np.asarray(self.embedder.encode([first[k] for k in todo]), dtype=np.float32)
            with self._lock:
                for k, v in zip(todo, vecs, strict=True):
                    if k not in self._keys and len(self._rows) < self.LIMIT:
                        self._keys[k] = len(self._rows)
                        self._rows.append(v)
                        self._dirty += 1
                    elif k not in self._keys:  # over the limit: used now, not kept
                        self._rows.append(v)
                        self._keys[k] = len(self._rows) - 1
        with self._lock:
            out = np.stack([self._rows[self._keys[k]] for k in keys]) if keys else np.zeros((0, 1))
        if self._dirty and time.monotonic() - self._saved_at > 5:
            self.save()
        return out

    def save(self) -> None:
        """Write the cache atomically (merged with what another process saved meanwhile)."""
        if self.path is None or not self._dirty:
            return
        with self._lock:
            keys = list(self._keys)
            vecs = np.stack([self._rows[self._keys[k]] for k in keys]) if keys else None
            self._dirty = 0
            self._saved_at = time.monotonic()
        if vecs is None:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{threading.get_ident()}.tmp.npz")
            np.savez(tmp, keys=np.asarray(keys), vectors=vecs)
            tmp.replace(self.path)


_stores: dict[tuple[int, str], SentenceVectors] = {}
_stores_lock = threading.Lock()


def sentence_vectors(embedder: Any, folder: Path | None) -> SentenceVectors:
    """One cache per model and folder in a process (every Curio built in it shares it)."""
    key = (id(embedder), str(folder))
    with _stores_lock:
        if key not in _stores:
            _stores[key] = SentenceVectors(embedder, folder)
        return _stores[key]


# ---------------------------------------------------------------------------- the library


class Library:
    """What the composer asks of the guidance index: whole sections, which documents mention a
    name, how rare a term is and what the library holds. Works from the retriever's index when
    there is one, else (fakes in tests) from the passages retrieved."""

    def __init__(self, retriever: Any, stop: frozenset[str] = frozenset()) -> None:
        self.retriever = retriever
        self.index = getattr(retriever, "index", None)
        self.stop = stop  # the composer's stop words, so rarity is counted on the same terms
        self._lock = threading.Lock()
        self._gen: Any = None
        self._sections: dict[tuple[str, str], str] = {}
        self._df: dict[str, int] = {}
        self._docs = 0
        self._local: list[str] = []
        self._checked = -1e9

    #: Seconds for which the index is taken as unchanged: one question asks the library about
    #: rarity a few dozen times, and each look at the index costs a store query.
    RECHECK_SECONDS = 1.0

    def _chunks(self) -> list[Chunk]:
        if self.index is None:
            return []
        with contextlib.suppress(Exception):
            return list(self.index.chunks())
        return []

    def _refresh(self) -> None:
        """Rebuild the per-generation caches when the index changed (a new ingest)."""
        now = time.monotonic()
        if self._gen is not None and now - self._checked < self.RECHECK_SECONDS:
            return
        self._checked = now
        chunks = self._chunks()
        gen = (id(chunks[0]) if chunks else None, len(chunks))
        if self.index is not None:
            gen = (getattr(self.index, "_loaded_name", None), len(chunks))
        with self._lock:
            if gen == self._gen:
                return
            parts: dict[tuple[str, str], list[Chunk]] = {}
            for c in chunks:
                parts.setdefault(_place_of(c), []).append(c)
            sections = {}
            for place, group in parts.items():
                group.sort(key=lambda c: c.metadata.get("ordinal", 0))
                sections[place] = _join([c.text for c in group])
            df: dict[str, int] = {}
            step = max(1, len(chunks) // 5000)  # a sample is enough to tell rare from common
            sample = chunks[::step]
            for c in sample:
                for t in set(terms(f"{c.title} {c.section} {c.text}", self.stop)):
                    df[t] = df.get(t, 0) + 1
            local = []
            for c in chunks:
                kind = str(c.metadata.get("kind") or "")
                typ = str(c.metadata.get("type") or "")
                if kind in ("local-procedure", "invented-example") or "local-procedure" in typ:
                    name = str(c.metadata.get("publisher") or c.title)
                    if name and name not in local:
                        local.append(name)
            self._sections, self._df, self._docs = sections, df, len(sample)
            self._local = local
            self._gen = gen

    def representatives(self, limit: int) -> list[Hit]:
        """One passage per section of the library (none when it has more than ``limit``)."""
        chunks = self._chunks()
        firsts: dict[tuple[str, str], Chunk] = {}
        for c in chunks:
            place = _place_of(c)
            if place not in firsts:
                firsts[place] = c
                if len(firsts) > limit:
                    return []
        return [Hit(chunk=c, score=0.0) for c in firsts.values()]

    def section_text(self, chunk: Chunk) -> str:
        self._refresh()
        return self._sections.get(_place_of(chunk), chunk.text)

    def idf(self, term: str, extra: Sequence[str] = ()) -> float:
        """Rarity of a stemmed term across the library (fakes: across the given texts)."""
        self._refresh()
        if self._docs:
            return math.log(1 + self._docs / (1 + self._df.get(term, 0)))
        n = len(extra) or 1
        df = sum(term in terms(t, self.stop) for t in extra)
        return math.log(1 + n / (1 + df))

    def known(self, term: str, extra: Sequence[str] = ()) -> bool:
        """Does the library use this stemmed term at all (fakes: do the given texts)?"""
        self._refresh()
        if self._docs:
            return self._df.get(term, 0) > 0
        return any(term in terms(t, self.stop) for t in extra)

    def local_names(self) -> list[str]:
        self._refresh()
        return list(self._local)

    def mentions(self, pattern: re.Pattern[str], hits: Sequence[Hit]) -> bool:
        """Does anything in the library (or, without an index, in ``hits``) match ``pattern``?"""
        if any(pattern.search(_full_text(h.chunk)) for h in hits):
            return True
        if self.index is None:
            return False
        words = " ".join(re.sub(r"\\.|[^A-Za-z ]", " ", pattern.pattern).split())
        if not words:
            return False
        with contextlib.suppress(Exception):
            from assistant.index import bm25_tokenize

            bm25, chunks = self.index.bm25()
            tokens = bm25_tokenize([words])
            if not any(len(ids) for ids in tokens.ids):
                return False
            docs, scores = bm25.retrieve(
                tokens, k=min(50, len(chunks)), show_progress=False, n_threads=1
            )
            for i, s in zip(docs[0], scores[0], strict=True):
                if s > 0 and pattern.search(_full_text(chunks[int(i)])):
                    return True
        return False


def _place_of(chunk: Chunk) -> tuple[str, str]:
    return (str(chunk.metadata.get("key", chunk.source)), chunk.section)


def _full_text(chunk: Chunk) -> str:
    m = chunk.metadata
    return " ".join(
        str(x)
        for x in (
            chunk.title,
            chunk.section,
            chunk.text,
            m.get("publisher", ""),
            m.get("jurisdiction", ""),
        )
        if x
    )


def _join(parts: list[str]) -> str:
    """Consecutive chunks of one section, with the splitter's overlap dropped."""
    text = parts[0]
    for part in parts[1:]:
        overlap = 0
        for size in range(min(len(part), 400), 20, -1):
            if text.endswith(part[:size]):
                overlap = size
                break
        text = text + ("" if overlap else "\n\n") + part[overlap:]
    return text


# ---------------------------------------------------------------------------- the question


@dataclass
class Profile:
    """What a question asks for, as far as the composer needs to know."""

    text: str
    expanded: str = ""  # with the glossary's words added, for searching and scoring
    types: list[QuestionType] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    key_terms: list[str] = field(default_factory=list)
    focus: list[str] = field(default_factory=list)  # what a list or definition asks for
    pairs: set[tuple[str, str]] = field(default_factory=set)
    defines: tuple[str, ...] = ()  # "what is the one chance rule": (one, chanc)
    pointer: bool = False  # "what does X say about this?": the other clauses say what "this" is
    jurisdictions: list[Jurisdiction] = field(default_factory=list)
    places: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    statistics: bool = False
    glossed: set[str] = field(default_factory=set)  # practitioners' words the glossary explains
    instruments: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)  # named Acts...

    @property
    def wants(self) -> list[str]:
        return [t.wants for t in self.types]

    @property
    def required(self) -> list[QuestionType]:
        return [t for t in self.types if t.requires]

    @property
    def local(self) -> bool:
        return bool(self.places)


def _is_person(question: str, start: int, end: int, rules: AskRules) -> bool:
    return bool(
        rules.person_after.search(question[end : end + 40])
        or rules.person_before.search(question[max(0, start - 25) : start])
    )


def analyse(question: str, rules: AskRules) -> Profile:
    """Type, terms, clauses and named jurisdictions or places of a question."""
    q = " ".join(question.split())
    prof = Profile(text=q)
    prof.types = []
    for t in rules.types:
        hits = [m for m in (c.search(q) for c in t.cues) if m]
        if hits:
            prof.types.append(t)
            for m in hits:
                focus = m.groupdict().get("focus")
                if focus and t.wants == "definition":
                    head = terms(focus, rules.stop_words)[:2]
                    prof.defines = prof.defines or tuple(head)
                elif focus:
                    prof.focus += [x for x in terms(focus, rules.stop_words) if x not in prof.focus]
    if any(
        t.wants in ("duration", "number", "date", "provision", "law", "enumeration", "examples")
        for t in prof.types
    ):
        # "what is the max sentence" asks for a number, "what are the areas" for a list
        prof.types = [t for t in prof.types if t.wants != "definition"]
        prof.defines = ()
    prof.expanded = rules.expand(q)
    prof.terms = list(dict.fromkeys(terms(prof.expanded, rules.stop_words)))
    prof.pairs = pairs(terms(q, rules.stop_words))
    parts = re.split(r"(?<=[.?!;:])\s+|\s+[-–—]\s+|,\s+(?=(?:and|but|so|because|since)\b)", q)
    parts = [p for sub in parts for p in re.split(r"\s+\b(?:because|since|but)\s+", sub)]
    parts = [p.strip() for p in parts if len(terms(p, rules.stop_words)) >= 2 and p.strip() != q]
    pointer = [p for p in parts if rules.source_pointer.search(p)]
    prof.pointer = bool(pointer) and len(pointer) < len(parts)
    prof.clauses = [rules.expand(p) for p in parts if p not in pointer]
    scan = rules.shared_jurisdiction.sub(" ", q)
    prof.jurisdictions = [j for j in rules.jurisdictions if j.cues.search(scan)]
    lowercase = q == q.lower()
    seen: set[str] = set()
    taken: list[tuple[int, int]] = []
    for place in rules.places:
        flags_ok = not place.strict or not lowercase
        for m in place.pattern.finditer(scan):
            if any(a <= m.start() < b for a, b in taken):
                continue
            if place.strict and (m.start() == 0 or not m.group(0)[:1].isupper()):
                continue
            if not flags_ok or _is_person(scan, m.start(), m.end(), rules):
                continue
            taken.append((m.start(), m.end()))
            if place.name.lower() not in seen:
                seen.add(place.name.lower())
                prof.places.append((place.name, place.pattern))
    for m in rules.body_names.finditer(scan):
        words = m.group(1).split()

        def common(word: str) -> bool:
            return word in rules.not_names or word.lower() in rules.stop_words

        start = m.start(1)
        while words and common(words[0]):
            start += len(words[0]) + 1
            words = words[1:]
        while words and common(words[-1]):  # "Westmoor Borough" -> "Westmoor"
            words = words[:-1]
        if words and re.search(r"(?:^|[.?!]\s+)$", scan[:start]):
            words = words[1:]  # a capital that only starts the sentence is no name
        if not words or all(w in rules.not_names for w in words):
            continue
        name = " ".join(words)
        if name.lower() in seen or any(a <= m.start(1) < b for a, b in taken):
            continue
        if len(name) < 3 or name.isupper():  # acronyms (MASH, MARAC) are not places
            continue
        seen.add(name.lower())
        prof.places.append((name, re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.I)))
    prof.statistics = bool(rules.statistics.search(q)) and (
        bool(prof.places) or bool(rules.statistics_now.search(q))
    )
    prof.glossed = rules.glossed(q)
    prof.instruments = _instruments(q, rules)
    return prof


def _instruments(question: str, rules: AskRules) -> list[tuple[str, re.Pattern[str]]]:
    """Named Acts, schemes and procedures in a question, each with a pattern that finds the
    name in the library (any case, with or without its year, "'s" and spacing free). Names of
    one capitalised word ("Children Act") or made only of glossary abbreviations ("DA Act") are
    left out: too loose to say the library lacks them."""
    out: list[tuple[str, re.Pattern[str]]] = []
    for m in rules.instruments.finditer(question):
        words = m.group(1).split()
        while words and words[0].lower() in rules.stop_words:  # "Under the", "Does"...
            words = words[1:]
        caps = [x for x in words if x[:1].isupper() and not rules.glossed(x)]
        bracket = any(x.startswith("(") for x in words)
        if len(caps) < 2 and not (bracket and caps):
            continue
        name = " ".join(words)
        body = r"\W+".join(re.escape(x.strip("()")) for x in words if x.strip("()"))
        pattern = re.compile(rf"(?<![\w-]){body}", re.I)
        full = question[m.start(1) + m.group(1).find(words[0]) : m.end()].strip()
        out.append((full or name, pattern))
    return out


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
            if not self.library.mentions(pattern, hits):
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


def _prefixes(words: set[str]) -> set[str]:
    """Every word's first six letters, and its first five to eight letters when at most three
    more follow (so "inter" does not lead to "interpret"), for ``_match``."""
    out = {x[:6] for x in words if len(x) >= 6}
    out.update("~" + x[:k] for x in words for k in range(max(5, len(x) - 3), min(len(x), 8) + 1))
    return out


def _match(term: str, words: set[str], prefixes: set[str]) -> float:
    """1 for the same stem; 0.7 for a word of the same family that the stemmer keeps apart:
    one sharing the first six letters ("strangling", "strangulation"), or one that is the other
    and up to three letters ("apply" and "applications", "child" and "children"), but not when
    the longer one only adds an "i" (the stemmer's "police" and "policy")."""
    if term in words:
        return 1.0
    if len(term) >= 6 and term[:6] in prefixes:
        return 0.7
    if len(term) >= 5:
        head = term[:8]
        if "~" + head in prefixes and head + "i" not in words and len(term) <= 8:
            return 0.7
        for k in range(max(5, len(term) - 3), len(term)):
            if term[:k] in words and term[k:] != "i":
                return 0.7
    return 0.0


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


def kind_label(kind: str, labels: dict[str, str] | None = None) -> str:
    """How a kind is shown beside a citation ("statutory guidance")."""
    if not kind:
        return ""
    return (labels or {}).get(kind) or kind.replace("-", " ")


def place_label(jurisdiction: str) -> str:
    """``england-and-wales`` -> "England and Wales"; ``uk`` -> "UK"."""
    raw = str(jurisdiction or "").strip()
    if not raw:
        return ""
    words = raw.replace("-", " ").split()
    return " ".join(
        w.upper() if w.lower() == "uk" else w if w == "and" else w.capitalize() for w in words
    )


def caveat_notices(citations: Sequence[Citation]) -> list[str]:
    """A note for each cited source that is superseded or from another nation."""
    return [
        f"[{n}] is from {c.title}: {c.caveat}; check current England guidance before relying on it."
        for n, c in enumerate(citations, start=1)
        if c.caveat
    ]
