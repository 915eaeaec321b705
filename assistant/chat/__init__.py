"""The conversation layer: ``Curio`` over retrieval and review, and the chat modes.

``core.py`` checks input, dispatches to a mode, keeps the history and writes the audit line;
each mode (review, ask, reflect, scenario) is a class in ``modes/``, registered by name, with its
wording in its prompt file. ``turn.py`` is the one model turn they share (redact, stream, check
citations, fall back); ``compose.py`` the offline composer's shared pieces.

Without a language model every mode works from retrieval and the lens catalogue: answers are
extracts from the retrieved passages, each with its [n] marker. With a model, the model writes
from the same numbered passages, its markers are checked against them, and any failure falls
back to the offline composer with a notice.
"""

from __future__ import annotations

from assistant.chat.compose import fill, passage_sentences, render_text, review_citations
from assistant.chat.core import Curio, Session
from assistant.chat.turn import check_citations, echoes
from assistant.settings import Settings

#: The built-in modes, in picker order (more may be registered: see ``modes.registered``).
MODES: tuple[str, ...] = ("review", "ask", "reflect", "scenario")

__all__ = [
    "MODES",
    "Curio",
    "Session",
    "build_curio",
    "check_citations",
    "echoes",
    "fill",
    "render_text",
    "review_citations",
    "passage_sentences",
]


def build_curio(settings: Settings) -> Curio:
    """The chat layer over the parts ``runtime.build`` makes for these settings."""
    from assistant.runtime import build

    return build(settings).curio
