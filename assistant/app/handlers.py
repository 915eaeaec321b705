"""The handlers behind the page (``CurioApp``): chat turns, reviews, uploads and sources. They are
kept apart from the layout so tests call them directly; each returns ``{slot: value}`` for the
components it updates (``slots.py``), and Gradio leaves the others as they are.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.app.export import (
    discard_upload,
)
from assistant.app.render import (
    esc,
    flag_name,
    md_safe,
    render_draft,
    render_flags,
    render_section,
    render_sources,
)
from assistant.app.side import Out, SideHandlers
from assistant.app.slots import Slots
from assistant.app.state import SessionState
from assistant.app.words import (
    UPLOAD_TYPES,
)
from assistant.chat import modes as chat_modes
from assistant.citations import short_label
from assistant.errors import CurioError
from assistant.limits import check_file_size, too_long, upload_bytes
from assistant.prompts import Prompts, load_prompts
from assistant.settings import Settings
from assistant.types import Answer, Citation

log = logging.getLogger("curio.app")


class CurioApp(SideHandlers):
    """The handlers behind the page; kept apart from layout so tests can call them directly."""

    def __init__(self, settings: Settings, curio: Any, index: Any = None) -> None:
        self.settings = settings
        self.curio = curio
        self._index = index
        self._audit: Any = None
        self.cache_dir: str | None = None  # Gradio's upload cache, set by build_app
        self.case_cues: Any = None  # the case-file cue words, checked by build_app
        self.ui = Slots()  # the page's components, put in by build_app

    # -- modes: the registry's, worded by their prompt files
    def _prompts(self) -> Prompts:
        prompts = getattr(self.curio, "prompts", None)
        return prompts if prompts is not None else load_prompts(self.settings.prompts_dir)

    def mode_labels(self) -> dict[str, str]:
        """Each mode's label as the picker shows it, to the mode's name, in picker order."""
        return {str(self.mode_words(m.name)["label"]): m.name for m in chat_modes.registered()}

    def mode_words(self, name: str) -> dict[str, Any]:
        """A mode's label, hint and placeholder (from its prompt file's front matter)."""
        mode = chat_modes.get(name)
        words = self._prompts().wording.get(mode.prompt, {}) if mode else {}
        return {"label": name, "hint": "", "placeholder": ""} | dict(words)

    # -- collaborators
    @property
    def index(self) -> Any:
        if self._index is None:
            self._index = getattr(self.curio, "index", None)
        if self._index is None:
            from assistant.index import open_index

            self._index = open_index(self.settings)
        return self._index

    @property
    def audit(self) -> Any:
        if self._audit is None:
            self._audit = getattr(self.curio, "audit", None)
        if self._audit is None:
            from assistant.audit import AuditLog

            self._audit = AuditLog(self.settings.audit_path, self.settings.audit_max_bytes)
        return self._audit

    # -- chat
    def _stream(
        self,
        state: SessionState,
        history: list[dict[str, Any]],
        mode: str,
        message: str,
        draft: str | None,
    ) -> Iterator[Out]:
        """Stream one turn; the side panels are filled from the final answer."""
        ui = self.ui
        history = list(history or [])
        history.append({"role": "assistant", "content": "…"})
        answer: Answer | None = None
        try:
            for answer in self.curio.respond(state.chat, mode, message, draft=draft):
                history[-1] = {"role": "assistant", "content": md_safe(answer.text or "…")}
                yield {ui.chatbot: history, ui.state: state}
        except CurioError as exc:
            history[-1] = {"role": "assistant", "content": md_safe(exc.message)}
            yield self._panels(history, state, None, status=exc.message)
            return
        except Exception:
            log.exception("chat turn failed")
            msg = (
                "Sorry, something went wrong while answering. Nothing was saved; please try "
                "again, or rephrase the question."
            )
            history[-1] = {"role": "assistant", "content": msg}
            yield self._panels(history, state, None, status=msg)
            return
        if answer is None:
            history[-1] = {"role": "assistant", "content": "No answer came back; please try again."}
            yield self._panels(history, state, None)
            return
        text = answer.text or ""
        if answer.notices:
            text += "\n\n" + "\n".join(f"*Note: {n}*" for n in answer.notices)
        history[-1] = {"role": "assistant", "content": md_safe(text)}
        yield self._panels(history, state, answer, reviewed=draft)

    def _panels(
        self,
        history: list[dict[str, Any]],
        state: SessionState,
        answer: Answer | None,
        reviewed: str | None = None,
        status: str = "",
    ) -> Out:
        """The chat, sources and status after a turn; the draft and flags after a review."""
        import gradio as gr

        ui = self.ui
        out: Out = {ui.chatbot: history, ui.state: state, ui.status: self._status(status)}
        if answer is None:
            return out
        citations = list(answer.citations)
        if not citations and answer.flags:  # a review: its sources are the flags' guidance
            seen: dict[str, Citation] = {}
            for f in answer.flags:
                for c in f.citations:
                    seen.setdefault(c.chunk_id or f"{c.source}#{c.section}", c)
            citations = list(seen.values())
        state.citations = citations
        for c in citations:
            state.cited.setdefault(c.chunk_id or f"{c.source}#{c.section}", c)
        picker = gr.update(
            choices=[(f"[{n}] {short_label(c)}", n) for n, c in enumerate(citations, 1)],
            value=None,
            visible=bool(citations),
        )
        section = (
            "<p class='curio-muted'>Choose a source above to read its whole section.</p>"
            if citations
            else ""
        )
        out |= {ui.sources: render_sources(citations), ui.source_pick: picker, ui.section: section}
        if reviewed is not None:
            state.draft = reviewed
            state.flags = list(answer.flags)
            state.left_out = [" ".join(e.text.split()) for e in answer.left_out]
            for f in answer.flags:
                state.checklist[f.lens] = f
            message = "" if state.flags else (answer.text or "")
            out[ui.draft_view] = render_draft(reviewed, state.flags)
            out[ui.flags] = render_flags(state.flags, message)
            out[ui.flag_pick] = gr.update(
                choices=[(f"{n}. {flag_name(f)}", f.lens) for n, f in enumerate(state.flags, 1)],
                value=state.flags[0].lens if state.flags else None,
            )
        return out

    def review(
        self, draft: str, state: SessionState | None, history: list[dict[str, Any]]
    ) -> Iterator[Out]:
        """Review the pasted or uploaded draft and stream the walkthrough."""
        state = self._state(state)
        draft = (draft or "").strip()  # the chat layer strips too: evidence offsets must match
        problem = self._draft_problem(draft)
        if problem:
            yield self._panels(list(history or []), state, None, status=problem)
            return
        words = len(draft.split())
        history = list(history or []) + [
            {"role": "user", "content": f"Please review my draft ({words:,} words)."}
        ]
        yield from self._stream(state, history, "review", "Please review my draft.", draft)

    def send(
        self,
        message: str,
        mode_label: str,
        draft: str,
        state: SessionState | None,
        history: list[dict[str, Any]],
    ) -> Iterator[Out]:
        """One chat turn in the chosen mode; the message box is cleared unless it is refused
        for its length (so the user can shorten it)."""
        state = self._state(state)
        message = (message or "").strip()
        draft = draft or ""
        box = self.ui.message
        if not message:
            status = "Type a message first."
            yield self._panels(list(history or []), state, None, status=status) | {box: ""}
            return
        if len(message) > self.settings.max_text_chars:
            status = too_long("That message", len(message), self.settings.max_text_chars)
            yield self._panels(list(history or []), state, None, status=status) | {box: message}
            return
        mode = self.mode_labels().get(mode_label, "ask")
        history = list(history or []) + [{"role": "user", "content": md_safe(message)}]
        pass_draft: str | None = None
        draft = draft.strip()
        if (
            mode == "review"
            and draft
            and draft != state.draft
            and self._draft_problem(draft) is None
        ):
            pass_draft = draft
        for out in self._stream(state, history, mode, message, pass_draft):
            yield out | {box: ""}

    def _draft_problem(self, draft: str) -> str | None:
        if not draft.strip():
            return (
                "There is no draft to review yet: paste text into the draft box, upload a file, "
                "or press Try an invented example."
            )
        if len(draft) > self.settings.max_text_chars:
            return too_long("That draft", len(draft), self.settings.max_text_chars)
        return None

    # -- uploads
    def upload(self, path: str | None) -> Out:
        """Read an uploaded draft into the text box, then delete it from Gradio's cache; the
        upload box is emptied whatever happens."""
        ui = self.ui
        if not path:
            return {ui.status: "", ui.upload: None}
        p = Path(path)
        try:
            if p.suffix.lower() not in UPLOAD_TYPES:
                raise CurioError(
                    f"{p.name} is not a file type Curio reads: use .docx, .pdf, .txt or .md."
                )
            check_file_size(p.name, p.stat().st_size, self.settings.max_upload_mb)
            from assistant.ingest import read_text

            text = read_text(p, max_bytes=upload_bytes(self.settings.max_upload_mb))
        except CurioError as exc:
            return {ui.status: self._status(exc.message), ui.upload: None}
        except Exception:
            log.exception("upload could not be read")
            return {ui.status: self._status(f"{p.name} could not be read."), ui.upload: None}
        finally:
            discard_upload(p, self.cache_dir)
        if len(text) > self.settings.max_text_chars:
            status = too_long(p.name, len(text), self.settings.max_text_chars)
            return {ui.status: self._status(status), ui.upload: None}
        note = (
            f"Read {esc(p.name)} ({len(text.split()):,} words). The uploaded file has been "
            "deleted; press **Review draft**."
        )
        return {ui.draft: text, ui.status: note, ui.upload: None}

    # -- sources
    def read_section(self, choice: int | None, state: SessionState | None) -> str:
        """The whole section a cited passage came from, with its source's details."""
        state = state if isinstance(state, SessionState) else SessionState()
        if not choice:
            return ""
        try:
            c = state.citations[int(choice) - 1]
        except (IndexError, ValueError, TypeError):
            return "<p class='curio-muted'>That source is no longer listed; ask again.</p>"
        text = c.text
        try:
            chunk = self.index.get_chunk(c.chunk_id) if c.chunk_id else None
            if chunk is not None:
                text = self.index.section_text(chunk)
        except Exception:
            log.exception("section could not be read")
        return render_section(c, text)
