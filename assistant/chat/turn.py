"""The one model turn every mode shares: redact, stream, check citations, fall back.

A mode builds a prompt from numbered passages and an offline answer (a function, so it is only
composed when needed). ``model_answer`` streams the model's words; names and identifiers are
replaced before a remote model sees them and put back after. Its answer is set aside for the
offline one, with a notice saying why, when the model fails, times out, gives nothing, echoes its
prompt, or (for ask) cites none of its passages.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from assistant.answer import kind_label
from assistant.citations import short_label
from assistant.llm import stream_with_deadline
from assistant.prompts import data_block
from assistant.types import Answer, Citation

if TYPE_CHECKING:
    from assistant.chat.core import Curio, Session

MAX_HISTORY_TURNS = 6
#: A run of this many characters copied from the prompt's instructions makes an answer an echo.
ECHO_RUN = 50
#: How the model is told whose words a passage is; the ask prompt says what to do with each.
PASSAGE_KINDS = {
    "invented-example": "invented example, not a real council or case",
    "practice-prompt": "Curio's own practice prompt, not the source's words",
}
MARKER = re.compile(r"\[(\s*\d+\s*(?:[,;]\s*\d+\s*)*)\]")


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

    cleaned = MARKER.sub(sub, text)
    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", cleaned)
    cleaned = re.sub(r"[ \t]{2,}", " ", cleaned).strip()
    notice = ""
    if bad:
        notice = (
            f"Removed {len(bad)} citation marker(s) ({', '.join(dict.fromkeys(bad))}) that matched "
            "none of the passages retrieved for this answer."
        )
    return cleaned, [passages[n - 1] for n in order], notice


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


def passages_block(citations: Sequence[Citation]) -> str:
    """The numbered passages as DATA blocks, each labelled with whose words it is."""
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


def messages(curio: Curio, session: Session, prompt: str) -> list[BaseMessage]:
    """The system prompt, the last few turns of the conversation, then this turn's prompt."""
    msgs: list[BaseMessage] = [SystemMessage(content=curio.prompts.system)]
    for role, text in session.history[-2 * MAX_HISTORY_TURNS :]:
        msgs.append(HumanMessage(content=text) if role == "user" else AIMessage(content=text))
    msgs.append(HumanMessage(content=prompt))
    return msgs


def fallback(offline: Callable[[], Answer], why: str) -> Answer:
    """The offline answer, with a first notice saying why the model's was not used."""
    answer = offline()
    answer.notices.insert(0, f"{why}; this answer comes from the offline composer instead.")
    answer.model = "none"
    return answer


def model_answer(
    curio: Curio,
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
    from assistant.answer import caveat_notices

    assert curio.llm is not None
    backend = curio.llm
    msgs = messages(curio, session, prompt)
    redactor = None
    if not backend.local:  # names and identifiers never leave the machine
        redactor = session.redactor
        redactor.learn([t for t in user_texts if t] + [t for _, t in session.history])
        msgs = [type(m)(content=redactor.redact(str(m.content))) for m in msgs]
    restore = redactor.restore if redactor else (lambda t: t)
    text = ""
    try:
        for piece in stream_with_deadline(backend.model, msgs, curio.settings.llm_timeout):
            text += piece
            yield Answer(text=restore(text), citations=citations, model=backend.name)
    except Exception as exc:  # any model failure: the offline answer, said plainly
        reason = "it timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
        yield fallback(offline, f"The language model ({backend.name}) failed ({reason})")
        return
    if not text.strip():
        yield fallback(offline, f"The language model ({backend.name}) gave no answer")
        return
    echo = echoes(text, prompt, citations, user_texts)
    if echo:
        yield fallback(
            offline, f"The language model's answer ({backend.name}) was set aside: {echo}"
        )
        return
    cleaned, cited, notice = check_citations(restore(text), citations)
    if require_citation and not cited:
        why = (
            "none of its citation markers matched a passage it was given"
            if MARKER.search(text)
            else "it cited none of the passages it was given"
        )
        yield fallback(
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
        notices=notices + caveat_notices(cited),
        model=backend.name,
    )
