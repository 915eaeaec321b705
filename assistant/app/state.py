"""One browser session's state in the app: its draft, flags, sources and case file."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from assistant.casepanel import (
    CaseSession,
)
from assistant.types import Citation, Flag


@dataclass
class SessionState:
    """One browser session's text and results; never shared between sessions."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    chat: Any = None  # the chat layer's Session, made on first use
    draft: str = ""  # the text last sent for review (evidence offsets point into it)
    flags: list[Flag] = field(default_factory=list)  # the latest review's flags
    #: the latest review's sentences left out as words to an AI tool (named in the exports)
    left_out: list[str] = field(default_factory=list)
    checklist: dict[str, Flag] = field(default_factory=dict)  # every lens raised this session
    citations: list[Citation] = field(default_factory=list)  # the latest answer's sources
    cited: dict[str, Citation] = field(default_factory=dict)  # every source cited this session
    export_dir: str = ""  # the folder of this session's latest export, removed on the next one
    case: CaseSession = field(default_factory=CaseSession)  # people, chronology, decisions
