"""The one place that builds Curio's parts from the settings: embedder, index, retriever,
reviewer, chat model, audit log and the chat layer over them.

The app, every CLI command and the evaluations take a :class:`Parts`, so a test hands in fakes
(``Parts(settings, retriever=..., reviewer=...)``) instead of clearing process caches. Each part
is built on first use: ``curio ask`` never waits for the review model, ``curio sources`` never
loads a chat model. The reviewer is kept once per process for each index and version of the
review data, because loading (or first training) the lens model is the slow step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.audit import AuditLog
    from assistant.chat import Curio
    from assistant.index import Index
    from assistant.llm import Backend

Progress = Callable[[Iterable[Any], int], Iterable[Any]]

_UNSET: Any = object()

#: (index id, retriever mode, size limit, review data stamps) -> (retriever, reviewer)
_cache: dict[tuple[Any, ...], tuple[Any, Any]] = {}
_cache_lock = threading.Lock()


def _file_stamp(path: Path) -> tuple[str, float, int]:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), 0.0, -1)
    return (str(path), stat.st_mtime, stat.st_size)


class LazyReviewer:
    """The reviewer, loaded (or, in a new home, trained) on first use: `curio ask` and
    `curio search` never wait for the review model."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._real: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        with self._lock:
            if self._real is None:
                self._real = self._make()
            return self._real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.load(), name)


class Parts:
    """Curio's parts for one set of settings, each built on first use unless handed in."""

    def __init__(
        self,
        settings: Settings,
        *,
        index: Any = None,
        retriever: Any = _UNSET,
        reviewer: Any = None,
        llm: Any = _UNSET,
        audit: Any = None,
        embedder: Any = None,
        curio: Any = None,
        progress: Progress | None = None,
    ) -> None:
        self.settings = settings
        self.progress = progress
        self._index = index
        self._retriever = retriever
        self._reviewer = reviewer
        self._llm = llm
        self._audit = audit
        self._embedder = embedder
        self._curio = curio
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ the parts

    @property
    def index(self) -> Index:
        """The guidance index (opened once per process; built from the corpus if missing)."""
        with self._lock:
            if self._index is None:
                from assistant.index import open_index

                self._index = open_index(self.settings, progress=self.progress)
            return self._index

    def store(self) -> Index:
        """The index as it is on disk, not built from the corpus: what ingest and remove
        change."""
        if self._index is not None:
            return self._index
        from assistant.index import open_index

        return open_index(self.settings, build=False)

    def _copy(self, **changes: Any) -> Parts:
        given = {
            "index": self._index,
            "retriever": self._retriever,
            "reviewer": self._reviewer,
            "llm": self._llm,
            "audit": self._audit,
            "embedder": self._embedder,
            "progress": self.progress,
        }
        return Parts(self.settings, **(given | changes))

    def without_retriever(self) -> Parts:
        """These parts with no guidance search: a review still flags, without citations."""
        return self._copy(index=None, retriever=None, reviewer=None)

    def without_model(self) -> Parts:
        """These parts with no chat model: `curio review` shows the reviewer's own words."""
        return self._copy(llm=None)

    @property
    def embedder(self) -> Any:
        with self._lock:
            if self._embedder is None:
                index = self._index
                if index is None and self._retriever not in (_UNSET, None):
                    index = getattr(self._retriever, "index", None)
                self._embedder = getattr(index, "embedder", None)
            if self._embedder is None:
                from assistant.embed import get_embedder

                self._embedder = get_embedder(self.settings)
            return self._embedder

    @property
    def retriever(self) -> Any:
        """Hybrid search over the index, with the settings' retriever mode."""
        self._shared()
        return self._retriever

    @property
    def reviewer(self) -> Any:
        """The lens reviewer over :attr:`retriever` (its citations), built on first use."""
        self._shared()
        return self._reviewer

    def _shared(self) -> None:
        """The retriever and reviewer, from the process cache unless handed in."""
        with self._lock:
            if self._retriever is not _UNSET and self._reviewer is not None:
                return
            if self._retriever is _UNSET:
                from assistant.retrieve import Retriever

                index = self.index
                key = review_key(self.settings, index)
                with _cache_lock:
                    cached = _cache.get(key)
                    if cached is None:
                        retriever = Retriever(index, mode=self.settings.retriever)
                        cached = _cache[key] = (retriever, _reviewer_for(self.settings, retriever))
                self._retriever = cached[0]
                if self._reviewer is None:
                    self._reviewer = cached[1]
            if self._reviewer is None:  # a retriever handed in (or None: no citations)
                self._reviewer = _reviewer_for(self.settings, self._retriever)

    @property
    def llm(self) -> Backend | None:
        """The configured chat model, or None for the offline composer."""
        with self._lock:
            if self._llm is _UNSET:
                from assistant.llm import build_llm

                self._llm = build_llm(self.settings)
            return self._llm

    @property
    def audit(self) -> AuditLog:
        with self._lock:
            if self._audit is None:
                from assistant.audit import AuditLog

                self._audit = AuditLog(self.settings.audit_path, self.settings.audit_max_bytes)
            return self._audit

    @property
    def curio(self) -> Curio:
        """The chat layer over these parts. The prompt data is checked first, so a bad edit
        fails before any model loads."""
        with self._lock:
            if self._curio is None:
                from assistant.answer import load_ask_rules
                from assistant.chat import Curio
                from assistant.lenses import load_catalogue
                from assistant.prompts import load_prompts

                settings = self.settings
                prompts = load_prompts(settings.prompts_dir)
                ask_rules = load_ask_rules(settings.prompts_dir)
                catalogue = load_catalogue(Path(settings.prompts_dir) / "lenses.yaml")
                llm = self.llm
                self._curio = Curio(
                    self.retriever,
                    self.reviewer,
                    catalogue,
                    llm=llm,
                    settings=settings,
                    audit=self.audit,
                    prompts=prompts,
                    embedder=self.embedder,
                    ask_rules=ask_rules,
                )
            return self._curio


def review_key(settings: Settings, index: Any) -> tuple[Any, ...]:
    """What the cached reviewer depends on: the index and the review data's files."""
    data = Path(settings.prompts_dir)
    names = ("lenses.yaml", "review.yaml", "labelled_sentences.jsonl")
    training = sorted((data / "training").glob("*.yaml"))
    return (
        id(index),
        settings.retriever,
        settings.max_text_chars,
        tuple(_file_stamp(data / name) for name in names),
        tuple(_file_stamp(p) for p in training),
    )


def _reviewer_for(settings: Settings, retriever: Any) -> LazyReviewer:
    from assistant.review import build_reviewer

    return LazyReviewer(lambda: build_reviewer(settings, retriever))


def build(settings: Settings, progress: Progress | None = None) -> Parts:
    """Curio's parts for these settings; nothing is loaded until it is first used."""
    return Parts(settings, progress=progress)
