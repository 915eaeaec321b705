"""Handlers beside the chat: feedback marks, the case file, the decision log, the checklist
export and the training scenarios. Those that update several components return
``{slot: value}`` (``slots.py``).
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.app.export import (
    _EXPORTS,
    checklist_docx,
    checklist_markdown,
    discard_export,
)
from assistant.app.render import (
    esc,
    flag_name,
    render_coverage,
)
from assistant.app.slots import Slots
from assistant.app.state import SessionState
from assistant.app.words import (
    MARKS,
)
from assistant.casepanel import (
    DECISIONS,
    Decision,
    render_case_panel,
    render_decisions,
)
from assistant.errors import CurioError
from assistant.limits import too_long
from assistant.settings import Settings

log = logging.getLogger("curio.app")

#: What a handler returns: ``{slot: value}`` for the components it updates.
Out = dict[Any, Any]


class SideHandlers:
    """The handlers beside the chat: feedback marks, the case file and decision log, the
    checklist export and the training scenarios. ``CurioApp`` supplies the state and the parts."""

    settings: Settings
    curio: Any
    cache_dir: str | None
    case_cues: Any
    ui: Slots

    audit: Any  # CurioApp's (a property)

    @staticmethod
    def _status(message: str) -> str:
        return f"⚠️ {message}" if message else ""

    def _state(self, state: SessionState | None) -> SessionState:
        state = state if isinstance(state, SessionState) else SessionState()
        if state.chat is None:
            state.chat = self.curio.new_session()
            # one id for the session's answers and its feedback marks in the audit log
            state.id = str(getattr(state.chat, "id", "") or state.id)
        return state

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
        return f"Thank you: “{esc(name)}” marked {str(mark_label).lower()}."

    # -- the case at a glance and the decision log
    def case_panel(self, state: SessionState | None) -> Out:
        """After a review: the people, chronology and accounts of the draft just reviewed,
        with this session's corrections replayed, and the decision log's flags."""
        import gradio as gr

        state = state if isinstance(state, SessionState) else SessionState()
        cs = state.case
        note: Any = gr.update()  # the status line is left alone unless a new draft is read
        if state.draft and (cs.case is None or cs.text != state.draft):
            try:
                reread = self._reread(state.id)
                cs.extract(state.draft, self.case_cues, _about_family(state), reread)
                note = cs.status_note
            except Exception:
                log.exception("case extraction failed")
                cs.case = None
        flags = [(f"{n}. {flag_name(f)}", f.lens) for n, f in enumerate(state.flags, 1)]
        ui = self.ui
        return self._people(state) | {
            ui.case_status: note,
            ui.decision_flag: gr.update(
                choices=flags, value=state.flags[0].lens if state.flags else None
            ),
            ui.decision_log: render_decisions(state.flags, cs.decisions),
        }

    def _reread(self, session: str) -> Any:
        """The model's reading of status when ``CURIO_CASE_LLM`` is on (None otherwise); its
        audit line carries this session's id."""
        from assistant.casefile.llm_status import status_reader

        if not self.settings.case_llm:
            return None
        curio = self.curio
        return status_reader(
            curio.llm,
            curio.prompts,
            self.settings.llm_timeout,
            getattr(curio, "audit", None),
            session=session,
        )

    def _people(self, state: SessionState) -> Out:
        """The case panel and its two people pickers."""
        import gradio as gr

        people = state.case.people_choices()
        return {
            self.ui.case_view: render_case_panel(state.case.case),
            self.ui.person_pick: gr.update(choices=people, value=None),
            self.ui.merge_pick: gr.update(choices=people, value=None),
        }

    def _case_outputs(self, state: SessionState, message: str) -> Out:
        return self._people(state) | {self.ui.case_status: message}

    def correct_role(self, person: Any, role: str | None, state: Any) -> Out:
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

    def merge_people(self, keep: Any, other: Any, state: Any) -> Out:
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

    def decide(self, lens: str | None, label: str | None, reason: str, state: Any) -> Out:
        """A decision on a flag for the supervision record. The typed reason stays in this
        session and its export; the audit log gets the lens and the decision only."""
        state = state if isinstance(state, SessionState) else SessionState()
        known = {f.lens: f for f in state.flags}
        mark = DECISIONS.get(label or "")
        if not lens or lens not in known:
            message = self._status("Review a draft first, then choose one of its flags.")
        elif mark is None:
            message = self._status("Choose will act, already covered or not relevant.")
        else:
            state.case.decisions[lens] = Decision(mark, " ".join((reason or "").split())[:1000])
            with contextlib.suppress(Exception):  # the log is a record, not a gate
                self.audit.decision(lens=lens, mark=mark, session=state.id)
            message = f"Saved: “{esc(flag_name(known[lens]))}” — {esc(str(label).lower())}."
        return {
            self.ui.decision_log: render_decisions(state.flags, state.case.decisions),
            self.ui.decision_status: message,
        }

    # -- export
    def export(self, fmt: str, state: SessionState | None) -> Out:
        """Write the checklist (Markdown or Word) into Gradio's cache for download."""
        state = state if isinstance(state, SessionState) else SessionState()
        ui = self.ui
        if not state.checklist and not state.cited:
            message = "Nothing to export yet: review a draft or ask a question first."
            return {ui.export_file: None, ui.export_status: self._status(message)}
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
            message = "The checklist could not be written; please try again."
            return {ui.export_file: None, ui.export_status: self._status(message)}
        import gradio as gr

        return {
            ui.export_file: gr.update(value=str(path), visible=True),
            ui.export_status: "Checklist ready: download it below.",
        }

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


def _about_family(state: SessionState) -> bool:
    """The review engine's reading of the draft just reviewed: False when it found the text
    not to be about a family (the case panel then reads nothing from it)."""
    chat = state.chat
    last = getattr(chat, "last_review", None)
    if last is None or (getattr(chat, "last_draft", "") or "").strip() != state.draft.strip():
        return True
    return bool(last.is_case_material)
