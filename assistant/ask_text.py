"""Text and library helpers for the ask composer: paragraphs and sentences, stemmed terms and
word families, the sentence-vector cache, and the ``Library`` view of the guidance index
(whole sections, term rarity, which documents name a place). Split from ``assistant.answer``,
which re-exports every name here.
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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.index import bm25_tokenize, join_overlapping
from assistant.types import Chunk, Hit

_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z\"'(\[])")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’]*|\d+(?:[.,]\d+)?%?")


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
            first: dict[Any, str] = {}
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
        self._long_forms: dict[str, str] = {}
        self._texts: list[str] = []
        self._lines: dict[str, int] = {}  # a line -> how many sections hold it (two or more)
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
                sections[place] = join_overlapping([c.text for c in group])
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
            self._lines = _repeated_lines(sections.values())
            self._local = local
            self._long_forms = {}
            texts = list(sections.values())
            self._texts = texts[:: max(1, len(texts) // 5000)]
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

    def repeats(self, line: str, extra: Sequence[str] = ()) -> int:
        """In how many sections of the library (fakes: of the given texts) ``line`` stands word
        for word as a whole line, when it is repeated (else 0 or 1): a document's boilerplate
        stands under every heading."""
        self._refresh()
        key = _line_key(line)
        if self._docs:
            return self._lines.get(key, 0)
        return sum(key in {_line_key(x) for x in t.splitlines()} for t in extra) if key else 0

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

    def long_form(self, acronym: str) -> str:
        """The library's own words for an abbreviation it never uses ("CCB" -> "controlling or
        coercive behaviour"): the run of words whose initials spell it, when one run is used
        at least twice and clearly more than any other; else ""."""
        self._refresh()
        key = acronym.upper()
        if key not in self._long_forms:
            found = _spelt_out(key, self._texts)
            ranked = sorted(found.items(), key=lambda kv: -kv[1])
            clear = len(ranked) < 2 or ranked[1][1] * 2 <= ranked[0][1]
            ok = bool(ranked) and ranked[0][1] >= 2 and clear
            self._long_forms[key] = ranked[0][0] if ok else ""
        return self._long_forms[key]

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


_LINKS = r"(?:\s+(?:and|or|of|for|to|the|in|on|with|a|an))*\s+"


def _spelt_out(acronym: str, texts: Sequence[str]) -> dict[str, int]:
    """Runs of words in ``texts`` whose initials spell ``acronym`` (linking words such as "or"
    and "of" not counted), with how often each is used."""
    letters = [re.escape(x) for x in acronym.lower() if x.isalpha()]
    if not 2 <= len(letters) <= 6:
        return {}
    word = r"(?!(?:and|or|of|for|to|the|in|on|with|an?)\b)"
    body = _LINKS.join(rf"{word}{x}[a-z'’-]*" for x in letters)
    pattern = re.compile(rf"(?<![\w'’-]){body}(?![\w'’-])", re.I)
    out: dict[str, int] = {}
    for text in texts:
        for m in pattern.finditer(text):
            run = " ".join(m.group(0).lower().split())
            out[run] = out.get(run, 0) + 1
    return out


def _line_key(line: str) -> str:
    return " ".join(line.split())


def _repeated_lines(texts: Iterable[str]) -> dict[str, int]:
    """Each line that stands in two or more of ``texts``, with how many hold it."""
    counts: dict[str, int] = {}
    for text in texts:
        for key in {_line_key(x) for x in text.splitlines()}:
            if key:
                counts[key] = counts.get(key, 0) + 1
    return {k: v for k, v in counts.items() if v > 1}


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
