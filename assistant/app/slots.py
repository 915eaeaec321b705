"""The page's components that handlers update, by name.

Handlers return ``{slot: value}`` dicts, which Gradio applies to the components named and leaves
the rest as they are, so adding an output means adding a key, not editing every return. Until
``layout.py`` puts the real components in, each slot is its own name, so tests that call the
handlers without a page read the same dicts by ``ui.status`` (or ``"status"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Slots:
    """The components handlers update; each defaults to its own name."""

    chatbot: Any = "chatbot"
    state: Any = "state"
    sources: Any = "sources"  # the cited passages
    source_pick: Any = "source_pick"
    section: Any = "section"  # the whole section of the chosen source
    draft_view: Any = "draft_view"  # the draft with flags highlighted
    flags: Any = "flags"  # the flags and their questions
    flag_pick: Any = "flag_pick"  # the feedback marks' flag picker
    status: Any = "status"
    message: Any = "message"
    draft: Any = "draft"  # the draft text box
    upload: Any = "upload"
    hint: Any = "hint"
    review_box: Any = "review_box"
    scenario_box: Any = "scenario_box"
    case_view: Any = "case_view"
    person_pick: Any = "person_pick"
    merge_pick: Any = "merge_pick"
    case_status: Any = "case_status"
    decision_flag: Any = "decision_flag"
    decision_log: Any = "decision_log"
    decision_status: Any = "decision_status"
    export_file: Any = "export_file"
    export_status: Any = "export_status"

    def of(self, *names: str) -> list[Any]:
        """The components named, in that order: a handler's ``outputs``."""
        return [getattr(self, n) for n in names]
