"""The conversation layer: four modes (review, ask, reflect, scenario) over retrieval and review.

The app and ``curio ask`` both call ``Curio``. Parts are passed in (retriever, reviewer, lens
catalogue, optional chat model, audit log) so tests can hand in fakes.

Without a language model every mode works from retrieval and the lens catalogue (the offline
composer): answers are extracts from the retrieved passages, each with its [n] marker. With a
model, the model writes from the same numbered passages, its markers are checked against them,
and any failure falls back to the offline composer with a notice. Either way, when nothing
retrieved is relevant enough, ``ask`` declines and shows the nearest sections instead.
"""

from __future__ import annotations

import contextlib
import difflib
import inspect
import logging
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from assistant.answer import (
    AskRules,
    Composer,
    Composition,
    Library,
    caveat_notices,
    kind_label,
    load_ask_rules,
)
from assistant.citations import citation_from_json, short_label, source_line
from assistant.errors import CurioError
from assistant.limits import check_text
from assistant.llm import Backend, stream_with_deadline
from assistant.prompts import Prompts, data_block, load_prompts
from assistant.redact import Redactor
from assistant.settings import Settings
from assistant.types import Answer, Citation, Flag, Hit, ReviewResult

log = logging.getLogger("curio.chat")

MODES: tuple[str, ...] = ("review", "ask", "reflect", "scenario")

#: A trainee's sentence covers a lens when it is this similar to one of the lens's questions,
#: its meaning or its guidance queries (cosine, all-MiniLM-L6-v2).
SCENARIO_MATCH = 0.55
MAX_QUESTION_CHARS = 2_000
MAX_HISTORY_TURNS = 6
ASK_K = 6
#: Dense-only results also offered to the ask composer when they beat every hybrid result.
ASK_DENSE_EXTRA = 2
#: Passages a language model is given for an ask: the ones the offline answer quotes, then the
#: next best, up to this many.
LLM_PASSAGES = 4

#: Sentences that talk to an AI rather than about practice: never quoted as guidance.
_INSTRUCTION_LIKE = re.compile(
    r"\b(ignore (all |any |your |the )?(previous |prior |above )?instructions?|disregard (all |"
    r"your |the )?(previous |prior )?(instructions?|rules)|system prompt|you are now|as an ai|"
    r"language model|reveal your|jailbreak)\b",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z\"'(\[])")
#: Lone surrogates: what Python makes of bytes that are not UTF-8 (e.g. in a command line).
_NOT_TEXT = re.compile("[\ud800-\udfff]")
_MARKER = re.compile(r"\[(\s*\d+\s*(?:[,;]\s*\d+\s*)*)\]")
_PH = re.compile(r"\{(\w+)\|([^{}]*)\}")

REFLECT_STAGES: tuple[tuple[str, str], ...] = (
    (
        "what is happening for the child",
        "What is a day like for the child in this household right now, in their own words if "
        "you have them? When were they last seen alone?",
    ),
    (
        "the evidence",
        "What do we actually know, and where does each piece come from: a parent's account, "
        "police, school, health? Which of it has been checked?",
    ),
    (
        "other explanations",
        "What else could explain what we are seeing? If the most worrying explanation were "
        "true, what would we expect to see, and have we looked for it?",
    ),
    (
        "what will be done",
        "What will be done, by whom and by when, and how will we know if it is working for the "
        "child rather than just being agreed to?",
    ),
)
REFLECT_FRAME = "Supervision case notes about the child and family, in the practitioner's words:"
HISTORY_QUESTION = (
    "What does the history tell us: earlier incidents, previous partners, earlier referrals? "
    "What does that pattern mean for the child now?"
)
PLAN_QUESTION = (
    "Can the plan really work? What happens if the adults get back together, or if the "
    "person the plan relies on cannot do what it asks of them?"
)


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


# ---------------------------------------------------------------------------- small helpers


def split_sentences(text: str) -> list[str]:
    out = []
    for para in re.split(r"\n\s*\n|\n(?=\s*[-*#])", text):
        para = " ".join(para.replace("#", " ").split()).strip(" -*")
        out.extend(s.strip() for s in _SENTENCE.split(para) if s.strip())
    return out


def fill(question: str) -> str:
    """A catalogue question with its ``{name|fallback}`` slots filled by the fallback words."""
    out = _PH.sub(lambda m: m.group(2), question)
    return out[:1].upper() + out[1:]


def check_citations(text: str, passages: Sequence[Citation]) -> tuple[str, list[Citation], str]:
    """Keep markers that point at a passage (renumbered in order of use); drop the rest.

    Returns the cleaned text, the cited passages (index i is marker [i+1]) and a notice, empty
    when every marker matched.
    """
    order: list[int] = []
    bad: list[str] = []

    def sub(m: re.Match[str]) -> str:
        kept = []
        for raw in re.split(r"[,;]", m.group(1)):
            n = int(raw)
            if 1 <= n <= len(passages):
                if n not in order:
                    order.append(n)
                kept.append(order.index(n) + 1)
            else:
                bad.append(f"[{n}]")
        return "".join(f"[{k}]" for k in dict.fromkeys(kept))

    cleaned = _MARKER.sub(sub, text)
    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", cleaned)
    cleaned = re.sub(r"[ \t]{2,}", " ", cleaned).strip()
    notice = ""
    if bad:
        notice = (
            f"Removed {len(bad)} citation marker(s) ({', '.join(dict.fromkeys(bad))}) that matched "
            "none of the passages retrieved for this answer."
        )
    return cleaned, [passages[n - 1] for n in order], notice


def render_text(answer: Answer) -> str:
    """An answer as plain text with its sources listed, each in the one citation form: for the
    terminal and for exports."""
    lines = [answer.text.rstrip()]
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        lines += [source_line(n, c) for n, c in enumerate(answer.citations, start=1)]
    for notice in answer.notices:
        lines.append(f"Note: {notice}")
    return "\n".join(lines)


def _flat(text: str) -> str:
    return " ".join(text.split()).lower()


def echoes(
    answer: str, prompt: str, passages: Sequence[Citation], user_texts: Sequence[str] = ()
) -> str:
    """Why a model's answer is an echo of what it was given rather than an answer, or "".

    An echo repeats the DATA markers, a line of the instructions, or copies most of itself
    verbatim from one passage (a short quotation inside an answer is fine)."""
    if re.search(r"<<<|>>>|‹‹‹|›››|\bEND DATA\b|^\s*DATA\b", answer, re.M):
        return "it repeated the data markers of its prompt"
    flat = _flat(answer)
    instructions = _flat(re.sub(r"<<<DATA.*?<<<END DATA>>>", " ", prompt, flags=re.S))
    for text in user_texts:  # the question itself may be restated
        if text:
            instructions = instructions.replace(_flat(text), " ")
    run = difflib.SequenceMatcher(None, flat, instructions, autojunk=False).find_longest_match(
        0, len(flat), 0, len(instructions)
    )
    if run.size >= ECHO_RUN:
        return "it repeated its instructions"
    if len(flat) >= 120:
        for c in passages:
            source = _flat(c.text)
            m = difflib.SequenceMatcher(None, flat, source, autojunk=False).find_longest_match(
                0, len(flat), 0, len(source)
            )
            if m.size >= 0.6 * len(flat):
                return "it copied a passage instead of answering"
    return ""


#: A run of this many characters copied from the prompt's instructions makes an answer an echo.
ECHO_RUN = 50

#: How the model is told whose words a passage is; the ask prompt says what to do with each.
PASSAGE_KINDS = {
    "invented-example": "invented example, not a real council or case",
    "practice-prompt": "Curio's own practice prompt, not the source's words",
}


def _passages_block(citations: Sequence[Citation]) -> str:
    if not citations:
        return "(no passages were retrieved)"
    blocks = []
    for n, c in enumerate(citations, start=1):
        label = f"[{n}] {short_label(c)}"
        kind = PASSAGE_KINDS.get(c.kind, kind_label(c.kind))
        if kind:
            label += f" ({kind})"
        if c.caveat:
            label += f" (note: {c.caveat})"
        blocks.append(data_block(label, c.text))
    return "\n\n".join(blocks)


_caveat_notices = caveat_notices


# ---------------------------------------------------------------------------- the facade


class Curio:
    """Everything a chat turn needs. Build with ``build_curio(settings)`` or hand in parts."""

    def __init__(
        self,
        retriever: Any,
        reviewer: Any,
        catalogue: Any,
        llm: Backend | BaseChatModel | None = None,
        settings: Settings | None = None,
        audit: Any = None,
        *,
        prompts: Prompts | None = None,
        embedder: Any = None,
        scenarios: list[dict[str, Any]] | None = None,
        ask_rules: AskRules | None = None,
    ) -> None:
        self.retriever = retriever
        self.reviewer = reviewer
        self.catalogue = catalogue
        if isinstance(llm, BaseChatModel):
            llm = Backend(model=llm, name=getattr(llm, "_llm_type", "chat-model"), local=True)
        self.llm: Backend | None = llm
        self.settings = settings or Settings()
        self.audit = audit
        self.prompts = prompts or load_prompts(self.settings.prompts_dir)
        self.embedder = (
            embedder
            or getattr(reviewer, "embedder", None)
            or getattr(getattr(retriever, "index", None), "embedder", None)
        )
        if self.embedder is None:
            raise CurioError("Curio needs an embedding model (none was given).")
        self._scenarios = scenarios
        self._lens_vectors: tuple[list[str], np.ndarray] | None = None
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
        if mode not in MODES:
            raise CurioError(f"Unknown mode {mode!r}: use review, ask, reflect or scenario.")
        message = (message or "").strip()
        draft = draft.strip() if draft else None
        if not message and not draft:
            raise CurioError("The message is empty: type a question or paste some text.")
        limit = self.settings.max_text_chars
        for what, text in (("message", message), ("draft", draft or "")):
            check_text(text, limit, f"The {what}")
            if _NOT_TEXT.search(text):  # bytes that were not UTF-8 (surrogate-escaped)
                raise CurioError(
                    f"The {what} holds bytes that are not UTF-8 text: save or paste it as "
                    "plain text and try again."
                )
        session.mode = mode
        handler: Callable[[Session, str, str | None], Iterator[Answer]] = {
            "ask": self._ask_turn,
            "review": self._review_turn,
            "reflect": self._reflect_turn,
            "scenario": self._scenario_turn,
        }[mode]
        final: Answer | None = None
        for final in handler(session, message, draft):
            final.mode = mode
            yield final
        if final is not None:
            session.history.append(("user", message or "(shared a draft)"))
            session.history.append(("ai", final.text))
            self._audit(session, mode, (draft or "") + message, final)

    # ------------------------------------------------------------------ ask

    def _ask_turn(self, session: Session, message: str, draft: str | None) -> Iterator[Answer]:
        if len(message) > MAX_QUESTION_CHARS:
            raise CurioError(
                f"That is long for a question ({len(message):,} characters, at most "
                f"{MAX_QUESTION_CHARS:,}): paste drafts in review mode instead."
            )
        yield from self._answer_question(session, message)

    def _answer_question(
        self, session: Session, question: str, prefer_lens: str | None = None
    ) -> Iterator[Answer]:
        prof = self.composer.analyse(question)
        qvecs = self.composer.encode(prof)
        hits = self._ask_hits(prof.expanded, qvecs[0], prefer_lens)
        comp = self.composer.compose(prof, hits, qvecs)
        offline = lambda: self.composer.render(comp, self._lens_question_for)  # noqa: E731
        if comp.declined or self.llm is None:
            yield offline()
            return
        citations = self._llm_passages(comp)
        prompt = self.prompts.render("ask", passages=_passages_block(citations), question=question)
        yield from self._llm_answer(
            session, prompt, citations, offline, user_texts=[question], require_citation=True
        )

    def _ask_hits(self, query: str, qvec: np.ndarray, prefer_lens: str | None) -> list[Hit]:
        """Hybrid search, plus the closest sections by meaning alone: rank fusion can push a
        section that only the dense search ranks first (a paraphrase with no shared words) out
        of the top few, and it is often the one that answers."""
        search = self.retriever.search
        try:
            takes_vector = "qvec" in inspect.signature(search).parameters
        except (TypeError, ValueError):
            takes_vector = False
        if not takes_vector:  # a retriever handed in by a caller (tests, other stores)
            return list(search(query, k=ASK_K, prefer_lens=prefer_lens))
        hits = list(search(query, k=ASK_K, prefer_lens=prefer_lens, qvec=qvec))
        seen = {(h.chunk.metadata.get("key", h.chunk.source), h.chunk.section) for h in hits}
        top = max((h.relevance for h in hits), default=0.0)
        for h in search(query, k=ASK_DENSE_EXTRA, mode="dense", qvec=qvec):
            place = (h.chunk.metadata.get("key", h.chunk.source), h.chunk.section)
            if place not in seen and h.relevance >= top:
                hits.append(h)
                seen.add(place)
        return hits

    def _llm_passages(self, comp: Composition) -> list[Citation]:
        """The passages the offline answer quotes, then the next best: what the model is given.
        Each carries its chunk's text plus any quoted sentence that lies elsewhere in its
        section, so the model sees what the offline answer would have said."""
        order: list[int] = []
        for u in comp.picks:
            if u.passage not in order:
                order.append(u.passage)
        for i in range(len(comp.hits)):
            if len(order) >= LLM_PASSAGES:
                break
            if i not in order:
                order.append(i)
        out = []
        for i in order:
            hit = comp.hits[i]
            text = hit.chunk.text
            extra = [u.text for u in comp.picks if u.passage == i and u.text not in text]
            if extra:
                text = text.rstrip() + "\n\n" + "\n\n".join(extra)
            cite = self.composer.cite(hit)
            out.append(replace(cite, text=text))
        return out

    def _lens_question_for(self, hit: Hit) -> str:
        for lens_id in hit.chunk.lenses:
            try:
                return fill(self.catalogue[lens_id].questions[0])
            except (KeyError, IndexError, TypeError):
                continue
        return ""

    # ------------------------------------------------------------------ review

    def _review_turn(self, session: Session, message: str, draft: str | None) -> Iterator[Answer]:
        looks_like_draft = len(message) > 400 or message.count("\n") >= 3
        if draft or (looks_like_draft and not re.match(r"\s*(why|what)\b", message, re.I)):
            text = draft or message
            result = self._review_draft(session, text)
            yield from self._walkthrough(session, result, text, message if draft else "")
            return
        result = session.last_review
        if result is None:
            yield Answer(
                text="Paste or upload the draft (an assessment, a safety plan or a case note) "
                "you would like reviewed, and I will walk through what it may be missing."
            )
            return
        m = re.match(r"\s*what does (?:the )?guidance say about\s+(.+?)\??\s*$", message, re.I)
        if m:
            flag = self._flag_named(result, m.group(1))
            yield from self._answer_question(
                session, m.group(1), prefer_lens=flag.lens if flag else None
            )
            return
        if re.match(r"\s*why\b", message, re.I) or self._flag_named(result, message):
            flag = self._flag_named(result, message)
            if flag is None and result.flags:
                flag = result.flags[min(session.focus_flag, len(result.flags) - 1)]
            if flag is not None:
                yield self._explain_flag(flag, result)
                return
        yield from self._answer_question(session, message)

    def _review_draft(self, session: Session, text: str) -> ReviewResult:
        result = self.reviewer.review(text)
        session.last_review = result
        session.last_draft = text
        session.focus_flag = 0
        return result

    def review(self, text: str, session: Session | None = None) -> ReviewResult:
        """Review a draft without a walkthrough (``curio review``), auditing it as a review turn
        in the app is audited: one line, the flags' lenses and the guidance a walkthrough cites."""
        session = session or Session(mode="review")
        result = self._review_draft(session, text)
        answer = Answer(
            text="", mode="review", flags=result.flags, citations=review_citations(result)
        )
        self._audit(session, "review", text, answer)
        return result

    def _flag_named(self, result: ReviewResult, text: str) -> Flag | None:
        """The flag a follow-up refers to: by number ("flag 2"), lens id or words of its name."""
        flags = result.flags
        m = re.search(r"\b(?:flag|number|no\.?|#)\s*(\d+)\b|^\s*why\s+(\d+)\b", text, re.I)
        if m:
            n = int(m.group(1) or m.group(2))
            return flags[n - 1] if 1 <= n <= len(flags) else None
        low = text.lower()
        for f in flags:
            if f.lens in low:
                return f
        best, best_hits = None, 0
        for f in flags:
            words = [w for w in re.findall(r"[a-z]{4,}", (f.name or f.lens).lower())]
            hits = sum(w in low for w in words)
            if hits > best_hits:
                best, best_hits = f, hits
        return best

    def _walkthrough(
        self, session: Session, result: ReviewResult, draft: str, message: str
    ) -> Iterator[Answer]:
        citations = review_citations(result)
        offline = lambda: self._walkthrough_offline(result, citations)  # noqa: E731
        if self.llm is None or not result.flags:
            yield offline()
            return
        prompt = self.prompts.render(
            "review",
            draft=data_block("draft", draft),
            flags=self._flags_block(result.flags, citations),
            passages=_passages_block(citations),
            message=message or "Please walk me through the flags.",
        )
        for answer in self._llm_answer(
            session, prompt, citations, offline, user_texts=[draft, message]
        ):
            answer.flags = result.flags
            yield answer

    def _flags_block(self, flags: list[Flag], citations: list[Citation]) -> str:
        out = []
        for n, f in enumerate(flags, start=1):
            marks = "".join(f"[{citations.index(c) + 1}]" for c in f.citations if c in citations)
            what = (
                "the draft says: " + " / ".join(f'"{e.text.strip()}"' for e in f.evidence[:3])
                if f.kind == "present"
                else f"not found in the draft: {f.looked_for}"
            )
            out.append(
                f"{n}. {f.name or f.lens} ({f.lens}, {f.kind}); {what}\n"
                f"   questions: {' | '.join(f.questions[:3])}\n   guidance: {marks or 'none'}"
            )
        return "\n".join(out) if out else "(no flags)"

    def _walkthrough_offline(self, result: ReviewResult, citations: list[Citation]) -> Answer:
        if not result.flags:
            return Answer(
                text=(result.message or "No lens flags were raised.").capitalize() + ".",
                flags=[],
            )
        lines = [
            f"{len(result.flags)} thing(s) to look at, most serious first. These are questions "
            "for you and your supervisor, not a judgement of the risk."
        ]
        for n, f in enumerate(result.flags, start=1):
            lines.append("")
            lines.append(f"{n}. {f.name or f.lens}")
            if f.kind == "present":
                for e in f.evidence[:3]:
                    lines.append(f'   The draft says: "{" ".join(e.text.split())}"')
            else:
                lines.append(f"   Not found in the draft: {f.looked_for}")
            for q in f.questions[:3]:
                lines.append(f"   - {q}")
            for c in f.citations[:2]:
                k = citations.index(c) + 1
                gist = self._best_sentence(f.name or f.lens, c.text)
                lines.append(f"   Guidance: {gist} [{k}]")
        lines.append("")
        lines.append(
            'Ask "why?" (or "why flag 2?") about a flag, or "what does the guidance say about ...?"'
        )
        return Answer(
            text="\n".join(lines),
            citations=citations,
            flags=result.flags,
            notices=_caveat_notices(citations),
        )

    @staticmethod
    def _quotable(text: str) -> list[str]:
        return [
            s for s in split_sentences(text) if len(s) >= 30 and not _INSTRUCTION_LIKE.search(s)
        ]

    def warm(self) -> int:
        """Encode ahead of time the guidance sentences that walkthroughs quote (each lens's
        cited passages, with the lens's name and meaning), so the first reviews after a start
        do not wait for them. Guidance and catalogue text only, never case text. Returns how
        many texts were asked for (most are encoded once; repeats come from the cache)."""
        citations_for = getattr(self.reviewer, "citations_for", None)
        if citations_for is None:
            return 0
        count = 0
        for lens in self.catalogue:
            try:
                cites = list(citations_for(lens))[:3]
            except Exception:  # a warm-up must never stop the app
                log.exception("could not warm the guidance for %s", getattr(lens, "id", lens))
                continue
            queries = [q for q in (getattr(lens, "name", ""), getattr(lens, "meaning", "")) if q]
            texts = queries + [s for c in cites for s in self._quotable(c.text)]
            if texts:
                self._encode_guidance(texts)
                count += len(texts)
        return count

    def _best_sentence(self, query: str, text: str) -> str:
        sentences = self._quotable(text)
        if not sentences:
            return " ".join(text.split())[:300]
        vecs = np.asarray(self._encode_guidance([query] + sentences))  # all catalogue/guidance
        return sentences[int(np.argmax(vecs[1:] @ vecs[0]))]

    def _encode_guidance(self, texts: list[str]) -> np.ndarray:
        """Guidance and catalogue text (never case text) through the embedder's cache."""
        encode = getattr(self.embedder, "encode_guidance", None) or self.embedder.encode
        return np.asarray(encode(texts))

    def _explain_flag(self, flag: Flag, result: ReviewResult) -> Answer:
        lens = self._lens(flag.lens)
        n = result.flags.index(flag) + 1
        lines = [f"Why flag {n}, {flag.name or flag.lens}:"]
        if lens is not None:
            lines.append(f"This lens is about this: {lens.meaning}")
        if flag.kind == "present":
            lines.append("It was raised by these words in the draft:")
            lines += [f'- "{" ".join(e.text.split())}"' for e in flag.evidence[:4]]
        else:
            lines.append(f"It was raised because the draft does not cover: {flag.looked_for}")
        citations = list(flag.citations[:3])
        topic = lens.meaning if lens else flag.lens
        for k, c in enumerate(citations, start=1):
            lines.append(f"Guidance: {self._best_sentence(topic, c.text)} [{k}]")
        lines.append("Questions to consider: " + " ".join(flag.questions[:3]))
        return Answer(
            text="\n".join(lines),
            citations=citations,
            flags=[flag],
            notices=_caveat_notices(citations),
        )

    def _lens(self, lens_id: str) -> Any:
        try:
            return self.catalogue[lens_id]
        except (KeyError, TypeError):
            return None

    # ------------------------------------------------------------------ reflect

    def _reflect_turn(self, session: Session, message: str, draft: str | None) -> Iterator[Answer]:
        for text in (draft, message):
            if text:
                session.case_notes.append(text)
        case = "\n\n".join(session.case_notes)
        # Reflect mode is about a case by definition; conversational notes can be too short for
        # the reviewer's case-material check, so they are framed as what they are.
        result = self.reviewer.review(f"{REFLECT_FRAME}\n\n{case}")
        stage_name, stage_question = REFLECT_STAGES[session.reflect_turn % len(REFLECT_STAGES)]
        session.reflect_turn += 1
        flags = result.flags if result.is_case_material else []
        citations: list[Citation] = []
        for f in flags[:3]:
            if f.citations and f.citations[0] not in citations:
                citations.append(f.citations[0])
        offline = lambda: self._reflect_offline(  # noqa: E731
            session, flags, citations, stage_name, stage_question
        )
        if self.llm is None:
            yield offline()
            return
        prompt = self.prompts.render(
            "reflect",
            case=data_block("case notes", case),
            flags=self._flags_block(flags, citations),
            stage=stage_name,
            passages=_passages_block(citations),
            message=data_block("latest message", message),
        )
        for answer in self._llm_answer(session, prompt, citations, offline, user_texts=[case]):
            answer.flags = flags
            yield answer

    def _reflect_offline(
        self,
        session: Session,
        flags: list[Flag],
        citations: list[Citation],
        stage_name: str,
        stage_question: str,
    ) -> Answer:
        lines: list[str] = []
        if flags:
            names = ", ".join((f.name or f.lens).lower() for f in flags[:4])
            lines.append(f"From what you have told me so far, these areas stand out: {names}.")
        else:
            lines.append("Thank you. Tell me more about the child and the adults around them.")
        lines.append(f"Let's think about {stage_name}. {stage_question}")
        asked: list[str] = []
        for f in flags:
            for q in f.questions:
                if q not in session.asked and len(asked) < 2:
                    asked.append(q)
                    break
        history_q = HISTORY_QUESTION
        plan_q = PLAN_QUESTION
        past = next((f for f in flags if f.lens == "past-behaviour"), None)
        if past:
            history_q = next((q for q in past.questions if q not in session.asked), history_q)
        plan = next((f for f in flags if f.lens == "perpetrator-absence-plan"), None)
        if plan:
            plan_q = next((q for q in plan.questions if q not in session.asked), plan_q)
        for q in asked:
            lines.append(f"- {q}")
        lines.append(f"- On history: {history_q}")
        lines.append(f"- On the plan: {plan_q}")
        session.asked.update(asked + [history_q, plan_q])
        for k, c in enumerate(citations[:2], start=1):
            topic = flags[k - 1].name if k - 1 < len(flags) else stage_name
            lines.append(f"Guidance: {self._best_sentence(topic, c.text)} [{k}]")
        cited = citations[:2]
        return Answer(
            text="\n".join(lines), citations=cited, flags=flags, notices=_caveat_notices(cited)
        )

    # ------------------------------------------------------------------ scenarios

    def scenarios(self) -> list[dict[str, Any]]:
        """The evaluation scenarios a trainer can pick from."""
        if self._scenarios is None:
            from assistant.evaluation import load_scenarios

            folder = Path(self.settings.evals_dir) / "scenarios"
            self._scenarios = [
                {
                    "id": s.id,
                    "title": s.title,
                    "text": s.text,
                    "required": list(s.required),
                    "forbidden": list(s.forbidden),
                    "split": s.split,
                }
                for s in load_scenarios(folder)
            ]
        return list(self._scenarios)

    def _scenario(self, scenario_id: str) -> dict[str, Any]:
        for s in self.scenarios():
            if s["id"] == scenario_id:
                return s
        raise CurioError(f"No scenario called {scenario_id!r}: pick one from the list.")

    def _lens_matrix(self) -> tuple[list[str], np.ndarray]:
        """One row per lens exemplar (its questions, meaning and guidance queries), cached."""
        if self._lens_vectors is None:
            owners: list[str] = []
            texts: list[str] = []
            for lens in self.catalogue:
                for t in (lens.meaning, *lens.questions, *lens.guidance_queries):
                    owners.append(lens.id)
                    texts.append(fill(t))
            self._lens_vectors = (owners, np.asarray(self.embedder.encode(texts)))
        return self._lens_vectors

    def check_scenario(self, scenario_id: str, trainee_text: str) -> dict[str, Any]:
        """Which of the scenario's required lenses the trainee's questions covered or missed."""
        scenario = self._scenario(scenario_id)
        if not (trainee_text or "").strip():
            raise CurioError("Write the questions or concerns you would raise first.")
        sentences = [s for s in split_sentences(trainee_text) if len(s) >= 8] or [trainee_text]
        owners, matrix = self._lens_matrix()
        sims = np.asarray(self.embedder.encode(sentences)) @ matrix.T
        best: dict[str, tuple[float, str]] = {}
        for j, lens_id in enumerate(owners):
            i = int(np.argmax(sims[:, j]))
            if sims[i, j] > best.get(lens_id, (-1.0, ""))[0]:
                best[lens_id] = (float(sims[i, j]), sentences[i])
        raised = {lid for lid, (s, _) in best.items() if s >= SCENARIO_MATCH}
        covered, missed = [], []
        for lens_id in scenario["required"]:
            lens = self._lens(lens_id)
            name = lens.name if lens else lens_id
            if lens_id in raised:
                covered.append({"lens": lens_id, "name": name, "matched": best[lens_id][1]})
                continue
            cites: list[Citation] = []
            if lens is not None and getattr(self.reviewer, "citations_for", None):
                cites = list(self.reviewer.citations_for(lens))[:2]
            if not cites and lens is not None:
                hits = self.retriever.search(lens.guidance_queries[0], k=2, prefer_lens=lens_id)
                cites = [Citation.from_hit(h) for h in hits]
            missed.append(
                {
                    "lens": lens_id,
                    "name": name,
                    "meaning": lens.meaning if lens else "",
                    "questions": [fill(q) for q in lens.questions[:2]] if lens else [],
                    "guidance": [c.to_json() for c in cites],
                }
            )
        extra = sorted(raised - set(scenario["required"]))
        return {
            "scenario": scenario_id,
            "title": scenario["title"],
            "required": list(scenario["required"]),
            "covered": covered,
            "missed": missed,
            "also_raised": extra,
        }

    def _scenario_turn(self, session: Session, message: str, draft: str | None) -> Iterator[Answer]:
        items = self.scenarios()
        pick = self._pick_scenario(message, items)
        if pick is not None:
            session.scenario_id = pick["id"]
            yield Answer(
                text=f"Scenario: {pick['title']}\n\n{pick['text'].strip()}\n\n"
                "Write the questions you would ask and the concerns you would raise."
            )
            return
        if session.scenario_id is None:
            listing = "\n".join(f"{n}. {s['title']} ({s['id']})" for n, s in enumerate(items, 1))
            yield Answer(text="Pick a scenario by its number or id:\n" + listing)
            return
        trainee = draft or message
        report = self.check_scenario(session.scenario_id, trainee)
        citations: list[Citation] = []
        for miss in report["missed"]:
            for g in miss["guidance"][:1]:
                citations.append(citation_from_json(g))
        offline = lambda: self._scenario_offline(report, citations)  # noqa: E731
        if self.llm is None:
            yield offline()
            return
        scenario = self._scenario(session.scenario_id)
        prompt = self.prompts.render(
            "scenario",
            scenario=data_block("vignette", scenario["text"]),
            message=data_block("trainee", trainee),
            covered=", ".join(c["name"] for c in report["covered"]) or "none",
            missed=", ".join(m["name"] for m in report["missed"]) or "none",
            passages=_passages_block(citations),
        )
        yield from self._llm_answer(session, prompt, citations, offline, user_texts=[trainee])

    @staticmethod
    def _pick_scenario(message: str, items: list[dict[str, Any]]) -> dict[str, Any] | None:
        text = message.strip().lower()
        m = re.fullmatch(r"(?:scenario\s*)?#?(\d+)", text)
        if m and 1 <= int(m.group(1)) <= len(items):
            return items[int(m.group(1)) - 1]
        for s in items:
            if text in (s["id"].lower(), f"scenario {s['id'].lower()}", s["title"].lower()):
                return s
        return None

    def _scenario_offline(self, report: dict[str, Any], citations: list[Citation]) -> Answer:
        req = len(report["required"])
        lines = [
            f"You covered {len(report['covered'])} of the {req} lenses this scenario calls for."
        ]
        for c in report["covered"]:
            lines.append(f'- Covered: {c["name"]} (for example: "{c["matched"]}")')
        k = 0
        for miss in report["missed"]:
            lines.append(f"- Missed: {miss['name']}. {miss['meaning']}")
            for q in miss["questions"][:1]:
                lines.append(f"  A question you could ask: {q}")
            if miss["guidance"]:
                k += 1
                c = citations[k - 1]
                lines.append(f"  Guidance: {self._best_sentence(miss['meaning'], c.text)} [{k}]")
        if report["also_raised"]:
            names = ", ".join(
                (self._lens(x).name if self._lens(x) else x) for x in report["also_raised"]
            )
            lines.append(f"You also raised: {names}.")
        return Answer(
            text="\n".join(lines), citations=citations, notices=_caveat_notices(citations)
        )

    # ------------------------------------------------------------------ the LLM path

    def _messages(self, session: Session, prompt: str) -> list[BaseMessage]:
        msgs: list[BaseMessage] = [SystemMessage(content=self.prompts.system)]
        for role, text in session.history[-2 * MAX_HISTORY_TURNS :]:
            msgs.append(HumanMessage(content=text) if role == "user" else AIMessage(content=text))
        msgs.append(HumanMessage(content=prompt))
        return msgs

    def _llm_answer(
        self,
        session: Session,
        prompt: str,
        citations: list[Citation],
        offline: Callable[[], Answer],
        user_texts: Sequence[str],
        require_citation: bool = False,
    ) -> Iterator[Answer]:
        """Stream the model's answer; check its markers; fall back to ``offline`` on failure.

        The answer is set aside (a notice says why, and the offline answer is shown) when the
        model echoes its data blocks or prompt back, and, with ``require_citation`` (ask), when
        no marker in it points at a passage it was given."""
        assert self.llm is not None
        backend = self.llm
        messages = self._messages(session, prompt)
        redactor = None
        if not backend.local:  # names and identifiers never leave the machine
            redactor = session.redactor
            redactor.learn([t for t in user_texts if t] + [t for _, t in session.history])
            messages = [type(m)(content=redactor.redact(str(m.content))) for m in messages]
        restore = redactor.restore if redactor else (lambda t: t)
        text = ""
        try:
            for piece in stream_with_deadline(backend.model, messages, self.settings.llm_timeout):
                text += piece
                yield Answer(text=restore(text), citations=citations, model=backend.name)
        except Exception as exc:  # any model failure: the offline answer, said plainly
            reason = "it timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
            yield self._fallback(offline, f"The language model ({backend.name}) failed ({reason})")
            return
        if not text.strip():
            yield self._fallback(offline, f"The language model ({backend.name}) gave no answer")
            return
        echo = echoes(text, prompt, citations, user_texts)
        if echo:
            yield self._fallback(
                offline, f"The language model's answer ({backend.name}) was set aside: {echo}"
            )
            return
        cleaned, cited, notice = check_citations(restore(text), citations)
        if require_citation and not cited:
            why = (
                "none of its citation markers matched a passage it was given"
                if _MARKER.search(text)
                else "it cited none of the passages it was given"
            )
            yield self._fallback(
                offline, f"The language model's answer ({backend.name}) was set aside: {why}"
            )
            return
        notices = [notice] if notice else []
        if not cited and citations:
            notices.append("The model cited no passage; the passages it was given are listed.")
            cited = citations
        yield Answer(
            text=cleaned,
            citations=cited,
            notices=notices + _caveat_notices(cited),
            model=backend.name,
        )

    @staticmethod
    def _fallback(offline: Callable[[], Answer], why: str) -> Answer:
        answer = offline()
        answer.notices.insert(0, f"{why}; this answer comes from the offline composer instead.")
        answer.model = "none"
        return answer

    # ------------------------------------------------------------------ audit

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


def review_citations(result: ReviewResult) -> list[Citation]:
    """The guidance a review walkthrough cites: each flag's first two passages, once each."""
    citations: list[Citation] = []
    for f in result.flags:
        for c in f.citations[:2]:
            if c not in citations:
                citations.append(c)
    return citations


def build_curio(settings: Settings) -> Curio:
    """The chat layer over the parts ``runtime.build`` makes for these settings."""
    from assistant.runtime import build

    return build(settings).curio
