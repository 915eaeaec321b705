"""Reflect mode: a supervision conversation that moves through four stages and keeps returning
to the history and to whether the plan can work.

What the practitioner says about the case accumulates in the session and is reviewed as case
notes each turn; the lenses it raises shape the questions. The stages, the framing line and the
standing history and plan questions are wording in ``prompts/reflect.md``'s front matter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assistant.answer import caveat_notices
from assistant.chat.compose import best_sentence, flags_block
from assistant.chat.modes import Mode, register
from assistant.chat.turn import model_answer, passages_block
from assistant.prompts import data_block
from assistant.types import Answer, Citation, Flag

if TYPE_CHECKING:
    from assistant.chat.core import Curio, Session


@register
class ReflectMode(Mode):
    name = "reflect"
    prompt = "reflect"
    placeholders = frozenset({"case", "flags", "stage", "passages", "message"})
    wording = ("frame", "stages", "history_question", "plan_question")
    order = 30

    def turn(
        self, curio: Curio, session: Session, message: str, draft: str | None
    ) -> Iterator[Answer]:
        words = self.words(curio)
        for text in (draft, message):
            if text:
                session.case_notes.append(text)
        case = "\n\n".join(session.case_notes)
        # Reflect mode is about a case by definition; conversational notes can be too short for
        # the reviewer's case-material check, so they are framed as what they are.
        result = curio.reviewer.review(f"{words['frame']}\n\n{case}")
        stages = words["stages"]
        stage = stages[session.reflect_turn % len(stages)]
        session.reflect_turn += 1
        flags = result.flags if result.is_case_material else []
        citations: list[Citation] = []
        for f in flags[:3]:
            if f.citations and f.citations[0] not in citations:
                citations.append(f.citations[0])
        offline = lambda: reflect_offline(  # noqa: E731
            curio, session, words, flags, citations, stage["name"], stage["question"]
        )
        if curio.llm is None:
            yield offline()
            return
        prompt = curio.prompts.render(
            "reflect",
            case=data_block("case notes", case),
            flags=flags_block(flags, citations),
            stage=stage["name"],
            passages=passages_block(citations),
            message=data_block("latest message", message),
        )
        for answer in model_answer(curio, session, prompt, citations, offline, user_texts=[case]):
            answer.flags = flags
            yield answer


#: Flags whose questions can stand for the history and the plan question, in order of
#: preference; the stock question from the mode's words comes after them.
HISTORY_LENSES = ("past-behaviour", "history-not-connected", "risk-escalation")
PLAN_LENSES = ("perpetrator-absence-plan", "protective-parent-burden", "engagement-optimism")


def _unasked(
    session: Session, flags: list[Flag], lenses: tuple[str, ...], stock: str, taken: list[str]
) -> str:
    """The first question on this theme not yet asked in the session (nor in this answer):
    from the flags of these lenses, then the stock one; the stock one again only when every
    candidate has been asked, so the conversation does not repeat itself while it can move on."""
    by_lens = {f.lens: f for f in flags}
    candidates = [q for lens in lenses if lens in by_lens for q in by_lens[lens].questions]
    candidates.append(stock)
    return next((q for q in candidates if q not in session.asked and q not in taken), stock)


def reflect_offline(
    curio: Curio,
    session: Session,
    words: dict[str, Any],
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
    history_q = _unasked(session, flags, HISTORY_LENSES, str(words["history_question"]), asked)
    plan_q = _unasked(session, flags, PLAN_LENSES, str(words["plan_question"]), asked)
    for q in asked:
        lines.append(f"- {q}")
    lines.append(f"- On history: {history_q}")
    lines.append(f"- On the plan: {plan_q}")
    session.asked.update(asked + [history_q, plan_q])
    for k, c in enumerate(citations[:2], start=1):
        topic = flags[k - 1].name if k - 1 < len(flags) else stage_name
        lines.append(f"Guidance: {best_sentence(curio.embedder, topic, c.text)} [{k}]")
    cited = citations[:2]
    return Answer(
        text="\n".join(lines), citations=cited, flags=flags, notices=caveat_notices(cited)
    )
