"""The Gradio app: a thin shell over the chat layer and the review engine.

Split by job: ``words.py`` (fixed text, colours, ``style.css``), ``state.py`` (one session's
state), ``render.py`` (HTML), ``export.py`` (the checklist as .md and .docx, and clean-up),
``handlers.py`` and ``side.py`` (what each button does), ``layout.py`` (the page) and
``server.py`` (launch and serve).

Everything a draft or a passage contains is html-escaped before it reaches the page, so a draft
holding ``<script>`` or ``<img onerror=...>`` is shown as text and runs nothing. Each browser
session keeps its own state in ``gr.State``; uploads are deleted from Gradio's cache as soon as
they have been read, so case text stays on disk only when the user exports it.
"""

from __future__ import annotations

from assistant.app.export import (
    _discard_all_exports,
    checklist_docx,
    checklist_markdown,
    discard_export,
    discard_upload,
)
from assistant.app.handlers import CurioApp
from assistant.app.layout import build_app
from assistant.app.render import (
    privacy_line,
    render_coverage,
    render_draft,
    render_flags,
    render_section,
    render_sources,
)
from assistant.app.server import (
    QUEUE_CONCURRENCY,
    SIGN_IN_MESSAGE,
    check_port_free,
    launch,
    serve,
    warm_in_background,
)
from assistant.app.state import SessionState
from assistant.app.words import CSS, EXAMPLE_DRAFT, INTRO, LOOPBACK, OFFLINE_LINE

__all__ = [
    "CSS",
    "EXAMPLE_DRAFT",
    "INTRO",
    "LOOPBACK",
    "OFFLINE_LINE",
    "QUEUE_CONCURRENCY",
    "SIGN_IN_MESSAGE",
    "CurioApp",
    "SessionState",
    "_discard_all_exports",
    "build_app",
    "check_port_free",
    "checklist_docx",
    "checklist_markdown",
    "discard_export",
    "discard_upload",
    "launch",
    "privacy_line",
    "render_coverage",
    "render_draft",
    "render_flags",
    "render_section",
    "render_sources",
    "serve",
    "warm_in_background",
]
