"""The audit log: one JSON line per answer or feedback mark, never the case text itself.

Supervisors and information governance can see what Curio raised and cited, with which model,
prompt catalogue and index, without the log becoming a second copy of case records. The input
is recorded only as its SHA-256, so the same draft can be matched across lines, nothing more.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any, Unpack

from assistant import __version__
from assistant.types import AnswerRecord

#: The reasons a practitioner can give for a mark on a flag: the only reason text ever logged.
FEEDBACK_REASONS: tuple[str, ...] = (
    "The words do not mean that here",
    "The draft already covers this",
    "The questions do not fit this case",
    "The guidance cited does not fit",
    "Something else",
)
OTHER = FEEDBACK_REASONS[-1]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


class AuditLog:
    """Append-only JSON lines, rotated by size (keeps 5 old files)."""

    def __init__(self, path: Path, max_bytes: int = 5_000_000, backups: int = 5) -> None:
        self.path = Path(path).expanduser()
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock = threading.Lock()
        self._handler: RotatingFileHandler | None = None

    def _open(self) -> RotatingFileHandler:
        if self._handler is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handler = RotatingFileHandler(
                self.path, maxBytes=self.max_bytes, backupCount=self.backups, encoding="utf-8"
            )
        return self._handler

    def write(self, event: dict[str, Any]) -> None:
        line = json.dumps(
            {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "curio": __version__} | event,
            ensure_ascii=False,
        )
        with self._lock:
            handler = self._open()
            record = _Record(line)
            if handler.shouldRollover(record):  # type: ignore[arg-type]  # reads getMessage() only
                handler.doRollover()
            _owner_only(self.path)
            stream = handler.stream
            assert stream is not None  # opened by _open (and reopened by doRollover)
            stream.write(line + "\n")
            stream.flush()

    def answer(self, **record: Unpack[AnswerRecord]) -> None:
        """Record one answer. ``citations`` are Citation objects; only ids and sources are kept."""
        cites = list(record["citations"])
        text = record["input_text"]
        self.write(
            {
                "event": "answer",
                "mode": record["mode"],
                "session": record.get("session", ""),
                "input_sha256": text_hash(text),
                "input_chars": len(text),
                "lenses": sorted(set(record["lenses"])),
                "chunks": [getattr(c, "chunk_id", "") for c in cites],
                "sources": sorted({getattr(c, "source", "") for c in cites}),
                "declined": record.get("declined", False),
                "model": record["model"],
                "prompts_version": record["prompts_version"],
                "index": record["index_fingerprint"],
            }
        )

    def feedback(self, *, lens: str, mark: str, reason: str = "", session: str = "") -> None:
        """A practitioner's mark on a flag (useful / not relevant / wrong), without case text.

        The reason is kept only when it is one of ``FEEDBACK_REASONS``; anything else someone
        typed is recorded as ``"Something else"`` and its words are dropped, because free text
        about a flag can quote the draft (names, addresses, what a child said).
        """
        reason = " ".join((reason or "").split())
        self.write(
            {
                "event": "feedback",
                "session": session,
                "lens": lens,
                "mark": mark,
                "reason": reason if reason in FEEDBACK_REASONS else (OTHER if reason else ""),
            }
        )

    def decision(self, *, lens: str, mark: str, session: str = "") -> None:
        """A practitioner's decision on a flag for supervision (will act, already covered, not
        relevant). Never the reason: a typed reason can quote the case."""
        self.write({"event": "decision", "session": session, "lens": lens, "mark": mark})

    def case_status(
        self, *, model: str, input_text: str, asked: int, read: int, session: str = ""
    ) -> None:
        """That a model was asked to read seen and checks (``CURIO_CASE_LLM``): which model, how
        many adults were sent and how many its answer covered (0: the offline reading stood),
        and in which app session ("" from the CLI), so a DPIA can join it to that session's
        answers. The draft only as its hash, as for answers; nothing the model said."""
        self.write(
            {
                "event": "case_status",
                "session": session,
                "model": model,
                "input_sha256": text_hash(input_text),
                "input_chars": len(input_text),
                "adults_asked": asked,
                "adults_read": read,
            }
        )

    def close(self) -> None:
        with self._lock:
            if self._handler is not None:
                self._handler.close()
                self._handler = None


def _owner_only(path: Path) -> None:
    """The log says who reviewed what and when: readable by its owner only."""
    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


class _Record:
    """Just enough of a logging.LogRecord for RotatingFileHandler.shouldRollover."""

    def __init__(self, line: str) -> None:
        self.msg = line
        self.args = ()
        self.exc_info = None
        self.exc_text = None
        self.stack_info = None

    def getMessage(self) -> str:  # noqa: N802 - logging's name
        return self.msg
