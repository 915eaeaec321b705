"""What each layer needs of the parts it is handed, as Protocols rather than ``Any``.

``runtime.build`` hands in the real parts; tests hand in small fakes (``tests/fakes.py``) that
satisfy the same Protocols, so a fake that drifts from the real interface fails type checking.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol, Unpack

from assistant.types import AnswerRecord, Hit, ReviewResult


class Searcher(Protocol):
    """Guidance search (``retrieve.Retriever``)."""

    def search(self, query: str, k: int = 5, prefer_lens: str | None = None) -> list[Hit]: ...


class Reviewer(Protocol):
    """The lens reviewer (``review.Reviewer``): a draft in, flags out."""

    def review(self, text: str) -> ReviewResult: ...


class Catalogue(Protocol):
    """The lens catalogue (``lenses.Catalogue``): lenses by id, in order, with a version."""

    @property
    def version(self) -> str: ...

    def __getitem__(self, lens_id: str) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


class Embedder(Protocol):
    """Sentence vectors (``embed.Embedder``)."""

    def encode(self, texts: Sequence[str]) -> Any: ...


class AuditSink(Protocol):
    """Where one line per answer goes (``audit.AuditLog``); never the text itself."""

    def answer(self, **record: Unpack[AnswerRecord]) -> None: ...
