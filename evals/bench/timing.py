"""Count the time spent inside ``encode`` so a slow figure can be split into model and the rest."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class EncodeTimer:
    """Wraps an embedder's bound ``encode`` in place; ``seconds`` and ``texts`` accumulate."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.seconds = 0.0
        self.calls = 0
        self.texts = 0
        self._original: Callable[..., Any] = embedder.encode

        def encode(texts: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return self._original(texts, *args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1
                self.texts += len(texts)

        embedder.encode = encode

    def reset(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self.texts = 0

    def restore(self) -> None:
        self.embedder.encode = self._original
