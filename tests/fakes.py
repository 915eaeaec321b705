"""Small stand-ins for Curio's parts, shared by the unit tests.

Each satisfies the Protocol in ``assistant/seams.py`` that the real part does, so a test hands it
to ``Curio``, ``runtime.Parts`` or ``cli.main(parts=...)`` instead of building models.
Integration tests use the real parts (``conftest.py``).
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Unpack

import numpy as np
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from assistant.casefile import CaseFile, Person
from assistant.casefile.cues import DEFAULT_CUES
from assistant.types import AnswerRecord, Chunk, Hit, ReviewResult


class FakeIndex:
    """What the chat layer and the reviewer read of an index: its generation."""

    def __init__(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint


class ChunkIndex:
    """What the ask library reads of an index: its chunks and the generation they came from."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self._chunks = chunks
        self._loaded_name = "gen-1"

    def chunks(self) -> list[Chunk]:
        return self._chunks


def lens_hits(lens: str) -> list[Hit]:
    """Two untagged passages from one section, Curio's own prompt and a lens-tagged source."""
    return [
        Hit(Chunk("plain", "text", "a.md", "A", "S1", {}), score=0.9),
        Hit(Chunk("plain2", "text", "a.md", "A", "S1", {}), score=0.8),
        Hit(
            Chunk(
                f"ours-{lens}", "t", "c.md", "C", "S3", {"lenses": lens, "kind": "practice-prompt"}
            ),
            0.95,
        ),
        Hit(Chunk(f"tagged-{lens}", "t", "b.md", "B", "S2", {"lenses": lens}), score=0.5),
    ]


def invented_hit(
    n: int,
    text: str,
    kind: str = "",
    relevance: float = 0.6,
    *,
    section: str = "",
    jurisdiction: str = "england",
    title: str = "",
    publisher: str = "Invented publisher",
) -> Hit:
    """Passage ``n`` of an invented document, with the metadata the ask composer reads."""
    chunk = Chunk(
        id=f"c{n}",
        text=text,
        source=f"doc{n}.md",
        title=title or f"Invented document {n}",
        section=section or f"Section {n}",
        metadata={
            "kind": kind,
            "jurisdiction": jurisdiction,
            "publisher": publisher,
            "year": "2024",
            "status": "current",
            "key": f"doc{n}.md",
        },
    )
    return Hit(chunk=chunk, score=1.0 / (n + 1), dense_score=relevance)


class FakeRetriever:
    """Fixed passages (``hits``), or four per lens asked for; records the queries; may fail.

    With a ``fingerprint`` it has an index of that generation (what citation caches key on);
    without one, ``Library`` works from the passages retrieved, as for any other store."""

    def __init__(
        self, hits: list[Hit] | None = None, fail: bool = False, fingerprint: str | None = None
    ) -> None:
        self.hits = hits
        self.fail = fail
        self.calls: list[str] = []
        self.index = FakeIndex(fingerprint) if fingerprint else None

    def search(
        self, query: str, k: int = 5, prefer_lens: str | None = None, mode: str | None = None
    ) -> list[Hit]:
        self.calls.append(query)
        if self.fail:
            raise RuntimeError("index gone")
        hits = self.hits if self.hits is not None else lens_hits(prefer_lens or "")
        return hits[:k] if self.hits is not None else hits


class FakeReviewer:
    """A reviewer that raises no flags (or the ones it is given) for any text."""

    def __init__(self, result: ReviewResult | None = None) -> None:
        self.result = result or ReviewResult(
            flags=[], message="no lens flags were raised", is_case_material=True
        )
        self.texts: list[str] = []

    def review(self, text: str) -> ReviewResult:
        self.texts.append(text)
        return self.result


class FakeEmbedder:
    """Vectors from the letters a text holds: the same text, the same unit vector."""

    dim = 26
    fingerprint = "fake-letters"  # its own sentence-vector cache, never the real model's

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for ch in text.lower():
                if "a" <= ch <= "z":
                    out[i, ord(ch) - ord("a")] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


class FakeAudit:
    """An audit log in memory: the lines ``AuditLog.answer`` would write, as dicts."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def answer(self, **record: Unpack[AnswerRecord]) -> None:
        self.lines.append(
            {
                "mode": record["mode"],
                "input_text": record["input_text"],
                "lenses": sorted(set(record["lenses"])),
                "chunks": [getattr(c, "chunk_id", "") for c in record["citations"]],
                "model": record["model"],
                "declined": record.get("declined", False),
                "session": record.get("session", ""),
            }
        )


class Scripted(BaseChatModel):
    """A chat model that replies from a script, records what it was sent, and streams words."""

    replies: list[str] = []
    fail: str = ""  # "error" or "hang"
    _sent: list[list[BaseMessage]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def sent(self) -> list[list[BaseMessage]]:
        return self._sent

    def _reply(self, messages: list[BaseMessage]) -> str:
        self._sent.append(list(messages))
        if self.fail == "error":
            raise RuntimeError("model server exploded")
        if self.fail == "hang":
            time.sleep(5)
        return self.replies[min(len(self._sent), len(self.replies)) - 1]

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        msg = AIMessage(content=self._reply(messages))
        return ChatResult(generations=[ChatGeneration(message=msg)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for word in re.split(r"(\s+)", self._reply(messages)):
            if word:
                yield ChatGenerationChunk(message=AIMessageChunk(content=word))


def person(case: CaseFile, name: str) -> Person:
    """The person called ``name`` (or with it as an alias); fails naming who is there."""
    for p in case.people:
        if p.name == name or name in p.aliases:
            return p
    raise AssertionError(f"{name} not in {[(p.name, p.aliases) for p in case.people]}")


def cue_file_with(folder: Path, old: str, new: str) -> Path:
    """A copy of prompts/casefile.yaml in ``folder`` with ``old`` (there exactly once) replaced
    by ``new``, and the not-names list beside it, where the case file reads it."""
    folder.mkdir(parents=True, exist_ok=True)
    text = DEFAULT_CUES.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    shutil.copy(DEFAULT_CUES.parent / "not_names.yaml", folder)
    path = folder / "casefile.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path
