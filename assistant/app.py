"""The Gradio app: a thin shell over the chat layer and the review engine.

Everything a draft or a passage contains is html-escaped before it reaches the page, so a draft
holding ``<script>`` or ``<img onerror=...>`` is shown as text and runs nothing. Each browser
session keeps its own state in ``gr.State``; uploads are deleted from Gradio's cache as soon as
they have been read, so case text stays on disk only when the user exports it.
"""

from __future__ import annotations

import atexit
import contextlib
import html
import logging
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.audit import FEEDBACK_REASONS
from assistant.casepanel import CSS as CASE_CSS
from assistant.casepanel import (
    DECISIONS,
    ROLE_CHOICES,
    CaseSession,
    Decision,
    flag_record_docx,
    flag_record_lines,
    render_case_panel,
    render_decisions,
    render_reasons,
    supervision_docx,
    supervision_markdown,
)
from assistant.chat import modes as chat_modes
from assistant.citations import citation_from_json, format_citation, kind_text, short_label
from assistant.errors import CurioError
from assistant.limits import check_file_size, too_long, upload_bytes
from assistant.prompts import Prompts, load_prompts
from assistant.settings import Settings, get_settings, offline_switches
from assistant.types import Answer, Citation, Flag, jurisdiction_label

log = logging.getLogger("curio.app")

LOOPBACK = ("127.0.0.1", "localhost", "::1")
UPLOAD_TYPES = [".docx", ".pdf", ".txt", ".md"]
OFFLINE_LINE = "Offline: nothing leaves this computer"

MARKS: dict[str, str] = {"Useful": "useful", "Not relevant": "not-relevant", "Wrong": "wrong"}

#: One colour per lens, in the lens contract's order (lenses.md).
PALETTE = (
    "#fde68a",
    "#fecaca",
    "#bfdbfe",
    "#bbf7d0",
    "#e9d5ff",
    "#fed7aa",
    "#a5f3fc",
    "#fbcfe8",
    "#d9f99d",
    "#c7d2fe",
    "#fef08a",
    "#99f6e4",
    "#fda4af",
    "#ddd6fe",
    "#fcd34d",
)

EXAMPLE_DRAFT = """\
Assessment summary (invented example: no real family)

Ruby (7) and Leo (18 months) live with their mother, Ms Dana Holloway. Police attended the \
home in March after a neighbour reported shouting; Mr Carl Brennan had pushed Ms Holloway \
against a wall while she was holding Leo.

Mr Brennan has since moved out and is staying with a friend, so the risk to the children is \
now reduced. Ms Holloway has engaged well with the service and has shown good insight into \
the impact of domestic abuse on the children. She has agreed that she will not let \
Mr Brennan into the home and will call the police if he comes back.

Ms Holloway told me there have been no previous incidents. Ruby was quiet during the visit \
and appeared well cared for. The plan is to close the case to children's social care with a \
referral to a parenting course.
"""

CSS = (
    """
.curio-privacy {font-size: 0.9rem; padding: 4px 10px; border-radius: 999px;
  background: #ecfdf5; color: #065f46; display: inline-block; border: 1px solid #a7f3d0;}
.curio-privacy.remote {background: #fffbeb; color: #92400e; border-color: #fde68a;}
.curio-draft {white-space: pre-wrap; line-height: 1.7; font-size: 0.95rem; padding: 12px;
  border: 1px solid var(--border-color-primary); border-radius: 8px;
  background: var(--background-fill-primary); max-height: 480px; overflow-y: auto;}
.curio-draft mark {padding: 1px 2px; border-radius: 3px; color: #111827;}
.curio-draft .lens-tag {font-size: 0.72rem; font-weight: 600; margin-left: 3px;
  padding: 0 5px; border-radius: 8px; background: #374151; color: #fff; white-space: nowrap;
  vertical-align: super;}
.curio-flag {border: 1px solid var(--border-color-primary); border-left-width: 6px;
  border-radius: 8px; padding: 8px 12px; margin-bottom: 10px;}
.curio-flag h4 {margin: 0 0 4px 0;}
.curio-flag .kind {font-size: 0.75rem; padding: 1px 6px; border-radius: 8px; margin-left: 6px;
  background: #e5e7eb; color: #111827; font-weight: 500;}
.curio-flag blockquote {margin: 4px 0; padding-left: 8px; border-left: 3px solid #d1d5db;
  color: var(--body-text-color-subdued);}
.curio-flag ul {margin: 4px 0 4px 18px;}
.curio-flag .guidance {font-size: 0.85rem; color: var(--body-text-color-subdued);}
.curio-source {border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 10px; margin-bottom: 8px; font-size: 0.88rem;}
.curio-source .meta {color: var(--body-text-color-subdued); font-size: 0.8rem;}
.curio-source .passage {white-space: pre-wrap; margin-top: 4px; max-height: 110px;
  overflow-y: auto;}
.curio-caveat {color: #92400e; font-weight: 600;}
.curio-kind {font-style: italic;}
#sources {max-height: 620px; overflow-y: auto !important; padding-right: 4px;}
#flags {max-height: 640px; overflow-y: auto !important; padding-right: 4px;}
#source-pick .wrap {max-height: 230px; overflow-y: auto;}
.curio-section {white-space: pre-wrap; font-size: 0.9rem; max-height: 420px; overflow-y: auto;}
.curio-muted {color: var(--body-text-color-subdued); font-size: 0.9rem;}
.curio-status:empty {display: none;}
.curio-covered li.ok::marker {content: "✔ ";}
.curio-covered li.miss::marker {content: "✘ ";}
"""
    + CASE_CSS
)

INTRO = """\
**Curio asks the questions a good supervisor would ask, and shows the guidance behind them.**
It never decides a family's risk: the judgement stays with you.

1. Choose what you want to do (review a draft, ask about guidance, reflective supervision or a \
training scenario).
2. For a review, paste or upload a draft, or press **Try an invented example**, then \
**Review draft**. Flagged sentences are highlighted; each flag lists questions and guidance.
3. Press a source on the right to read the whole section it came from, and **Export \
checklist** to keep the questions with your notes.
"""


# --------------------------------------------------------------------------- per-session state


@dataclass
class SessionState:
    """One browser session's text and results; never shared between sessions."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    chat: Any = None  # the chat layer's Session, made on first use
    draft: str = ""  # the text last sent for review (evidence offsets point into it)
    flags: list[Flag] = field(default_factory=list)  # the latest review's flags
    checklist: dict[str, Flag] = field(default_factory=dict)  # every lens raised this session
    citations: list[Citation] = field(default_factory=list)  # the latest answer's sources
    cited: dict[str, Citation] = field(default_factory=dict)  # every source cited this session
    export_dir: str = ""  # the folder of this session's latest export, removed on the next one
    case: CaseSession = field(default_factory=CaseSession)  # people, chronology, decisions


# --------------------------------------------------------------------------- rendering


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def md_safe(text: str) -> str:
    """Chat text as Markdown that can carry no HTML: '<' and '&' become entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


def lens_colour(lens: str) -> str:
    from assistant.lenses import LENS_IDS

    try:
        return PALETTE[LENS_IDS.index(lens) % len(PALETTE)]
    except ValueError:
        return "#e5e7eb"


def flag_name(flag: Flag) -> str:
    return flag.name or flag.lens.replace("-", " ").capitalize()


def _evidence_spans(text: str, flags: list[Flag]) -> list[tuple[int, int, int]]:
    """(start, end, flag number) for each piece of evidence, checked against the text."""
    spans = []
    for number, flag in enumerate(flags, start=1):
        for ev in flag.evidence:
            start, end = int(ev.start), int(ev.end)
            if not (0 <= start < end <= len(text)) or text[start:end] != ev.text:
                # offsets that do not match the text shown: find the sentence instead
                found = text.find(ev.text) if ev.text else -1
                if found < 0:
                    continue
                start, end = found, found + len(ev.text)
            spans.append((start, end, number))
    return spans


def render_draft(text: str, flags: list[Flag]) -> str:
    """The draft as escaped HTML with flagged sentences highlighted and labelled by lens."""
    if not text.strip():
        return "<p class='curio-muted'>Your draft will appear here after a review.</p>"
    spans = _evidence_spans(text, flags)
    bounds = sorted({0, len(text), *[s for s, _, _ in spans], *[e for _, e, _ in spans]})
    out: list[str] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        piece = esc(text[a:b])
        covering = [n for s, e, n in spans if s <= a and b <= e]
        if not covering:
            out.append(piece)
            continue
        first = flags[covering[0] - 1]
        names = ", ".join(f"{n}. {flag_name(flags[n - 1])}" for n in covering)
        out.append(
            f"<mark class='curio-hl' data-lens='{esc(first.lens)}' title='{esc(names)}' "
            f"style='background:{lens_colour(first.lens)}'>{piece}</mark>"
        )
        ending = [n for s, e, n in spans if e == b and s <= a]
        for n in dict.fromkeys(ending):
            out.append(f"<span class='lens-tag'>{n}. {esc(flag_name(flags[n - 1]))}</span>")
    return f"<div class='curio-draft' id='curio-draft'>{''.join(out)}</div>"


def render_flags(flags: list[Flag], message: str = "") -> str:
    """Each flag with what was found or missed, its questions and the guidance behind it."""
    if not flags:
        note = esc(message) if message else "No flags yet: review a draft to see them here."
        return f"<p class='curio-muted'>{note}</p>"
    cards = []
    for n, f in enumerate(flags, start=1):
        if f.kind == "present":
            kind = "in the draft"
            body = "".join(f"<blockquote>{esc(ev.text)}</blockquote>" for ev in f.evidence)
        else:
            kind = "missing from the draft"
            body = f"<p><i>Looked for and not found:</i> {esc(f.looked_for)}</p>"
        questions = "".join(f"<li>{esc(q)}</li>" for q in f.questions)
        guidance = "".join(f"<li>{format_citation(c, html=True)}</li>" for c in f.citations)
        cards.append(
            f"<div class='curio-flag' data-lens='{esc(f.lens)}' "
            f"style='border-left-color:{lens_colour(f.lens)}'>"
            f"<h4>{n}. {esc(flag_name(f))}<span class='kind'>{kind}</span></h4>{body}"
            + render_reasons(f)
            + (f"<p><b>Questions to consider</b></p><ul>{questions}</ul>" if questions else "")
            + (
                f"<div class='guidance'><b>Guidance</b><ul>{guidance}</ul></div>"
                if guidance
                else ""
            )
            + "</div>"
        )
    intro = (
        f"<p class='curio-muted'>{len(flags)} flag{'s' if len(flags) != 1 else ''}: "
        "questions to consider, not a verdict.</p>"
    )
    return intro + "".join(cards)


def render_sources(citations: list[Citation]) -> str:
    """The latest answer's citations: passage, title, section, publisher and year."""
    if not citations:
        return "<p class='curio-muted'>The guidance behind the latest answer will appear here.</p>"
    cards = []
    for n, c in enumerate(citations, start=1):
        relevance = f" · relevance {c.relevance:.2f}" if c.relevance else ""
        cite = format_citation(c, html=True)
        cards.append(
            f"<div class='curio-source' data-marker='{n}'><b>[{n}]</b> {cite}"
            f"<div class='meta'>{esc(c.source)}{relevance}</div>"
            f"<div class='passage'>{esc(c.text)}</div></div>"
        )
    return "".join(cards)


def render_section(c: Citation, text: str) -> str:
    meta = [
        ("Publisher", c.publisher),
        ("Year", c.year),
        ("Kind", kind_text(c)),
        ("Jurisdiction", jurisdiction_label(c.jurisdiction)),
        ("Status", c.status),
        ("File", c.source),
    ]
    rows = " · ".join(f"{k}: {esc(v)}" for k, v in meta if v)
    caveat = f"<p class='curio-caveat'>Note: {esc(c.caveat)}</p>" if c.caveat else ""
    return (
        f"<div id='curio-section'><h4>{esc(c.title)} — {esc(c.section)}</h4>"
        f"<p class='curio-muted'>{rows}</p>{caveat}"
        f"<div class='curio-section'>{esc(text)}</div></div>"
    )


def privacy_line(settings: Settings, model: str | None = None, local: bool | None = None) -> str:
    """Where text goes: offline, a model on this computer, or a remote model with redaction.

    ``local`` is the chat layer's own verdict on the configured model, when it has one.
    """
    llm = (settings.llm or "none").strip()
    if llm.lower() in ("", "none", "off", "offline"):
        return f"<span class='curio-privacy' id='curio-privacy'>{OFFLINE_LINE}</span>"
    name = model if model and model != "none" else llm
    if local if local is not None else _llm_is_local(llm, settings.llm_base_url):
        return (
            f"<span class='curio-privacy' id='curio-privacy'>Language model {esc(name)} runs "
            "on this computer: nothing leaves it</span>"
        )
    return (
        f"<span class='curio-privacy remote' id='curio-privacy'>Language model: {esc(name)}. "
        "Names and identifiers are redacted before anything is sent to it.</span>"
    )


def _llm_is_local(llm: str, base_url: str | None) -> bool:
    """The chat layer's rule, for when no model was built (a spec it cannot parse is remote)."""
    from assistant.llm import is_local, parse_spec

    try:
        return is_local(parse_spec(llm), base_url)
    except CurioError:
        return False


# --------------------------------------------------------------------------- checklist export


def checklist_markdown(state: SessionState) -> str:
    """The session's curiosity checklist: flags, questions and the guidance cited."""
    lines = [
        "# Curiosity checklist",
        "",
        f"Made with Curio on {time.strftime('%d %B %Y at %H:%M')}. These are questions to "
        "consider with your supervisor, not a verdict: the judgement stays with you.",
        "",
    ]
    for n, f in enumerate(state.checklist.values(), start=1):
        kind = "found in the draft" if f.kind == "present" else "missing from the draft"
        lines += [f"## {n}. {flag_name(f)} ({kind})", ""]
        lines += [f"> {' '.join(ev.text.split())}" for ev in f.evidence]
        if f.kind == "absent" and f.looked_for:
            lines.append(f"Looked for and not found: {f.looked_for}")
        lines += flag_record_lines(f, state.case.decisions)
        lines += ["", "Questions:", ""] + [f"- [ ] {q}" for q in f.questions]
        if f.citations:
            lines += ["", "Guidance:", ""] + [f"- {format_citation(c)}" for c in f.citations]
        lines.append("")
    lines += supervision_markdown(state.case.case)
    if state.cited:
        lines += ["## Guidance cited in answers", ""]
        lines += [f"- {format_citation(c)}" for c in state.cited.values()]
        lines.append("")
    return "\n".join(lines)


def checklist_docx(state: SessionState, path: Path) -> Path:
    """The same checklist as a Word document, for workers who keep notes in Word."""
    import docx

    document = docx.Document()
    document.add_heading("Curiosity checklist", level=0)
    document.add_paragraph(
        f"Made with Curio on {time.strftime('%d %B %Y at %H:%M')}. These are questions to "
        "consider with your supervisor, not a verdict: the judgement stays with you."
    )
    for n, f in enumerate(state.checklist.values(), start=1):
        kind = "found in the draft" if f.kind == "present" else "missing from the draft"
        document.add_heading(f"{n}. {flag_name(f)} ({kind})", level=1)
        for ev in f.evidence:
            document.add_paragraph(" ".join(ev.text.split()), style="Intense Quote")
        if f.kind == "absent" and f.looked_for:
            document.add_paragraph(f"Looked for and not found: {f.looked_for}")
        flag_record_docx(document, f, state.case.decisions)
        if f.questions:
            document.add_heading("Questions", level=2)
            for q in f.questions:
                document.add_paragraph(f"☐ {q}", style="List Bullet")
        if f.citations:
            document.add_heading("Guidance", level=2)
            for c in f.citations:
                document.add_paragraph(format_citation(c), style="List Bullet")
    supervision_docx(document, state.case.case)
    if state.cited:
        document.add_heading("Guidance cited in answers", level=1)
        for c in state.cited.values():
            document.add_paragraph(format_citation(c), style="List Bullet")
    document.save(str(path))
    return path


# --------------------------------------------------------------------------- uploads


def discard_upload(path: str | Path, cache_root: str | Path | None = None) -> None:
    """Delete an uploaded file and the folder Gradio made for it: case text must not linger."""
    p = Path(path)
    try:
        p.unlink(missing_ok=True)
    except OSError:
        log.warning("could not remove an uploaded file from the cache")
        return
    parent = p.parent
    root = Path(cache_root).resolve() if cache_root else None
    if root is not None and parent.resolve() != root and root in parent.resolve().parents:
        with contextlib.suppress(OSError):
            parent.rmdir()  # only when empty


# --------------------------------------------------------------------------- the app


_EXPORTS: set[str] = set()


def discard_export(folder: str) -> None:
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        _EXPORTS.discard(folder)


@atexit.register
def _discard_all_exports() -> None:
    """Exported checklists hold case text: none outlives the app."""
    for folder in list(_EXPORTS):
        discard_export(folder)


class CurioApp:
    """The handlers behind the page; kept apart from layout so tests can call them directly."""

    def __init__(self, settings: Settings, curio: Any, index: Any = None) -> None:
        self.settings = settings
        self.curio = curio
        self._index = index
        self._audit: Any = None
        self.cache_dir: str | None = None  # Gradio's upload cache, set by build_app
        self.case_cues: Any = None  # the case-file cue words, checked by build_app

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

    def _state(self, state: SessionState | None) -> SessionState:
        state = state if isinstance(state, SessionState) else SessionState()
        if state.chat is None:
            state.chat = self.curio.new_session()
            # one id for the session's answers and its feedback marks in the audit log
            state.id = str(getattr(state.chat, "id", "") or state.id)
        return state

    # -- chat
    def _stream(
        self,
        state: SessionState,
        history: list[dict[str, Any]],
        mode: str,
        message: str,
        draft: str | None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one turn; the side panels are filled from the final answer."""
        import gradio as gr

        history = list(history or [])
        history.append({"role": "assistant", "content": "…"})
        answer: Answer | None = None
        try:
            for answer in self.curio.respond(state.chat, mode, message, draft=draft):
                history[-1] = {"role": "assistant", "content": md_safe(answer.text or "…")}
                yield (history, state) + (gr.skip(),) * 7
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
    ) -> tuple[Any, ...]:
        """(chatbot, state, sources, source picker, section, draft, flags, flag picker, status)."""
        import gradio as gr

        if answer is None:
            return (history, state) + (gr.skip(),) * 6 + (self._status(status),)
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
        draft_html: Any = gr.skip()
        flags_html: Any = gr.skip()
        flag_picker: Any = gr.skip()
        if reviewed is not None:
            state.draft = reviewed
            state.flags = list(answer.flags)
            for f in answer.flags:
                state.checklist[f.lens] = f
            draft_html = render_draft(reviewed, state.flags)
            message = "" if state.flags else (answer.text or "")
            flags_html = render_flags(state.flags, message)
            flag_picker = gr.update(
                choices=[(f"{n}. {flag_name(f)}", f.lens) for n, f in enumerate(state.flags, 1)],
                value=state.flags[0].lens if state.flags else None,
            )
        return (
            history,
            state,
            render_sources(citations),
            picker,
            section,
            draft_html,
            flags_html,
            flag_picker,
            self._status(status),
        )

    @staticmethod
    def _status(message: str) -> str:
        return f"⚠️ {message}" if message else ""

    def review(
        self, draft: str, state: SessionState | None, history: list[dict[str, Any]]
    ) -> Iterator[tuple[Any, ...]]:
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
    ) -> Iterator[tuple[Any, ...]]:
        """One chat turn in the chosen mode."""
        state = self._state(state)
        message = (message or "").strip()
        draft = draft or ""
        if not message:
            yield self._panels(list(history or []), state, None, status="Type a message first.") + (
                "",
            )
            return
        if len(message) > self.settings.max_text_chars:
            status = too_long("That message", len(message), self.settings.max_text_chars)
            yield self._panels(list(history or []), state, None, status=status) + (message,)
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
            yield out + ("",)

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
    def upload(self, path: str | None) -> tuple[Any, str, Any]:
        """Read an uploaded draft into the text box, then delete it from Gradio's cache."""
        import gradio as gr

        if not path:
            return gr.skip(), "", None
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
            return gr.skip(), self._status(exc.message), None
        except Exception:
            log.exception("upload could not be read")
            return gr.skip(), self._status(f"{p.name} could not be read."), None
        finally:
            discard_upload(p, self.cache_dir)
        if len(text) > self.settings.max_text_chars:
            status = too_long(p.name, len(text), self.settings.max_text_chars)
            return gr.skip(), self._status(status), None
        note = (
            f"Read {esc(p.name)} ({len(text.split()):,} words). The uploaded file has been "
            "deleted; press **Review draft**."
        )
        return text, note, None

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

    # -- feedback
    def mark(self, lens: str | None, mark_label: str | None, reason: str, state: Any) -> str:
        """Record a mark on a flag in the audit log, with no case text."""
        state = state if isinstance(state, SessionState) else SessionState()
        known = {f.lens for f in state.flags}
        if not lens or lens not in known:
            return self._status("Review a draft first, then choose one of its flags to mark.")
        mark = MARKS.get(mark_label or "")
        if mark is None:
            return self._status("Choose useful, not relevant or wrong.")
        try:
            self.audit.feedback(lens=lens, mark=mark, reason=reason or "", session=state.id)
        except Exception:
            log.exception("feedback could not be written")
            return self._status("Your mark could not be saved (the audit log is not writable).")
        name = next((flag_name(f) for f in state.flags if f.lens == lens), lens)
        return f"Thank you: “{esc(name)}” marked {mark_label.lower()}."

    # -- the case at a glance and the decision log
    def case_panel(self, state: SessionState | None) -> tuple[Any, ...]:
        """After a review: the people, chronology and accounts of the draft just reviewed,
        with this session's corrections replayed. (panel, person, merge, flag pickers, log)"""
        import gradio as gr

        state = state if isinstance(state, SessionState) else SessionState()
        cs = state.case
        if state.draft and (cs.case is None or cs.text != state.draft):
            try:
                cs.extract(state.draft, self.case_cues)
            except Exception:
                log.exception("case extraction failed")
                cs.case = None
        people = cs.people_choices()
        flags = [(f"{n}. {flag_name(f)}", f.lens) for n, f in enumerate(state.flags, 1)]
        return (
            render_case_panel(cs.case),
            gr.update(choices=people, value=None),
            gr.update(choices=people, value=None),
            gr.update(choices=flags, value=state.flags[0].lens if state.flags else None),
            render_decisions(state.flags, cs.decisions),
        )

    def _case_outputs(self, state: SessionState, message: str) -> tuple[Any, ...]:
        import gradio as gr

        people = state.case.people_choices()
        return (
            render_case_panel(state.case.case),
            gr.update(choices=people, value=None),
            gr.update(choices=people, value=None),
            message,
        )

    def correct_role(self, person: Any, role: str | None, state: Any) -> tuple[Any, ...]:
        """The practitioner's role for one person; it holds for the rest of the session."""
        state = state if isinstance(state, SessionState) else SessionState()
        if state.case.case is None:
            return self._case_outputs(state, self._status("Review a draft first."))
        try:
            name = state.case.set_role(int(person), str(role or ""))
        except (TypeError, ValueError, IndexError):
            return self._case_outputs(state, self._status("Choose a person and a role first."))
        except CurioError as exc:
            return self._case_outputs(state, self._status(exc.message))
        return self._case_outputs(state, f"“{esc(name)}” is now recorded as {esc(role)}.")

    def merge_people(self, keep: Any, other: Any, state: Any) -> tuple[Any, ...]:
        """Two mentions of one person made one, for the rest of the session."""
        state = state if isinstance(state, SessionState) else SessionState()
        if state.case.case is None:
            return self._case_outputs(state, self._status("Review a draft first."))
        try:
            name = state.case.merge(int(keep), int(other))
        except (TypeError, ValueError, IndexError):
            return self._case_outputs(state, self._status("Choose two people to merge."))
        except CurioError as exc:
            return self._case_outputs(state, self._status(exc.message))
        return self._case_outputs(state, f"Merged into “{esc(name)}”.")

    def decide(
        self, lens: str | None, label: str | None, reason: str, state: Any
    ) -> tuple[str, str]:
        """A decision on a flag for the supervision record. The typed reason stays in this
        session and its export; the audit log gets the lens and the decision only."""
        state = state if isinstance(state, SessionState) else SessionState()
        known = {f.lens: f for f in state.flags}
        if not lens or lens not in known:
            return render_decisions(state.flags, state.case.decisions), self._status(
                "Review a draft first, then choose one of its flags."
            )
        mark = DECISIONS.get(label or "")
        if mark is None:
            return render_decisions(state.flags, state.case.decisions), self._status(
                "Choose will act, already covered or not relevant."
            )
        state.case.decisions[lens] = Decision(mark, " ".join((reason or "").split())[:1000])
        with contextlib.suppress(Exception):  # the log is a record, not a gate
            self.audit.decision(lens=lens, mark=mark, session=state.id)
        return (
            render_decisions(state.flags, state.case.decisions),
            f"Saved: “{esc(flag_name(known[lens]))}” — {esc(str(label).lower())}.",
        )

    # -- export
    def export(self, fmt: str, state: SessionState | None) -> tuple[Any, str]:
        """Write the checklist (Markdown or Word) into Gradio's cache for download."""
        state = state if isinstance(state, SessionState) else SessionState()
        if not state.checklist and not state.cited:
            return None, self._status(
                "Nothing to export yet: review a draft or ask a question first."
            )
        # an export holds case text: keep only the latest per session, and none after exit
        discard_export(state.export_dir)
        folder = Path(tempfile.mkdtemp(prefix="curio-export-", dir=self.cache_dir))
        state.export_dir = str(folder)
        _EXPORTS.add(state.export_dir)
        stamp = time.strftime("%Y%m%d-%H%M")
        try:
            if fmt == "docx":
                path = checklist_docx(state, folder / f"curio-checklist-{stamp}.docx")
            else:
                path = folder / f"curio-checklist-{stamp}.md"
                path.write_text(checklist_markdown(state), encoding="utf-8")
        except Exception:
            log.exception("export failed")
            return None, self._status("The checklist could not be written; please try again.")
        import gradio as gr

        return gr.update(value=str(path), visible=True), "Checklist ready: download it below."

    # -- scenarios
    def scenarios(self) -> list[dict[str, Any]]:
        try:
            return list(self.curio.scenarios())
        except Exception:
            log.exception("scenarios could not be loaded")
            return []

    def show_scenario(self, scenario_id: str | None) -> str:
        for s in self.scenarios():
            if str(s.get("id")) == str(scenario_id):
                return (
                    f"<div class='curio-source'><b>{esc(s.get('title', ''))}</b>"
                    f"<div class='passage' style='max-height:none'>{esc(s.get('text', ''))}"
                    "</div></div>"
                )
        return "<p class='curio-muted'>Choose a scenario to read it.</p>"

    def check_scenario(self, scenario_id: str | None, trainee_text: str) -> str:
        """Which of the scenario's lenses the trainee's questions covered and missed."""
        if not scenario_id:
            return self._status("Choose a scenario first.")
        if not (trainee_text or "").strip():
            return self._status("Write the questions you would ask first.")
        if len(trainee_text) > self.settings.max_text_chars:
            status = too_long("Your questions", len(trainee_text), self.settings.max_text_chars)
            return self._status(status)
        try:
            result = self.curio.check_scenario(scenario_id, trainee_text)
        except CurioError as exc:
            return self._status(exc.message)
        except Exception:
            log.exception("scenario check failed")
            return self._status("Your questions could not be checked; please try again.")
        return render_coverage(result)


def _lens_label(item: Any) -> tuple[str, str, list[Any]]:
    """(lens id, readable name, guidance) from a coverage item of any reasonable shape."""
    if isinstance(item, str):
        return item, item.replace("-", " ").capitalize(), []
    if isinstance(item, dict):
        lens = str(item.get("lens") or item.get("id") or "")
        name = str(item.get("name") or lens.replace("-", " ").capitalize())
        guidance = item.get("guidance") or item.get("citations") or []
        if isinstance(guidance, str | dict | Citation):
            guidance = [guidance]
        return lens, name, list(guidance)
    lens = str(getattr(item, "lens", item))
    return lens, str(getattr(item, "name", "") or lens), list(getattr(item, "citations", []))


def _guidance_html(g: Any) -> str:
    if isinstance(g, Citation):
        return format_citation(g, html=True)
    if isinstance(g, dict):
        return format_citation(citation_from_json(g), html=True)
    return esc(g)


def render_coverage(result: dict[str, Any]) -> str:
    """The trainee's coverage: lenses covered (with the words that did it) and missed."""
    covered = result.get("covered") or []
    missed = result.get("missed") or []
    total = len(covered) + len(missed)
    parts = [f"<p><b>You covered {len(covered)} of the {total} lenses this scenario calls for.</b>"]
    parts.append(" These are prompts for discussion, not a mark.</p>")
    if covered:
        items = []
        for i in covered:
            matched = i.get("matched", "") if isinstance(i, dict) else ""
            items.append(
                f"<li class='ok'><b>{esc(_lens_label(i)[1])}</b>"
                + (f" <span class='curio-muted'>— “{esc(matched)}”</span>" if matched else "")
                + "</li>"
            )
        parts.append(f"<p>Covered</p><ul class='curio-covered'>{''.join(items)}</ul>")
    if missed:
        items = []
        for i in missed:
            _, name, guidance = _lens_label(i)
            meaning = i.get("meaning", "") if isinstance(i, dict) else ""
            qs = i.get("questions", []) if isinstance(i, dict) else []
            g = "".join(f"<li>{_guidance_html(x)}</li>" for x in guidance)
            q = "".join(f"<li>{esc(x)}</li>" for x in qs)
            items.append(
                f"<li class='miss'><b>{esc(name)}</b>"
                + (f"<div class='curio-muted'>{esc(meaning)}</div>" if meaning else "")
                + (f"<div>Questions you could ask:<ul>{q}</ul></div>" if q else "")
                + (f"<div class='guidance'>Guidance:<ul>{g}</ul></div>" if g else "")
                + "</li>"
            )
        parts.append(f"<p>Missed</p><ul class='curio-covered'>{''.join(items)}</ul>")
    also = result.get("also_raised") or []
    if also:
        parts.append(
            f"<p class='curio-muted'>You also raised: {esc(', '.join(map(str, also)))}.</p>"
        )
    if result.get("message"):
        parts.append(f"<p class='curio-muted'>{esc(result['message'])}</p>")
    return f"<div id='curio-coverage'>{''.join(parts)}</div>"


def build_app(settings: Settings, curio: Any = None, index: Any = None):  # -> gr.Blocks
    """The page. ``curio`` defaults to the chat layer built from these settings."""
    offline_switches()
    import gradio as gr

    if curio is None:
        from assistant.runtime import build

        curio = build(settings).curio
        # encode the guidance sentences ask scores, in the background, so answers are quick
        curio.composer.warm_in_background()
    app = CurioApp(settings, curio, index)
    from assistant.casefile import load_cues

    app.case_cues = load_cues(Path(settings.prompts_dir) / "casefile.yaml")  # a bad edit fails now
    scenarios = app.scenarios()
    model = getattr(curio, "model_name", None)
    backend = getattr(curio, "llm", None)
    local = getattr(backend, "local", None) if backend is not None else None

    with gr.Blocks(
        title="Curio",
        analytics_enabled=False,
        delete_cache=(1800, 3600),  # a backstop: uploads are deleted as soon as they are read
    ) as demo:
        app.cache_dir = demo.GRADIO_CACHE
        state = gr.State(None)
        with gr.Row(equal_height=True):
            gr.Markdown("# Curio\n*Questions, not verdicts.*", elem_id="curio-title")
            gr.HTML(privacy_line(settings, model, local), elem_id="curio-privacy-box")
        with gr.Accordion("How to use Curio", open=True, elem_id="curio-intro"):
            gr.Markdown(INTRO)
        labels = app.mode_labels()
        first = next(iter(labels))
        mode = gr.Radio(
            list(labels), value=first, label="What would you like to do?", elem_id="mode"
        )
        hint = gr.Markdown(app.mode_words(labels[first])["hint"], elem_id="mode-hint")
        with gr.Row():
            with gr.Column(scale=3):
                with gr.Column(visible=True) as review_box:
                    draft = gr.Textbox(
                        label="Your draft (paste here; invented or anonymised text)",
                        placeholder="Paste a section of an assessment, safety plan or case note…",
                        lines=7,
                        max_lines=18,
                        elem_id="draft",
                    )
                    with gr.Row(equal_height=True):
                        upload = gr.File(
                            label=f"…or upload a .docx, .pdf, .txt or .md file "
                            f"(up to {settings.max_upload_mb:g} MB)",
                            file_types=UPLOAD_TYPES,
                            type="filepath",
                            height=150,
                            scale=3,
                            elem_id="upload",
                        )
                        with gr.Column(scale=2, min_width=200):
                            review_btn = gr.Button(
                                "Review draft", variant="primary", elem_id="review"
                            )
                            example_btn = gr.Button("Try an invented example", elem_id="example")
                            clear_btn = gr.Button("Clear draft", size="sm", elem_id="clear")
                    with gr.Tabs():
                        with gr.Tab("Draft with flags highlighted", id="draft-tab"), gr.Row():
                            with gr.Column(scale=1, min_width=300):
                                draft_html = gr.HTML(render_draft("", []), elem_id="draft-view")
                            with gr.Column(scale=1, min_width=300):
                                gr.Markdown("#### Case at a glance")
                                case_html = gr.HTML(render_case_panel(None), elem_id="case-view")
                                with gr.Accordion(
                                    "Correct a role or merge two mentions",
                                    open=False,
                                    elem_id="case-fix",
                                ):
                                    person_pick = gr.Dropdown(
                                        [], label="Person", elem_id="person-pick"
                                    )
                                    role_pick = gr.Dropdown(
                                        ROLE_CHOICES, label="Role", elem_id="role-pick"
                                    )
                                    role_btn = gr.Button(
                                        "Correct role", size="sm", elem_id="fix-role"
                                    )
                                    merge_pick = gr.Dropdown(
                                        [], label="…is the same person as", elem_id="merge-pick"
                                    )
                                    merge_btn = gr.Button("Merge", size="sm", elem_id="merge")
                                    case_status = gr.Markdown("", elem_id="case-status")
                        with gr.Tab("Flags and questions", id="flags-tab"):
                            flags_html = gr.HTML(render_flags([]), elem_id="flags")
                    with gr.Accordion(
                        "Decision log for supervision", open=True, elem_id="decisions"
                    ):
                        gr.Markdown(
                            "Mark what you will do about each flag. Your reasons go into the "
                            "exported checklist only, never into the audit log.",
                            elem_classes="curio-muted",
                        )
                        with gr.Row():
                            decision_flag = gr.Dropdown(
                                [], label="Flag", elem_id="decision-flag", allow_custom_value=True
                            )
                            decision = gr.Radio(
                                list(DECISIONS), label="Decision", elem_id="decision"
                            )
                        decision_reason = gr.Textbox(
                            label="Reason (optional)", lines=1, elem_id="decision-reason"
                        )
                        decision_btn = gr.Button(
                            "Save decision", size="sm", elem_id="save-decision"
                        )
                        decision_status = gr.Markdown("", elem_id="decision-status")
                        decision_log = gr.HTML(render_decisions([], {}), elem_id="decision-log")
                    with gr.Accordion("Was a flag useful? Tell the team", open=False):
                        gr.Markdown(
                            "Your mark goes to the team's log with the lens name and the reason "
                            "you pick only: never any case text.",
                            elem_classes="curio-muted",
                        )
                        with gr.Row():
                            flag_pick = gr.Dropdown(
                                [], label="Flag", elem_id="flag-pick", allow_custom_value=True
                            )
                            mark = gr.Radio(list(MARKS), label="This flag was…", elem_id="mark")
                        reason = gr.Dropdown(
                            list(FEEDBACK_REASONS),
                            value=None,
                            label="Why? (optional)",
                            elem_id="mark-reason",
                            allow_custom_value=True,  # typed text is logged as "Something else"
                        )
                        mark_btn = gr.Button("Save mark", size="sm", elem_id="save-mark")
                        mark_status = gr.Markdown("", elem_id="mark-status")
                with gr.Column(visible=False) as scenario_box:
                    scenario_pick = gr.Dropdown(
                        [(str(s.get("title", s.get("id"))), str(s.get("id"))) for s in scenarios],
                        label="Training scenario",
                        value=None,
                        elem_id="scenario-pick",
                    )
                    scenario_text = gr.HTML(app.show_scenario(None), elem_id="scenario-text")
                    trainee = gr.Textbox(
                        label="The questions and concerns you would raise",
                        lines=5,
                        elem_id="trainee",
                    )
                    check_btn = gr.Button(
                        "Check my questions", variant="primary", elem_id="check-scenario"
                    )
                    coverage = gr.HTML(elem_id="coverage")
                status = gr.Markdown("", elem_id="curio-status", elem_classes="curio-status")
                chatbot = gr.Chatbot(
                    label="Conversation",
                    show_label=False,
                    height=380,
                    sanitize_html=True,
                    elem_id="chat",
                    feedback_options=None,
                    placeholder="Your conversation with Curio appears here.",
                )
                with gr.Row(equal_height=True):
                    message = gr.Textbox(
                        show_label=False,
                        placeholder="Ask a question or reply…",
                        scale=5,
                        elem_id="message",
                    )
                    send_btn = gr.Button("Send", scale=1, min_width=80, elem_id="send")
            with gr.Column(scale=2):
                gr.Markdown("### Export your checklist")
                gr.Markdown(
                    "This session's flags, questions and guidance, to keep with your notes.",
                    elem_classes="curio-muted",
                )
                with gr.Row():
                    md_btn = gr.Button("Markdown (.md)", size="sm", elem_id="export-md")
                    docx_btn = gr.Button("Word (.docx)", size="sm", elem_id="export-docx")
                export_status = gr.Markdown("", elem_id="export-status")
                export_file = gr.File(
                    label="Download", interactive=False, visible=False, elem_id="export-file"
                )
                gr.Markdown("### Sources")
                sources_html = gr.HTML(render_sources([]), elem_id="sources")
                source_pick = gr.Radio(
                    [],
                    label="Read the whole section of",
                    elem_id="source-pick",
                    type="value",
                    visible=False,
                )
                section_html = gr.HTML("", elem_id="section")

        panel_outputs = [
            chatbot,
            state,
            sources_html,
            source_pick,
            section_html,
            draft_html,
            flags_html,
            flag_pick,
            status,
        ]

        def on_mode(label: str) -> tuple[Any, ...]:
            m = labels.get(label, "ask")
            words = app.mode_words(m)
            placeholder = words["placeholder"]
            return (
                words["hint"],
                gr.update(visible=m == "review"),
                gr.update(visible=m == "scenario"),
                gr.update(placeholder=placeholder),
            )

        mode.change(on_mode, mode, [hint, review_box, scenario_box, message], api_name=False)
        case_outputs = [case_html, person_pick, merge_pick, decision_flag, decision_log]
        review_btn.click(
            app.review, [draft, state, chatbot], panel_outputs, api_name="review"
        ).then(app.case_panel, state, case_outputs, api_name=False)
        send_args = {
            "fn": app.send,
            "inputs": [message, mode, draft, state, chatbot],
            "outputs": panel_outputs + [message],
        }
        send_btn.click(**send_args, api_name="send").then(
            app.case_panel, state, case_outputs, api_name=False
        )
        message.submit(**send_args, api_name=False).then(
            app.case_panel, state, case_outputs, api_name=False
        )
        fix_outputs = [case_html, person_pick, merge_pick, case_status]
        role_btn.click(
            app.correct_role, [person_pick, role_pick, state], fix_outputs, api_name="correct_role"
        )
        merge_btn.click(
            app.merge_people, [person_pick, merge_pick, state], fix_outputs, api_name="merge_people"
        )
        decision_btn.click(
            app.decide,
            [decision_flag, decision, decision_reason, state],
            [decision_log, decision_status],
            api_name="decide",
        )
        example_btn.click(lambda: EXAMPLE_DRAFT, None, draft, api_name="example")
        clear_btn.click(lambda: ("", ""), None, [draft, status], api_name=False)
        upload.upload(app.upload, upload, [draft, status, upload], api_name="upload")
        source_pick.input(app.read_section, [source_pick, state], section_html, api_name="section")
        mark_btn.click(app.mark, [flag_pick, mark, reason, state], mark_status, api_name="mark")
        md_btn.click(
            lambda s: app.export("md", s), state, [export_file, export_status], api_name="export_md"
        )
        docx_btn.click(
            lambda s: app.export("docx", s),
            state,
            [export_file, export_status],
            api_name="export_docx",
        )
        scenario_pick.change(app.show_scenario, scenario_pick, scenario_text, api_name=False)
        check_btn.click(
            app.check_scenario, [scenario_pick, trainee], coverage, api_name="check_scenario"
        )
    demo.curio_app = app  # type: ignore[attr-defined]  # for tests
    return demo


#: Requests the Gradio queue runs at once. Reviews and asks share one encoder, whose queue
#: (assistant/embed.py) merges the sentences of requests that arrive together into one model
#: call, so more requests in flight means fuller batches, not more model copies: 24 sessions
#: reviewing at once finish sooner with 24 in flight than with 4 (evals/bench, load section).
QUEUE_CONCURRENCY = 24

SIGN_IN_MESSAGE = (
    "Sign in to Curio with the account your team set up for you. After 5 wrong passwords "
    "for one name, signing in with that name pauses for 15 minutes."
)


def launch(
    demo: Any,
    settings: Settings,
    *,
    auth: Callable[[str, str], bool] | None = None,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
    lockout: Any = None,
    concurrency: int = QUEUE_CONCURRENCY,
) -> Any:
    """Start the server with Curio's safe defaults (no sharing, no tracebacks, size limits).

    Every request passes ``webguard.CurioGuard`` first: the file routes serve only Curio's own
    exports and uploads and never fetch a URL, and with ``auth`` the sign-in route counts wrong
    passwords (``lockout``, default 5 per name and 20 per address in 15 minutes).
    """
    import gradio as gr
    from starlette.middleware import Middleware

    from assistant.webguard import CurioGuard, FilePolicy, Lockout, refuse_gradio_downloads

    refuse_gradio_downloads()
    limit = upload_bytes(settings.max_upload_mb)
    curio_app = getattr(demo, "curio_app", None)
    audit = None
    if auth is not None:
        if curio_app is not None:
            audit = curio_app.audit
        else:
            from assistant.audit import AuditLog

            audit = AuditLog(settings.audit_path, settings.audit_max_bytes)
    guard = Middleware(
        CurioGuard,
        files=FilePolicy(exports=lambda: list(_EXPORTS), uploads=demo.GRADIO_CACHE),
        lockout=(lockout or Lockout()) if auth is not None else None,
        audit=audit,
        known_user=getattr(auth, "knows", lambda _name: False),
    )
    return demo.queue(default_concurrency_limit=concurrency).launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        show_error=False,
        auth=auth,
        auth_message=SIGN_IN_MESSAGE if auth else None,
        max_file_size=limit * 2,  # our own check gives the clearer message below this
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        footer_links=[],
        theme=gr.themes.Soft(primary_hue="teal"),
        css=CSS,
        ssr_mode=False,
        mcp_server=False,
        app_kwargs={"middleware": [guard]},
    )


def serve(settings: Settings | None = None) -> None:
    offline_switches()
    settings = settings or get_settings()
    from assistant.preflight import check_port, check_settings

    check_port(settings.port, "The port (--port or CURIO_PORT)")
    check_settings(settings, index=True, corpus=True, audit=True, prompts=True, auth=True)
    if settings.host not in LOOPBACK and settings.auth_file is None:
        raise CurioError(
            f"Refusing to serve on {settings.host} without authentication: set CURIO_AUTH_FILE "
            "(see the README), or serve on 127.0.0.1."
        )
    auth = None
    if settings.auth_file is not None:
        from assistant.auth import Authenticator

        auth = Authenticator(settings.auth_file)
        auth.check_ready()
    check_port_free(settings.host, settings.port)
    print(
        "Curio is starting (the first run builds the guidance index: about a minute)...", flush=True
    )
    from assistant.embed import use_serving_threads

    use_serving_threads()
    demo = build_app(settings)
    warm_in_background(demo)
    print(
        f"Curio is ready: open http://{settings.host}:{settings.port} in your browser "
        "(Ctrl+C stops it).",
        flush=True,
    )
    launch(demo, settings, auth=auth)


def warm_in_background(demo: Any) -> threading.Thread | None:
    """Encode the guidance that walkthroughs quote while the server starts (``Curio.warm``),
    so the first sessions do not wait for it; a failure only costs that head start."""
    curio = getattr(getattr(demo, "curio_app", None), "curio", None)
    warm = getattr(curio, "warm", None)
    if warm is None:
        return None

    def run() -> None:
        try:
            warm()
        except Exception:
            log.exception("warming the guidance failed")

    thread = threading.Thread(target=run, name="curio-warm", daemon=True)
    thread.start()
    return thread


def check_port_free(host: str, port: int) -> None:
    """Fail fast, with a way out, when the address cannot be used: another program (often
    Curio itself) holds the port, the port is out of range, or the host is not this computer's."""
    import errno
    import socket

    from assistant.preflight import check_port, reason

    check_port(port, "The port (--port or CURIO_PORT)")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except socket.gaierror as exc:
            raise CurioError(
                f"Cannot listen on {host}: it is not an address or a name this computer knows "
                "(use --host 127.0.0.1, or an address of this computer)."
            ) from exc
        except (OSError, OverflowError) as exc:
            code = getattr(exc, "errno", None)
            if code == errno.EADDRINUSE:
                raise CurioError(
                    f"Port {port} on {host} is already in use (is Curio already running?): open "
                    f"http://{host}:{port}, or start on another port with --port or CURIO_PORT."
                ) from exc
            if code == errno.EADDRNOTAVAIL:
                raise CurioError(
                    f"Cannot listen on {host}: it is not an address of this computer (use "
                    "--host 127.0.0.1, or one of this computer's addresses)."
                ) from exc
            if code == errno.EACCES:
                raise CurioError(
                    f"Port {port} needs administrator rights on this computer: choose a port "
                    "above 1023 with --port or CURIO_PORT."
                ) from exc
            why = reason(exc) if isinstance(exc, OSError) else str(exc)
            raise CurioError(f"Cannot listen on {host} port {port}: {why}.") from exc
