"""``Curio``, the conversation layer's front door: input checks, dispatch to a mode, history and
the audit line. What each mode says lives in ``chat/modes/``.

The app and ``curio ask`` / ``curio review`` call ``Curio``. Its parts (retriever, reviewer,
lens catalogue, optional chat model, audit log) are handed in, by ``runtime.build`` or by tests.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel

from assistant.answer import AskRules, Composer, Library, load_ask_rules
from assistant.chat import modes
from assistant.chat.compose import review_citations, warm
from assistant.errors import CurioError
from assistant.limits import check_text
from assistant.llm import Backend
from assistant.prompts import Prompts, load_prompts
from assistant.redact import Redactor
from assistant.seams import AuditSink, Catalogue, Reviewer, Searcher
from assistant.settings import Settings
from assistant.types import Answer, ReviewResult

#: Lone surrogates: what Python makes of bytes that are not UTF-8 (e.g. in a command line).
_NOT_TEXT = re.compile("[\ud800-\udfff]")


@dataclass
class Session:
    """One browser session's conversation state. Kept in memory only; never written to disk."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    mode: str = "ask"
    history: list[tuple[str, str]] = field(default_factory=list)  # (role, text), role user/ai
    case_notes: list[str] = field(default_factory=list)  # reflect: what was said about the case
    last_review: ReviewResult | None = None
    last_draft: str = ""
    focus_flag: int = 0  # review: the flag a "why?" refers to
    scenario_id: str | None = None
    reflect_turn: int = 0
    asked: set[str] = field(default_factory=set)  # reflect questions already asked
    redactor: Redactor = field(default_factory=Redactor)


class Curio:
    """Everything a chat turn needs. Build with ``runtime.build(settings).curio`` or hand in
    parts."""

    def __init__(
        self,
        retriever: Searcher | None,
        reviewer: Reviewer,
        catalogue: Catalogue,
        llm: Backend | BaseChatModel | None = None,
        settings: Settings | None = None,
        audit: AuditSink | None = None,
        *,
        prompts: Prompts | None = None,
        embedder: Any = None,
        scenarios: list[dict[str, Any]] | None = None,
        ask_rules: AskRules | None = None,
    ) -> None:
        self.retriever: Any = retriever
        self.reviewer: Any = reviewer
        self.catalogue: Any = catalogue
        if isinstance(llm, BaseChatModel):
            llm = Backend(model=llm, name=getattr(llm, "_llm_type", "chat-model"), local=True)
        self.llm: Backend | None = llm
        self.settings = settings or Settings()
        self.audit = audit
        self.prompts = prompts or load_prompts(self.settings.prompts_dir)
        self.embedder: Any = (
            embedder
            or getattr(reviewer, "embedder", None)
            or getattr(getattr(retriever, "index", None), "embedder", None)
        )
        if self.embedder is None:
            raise CurioError("Curio needs an embedding model (none was given).")
        # caches the modes keep per Curio (the scenarios; the lens exemplars' vectors)
        self.scenario_list: list[dict[str, Any]] | None = scenarios
        self.lens_vectors: tuple[list[str], np.ndarray] | None = None
        self.ask_rules = ask_rules or load_ask_rules(self.settings.prompts_dir)
        self.composer = Composer(
            self.embedder,
            self.ask_rules,
            Library(retriever),
            cache_dir=self.settings.cache_dir / "ask-sentences",
        )

    # ------------------------------------------------------------------ public API

    @property
    def model_name(self) -> str:
        return self.llm.name if self.llm else "none"

    @property
    def prompts_version(self) -> str:
        return f"{getattr(self.catalogue, 'version', '?')}+{self.prompts.digest[:12]}"

    def new_session(self) -> Session:
        return Session()

    def ask(self, question: str, history: Sequence[tuple[str, str]] = ()) -> Answer:
        """One guidance question, answered in full (the last of the streamed answers)."""
        session = Session(history=list(history))
        answers = list(self.respond(session, "ask", question))
        return answers[-1]

    def respond(
        self, session: Session, mode: str, message: str, draft: str | None = None
    ) -> Iterator[Answer]:
        """Stream a turn: growing partial answers, the last one final. Bad input → CurioError."""
        handler = modes.get(mode)
        if handler is None:
            known = ", ".join(modes.names())
            raise CurioError(f"Unknown mode {mode!r}: use {known}.")
        message = (message or "").strip()
        draft = draft.strip() if draft else None
        if not message and not draft:
            raise CurioError("The message is empty: type a question or paste some text.")
        for what, text in (("message", message), ("draft", draft or "")):
            check_text(text, self.settings.max_text_chars, f"The {what}")
            if _NOT_TEXT.search(text):  # bytes that were not UTF-8 (surrogate-escaped)
                raise CurioError(
                    f"The {what} holds bytes that are not UTF-8 text: save or paste it as "
                    "plain text and try again."
                )
        session.mode = mode
        final: Answer | None = None
        for final in handler.turn(self, session, message, draft):
            final.mode = mode
            yield final
        if final is not None:
            session.history.append(("user", message or "(shared a draft)"))
            session.history.append(("ai", final.text))
            self._audit(session, mode, (draft or "") + message, final)

    def review_draft(self, session: Session, text: str) -> ReviewResult:
        """Review a draft and remember it in the session, for follow-ups about its flags."""
        result = self.reviewer.review(text)
        session.last_review = result
        session.last_draft = text
        session.focus_flag = 0
        return result

    def review(self, text: str, session: Session | None = None) -> ReviewResult:
        """Review a draft without a walkthrough (``curio review``), auditing it as a review turn
        in the app is audited: one line, the flags' lenses and the guidance a walkthrough cites."""
        session = session or Session(mode="review")
        result = self.review_draft(session, text)
        citations = review_citations(result)
        answer = Answer(text="", mode="review", flags=result.flags, citations=citations)
        self._audit(session, "review", text, answer)
        return result

    # ------------------------------------------------------------------ scenarios (the app's)

    def scenarios(self) -> list[dict[str, Any]]:
        """The evaluation scenarios a trainer can pick from."""
        from assistant.chat.modes.scenario import scenarios

        return scenarios(self)

    def check_scenario(self, scenario_id: str, trainee_text: str) -> dict[str, Any]:
        """Which of the scenario's required lenses the trainee's questions covered or missed."""
        from assistant.chat.modes.scenario import check_scenario

        return check_scenario(self, scenario_id, trainee_text)

    # ------------------------------------------------------------------ shared by the modes

    def warm(self) -> int:
        """Encode the guidance that walkthroughs quote ahead of time (see ``compose.warm``)."""
        return warm(self)

    def lens(self, lens_id: str) -> Any:
        """The catalogue's lens with this id, or None."""
        try:
            return self.catalogue[lens_id]
        except (KeyError, TypeError):
            return None

    def _audit(self, session: Session, mode: str, text: str, answer: Answer) -> None:
        if self.audit is None:
            return
        index = getattr(self.retriever, "index", None)
        with contextlib.suppress(OSError):  # a full disk must not lose the answer
            self.audit.answer(
                mode=mode,
                input_text=text,
                lenses=[f.lens for f in answer.flags],
                citations=answer.citations,
                model=answer.model,
                prompts_version=self.prompts_version,
                index_fingerprint=str(getattr(index, "fingerprint", "")),
                declined=answer.declined,
                session=session.id,
            )
