"""Review mode: a draft's flags walked through one by one, then follow-ups about them.

A new draft (uploaded, pasted in the draft box, or a long message) is reviewed and walked
through. Follow-ups are read plainly: "why?" or "why flag 2?" explains a flag (its lens, the
words that raised it or what is missing, the guidance); "what does the guidance say about X?"
is answered as a question in ask mode, leaning on the flag named; anything else is a question.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from assistant.answer import caveat_notices
from assistant.chat.compose import best_sentence, flags_block, review_citations
from assistant.chat.modes import Mode, register
from assistant.chat.modes.ask import answer_question
from assistant.chat.turn import model_answer, passages_block
from assistant.prompts import data_block
from assistant.review.render import left_out_note
from assistant.types import Answer, Citation, Flag, ReviewResult

if TYPE_CHECKING:
    from assistant.chat.core import Curio, Session

_GUIDANCE_ABOUT = re.compile(r"\s*what does (?:the )?guidance say about\s+(.+?)\??\s*$", re.I)
_FLAG_NUMBER = re.compile(r"\b(?:flag|number|no\.?|#)\s*(\d+)\b|^\s*why\s+(\d+)\b", re.I)


@register
class ReviewMode(Mode):
    name = "review"
    prompt = "review"
    placeholders = frozenset({"draft", "flags", "passages", "message"})
    order = 10

    def turn(
        self, curio: Curio, session: Session, message: str, draft: str | None
    ) -> Iterator[Answer]:
        looks_like_draft = len(message) > 400 or message.count("\n") >= 3
        if draft or (looks_like_draft and not re.match(r"\s*(why|what)\b", message, re.I)):
            text = draft or message
            result = curio.review_draft(session, text)
            yield from walkthrough(curio, session, result, text, message if draft else "")
            return
        last = session.last_review
        if last is None:
            yield Answer(
                text="Paste or upload the draft (an assessment, a safety plan or a case note) "
                "you would like reviewed, and I will walk through what it may be missing."
            )
            return
        m = _GUIDANCE_ABOUT.match(message)
        if m:
            flag = flag_named(last, m.group(1))
            yield from answer_question(
                curio, session, m.group(1), prefer_lens=flag.lens if flag else None
            )
            return
        if re.match(r"\s*why\b", message, re.I) or flag_named(last, message):
            flag = flag_named(last, message)
            if flag is None and last.flags:
                flag = last.flags[min(session.focus_flag, len(last.flags) - 1)]
            if flag is not None:
                yield explain_flag(curio, flag, last)
                return
        yield from answer_question(curio, session, message)


def flag_named(result: ReviewResult, text: str) -> Flag | None:
    """The flag a follow-up refers to: by number ("flag 2"), lens id or words of its name."""
    flags = result.flags
    m = _FLAG_NUMBER.search(text)
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


def walkthrough(
    curio: Curio, session: Session, result: ReviewResult, draft: str, message: str
) -> Iterator[Answer]:
    citations = review_citations(result)
    offline = lambda: walkthrough_offline(curio, result, citations)  # noqa: E731
    if curio.llm is None or not result.flags:
        yield offline()
        return
    prompt = curio.prompts.render(
        "review",
        draft=data_block("draft", draft),
        flags=flags_block(result.flags, citations),
        passages=passages_block(citations),
        message=message or "Please walk me through the flags.",
    )
    for answer in model_answer(
        curio, session, prompt, citations, offline, user_texts=[draft, message]
    ):
        answer.flags = result.flags
        answer.notices = _with_left_out(answer.notices, result)
        answer.left_out = result.left_out
        yield answer


def _with_left_out(notices: list[str], result: ReviewResult) -> list[str]:
    """The notices, with the line naming what the review left out (once)."""
    note = left_out_note(result)
    return notices + [note] if note and note not in notices else notices


def walkthrough_offline(curio: Curio, result: ReviewResult, citations: list[Citation]) -> Answer:
    if not result.flags:
        return Answer(
            text=(result.message or "No lens flags were raised.").capitalize() + ".",
            flags=[],
            notices=_with_left_out([], result),
            left_out=result.left_out,
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
            gist = best_sentence(curio.embedder, f.name or f.lens, c.text)
            lines.append(f"   Guidance: {gist} [{k}]")
    lines.append("")
    lines.append(
        'Ask "why?" (or "why flag 2?") about a flag, or "what does the guidance say about ...?"'
    )
    return Answer(
        text="\n".join(lines),
        citations=citations,
        flags=result.flags,
        notices=_with_left_out(caveat_notices(citations), result),
        left_out=result.left_out,
    )


def explain_flag(curio: Curio, flag: Flag, result: ReviewResult) -> Answer:
    lens = curio.lens(flag.lens)
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
        lines.append(f"Guidance: {best_sentence(curio.embedder, topic, c.text)} [{k}]")
    lines.append("Questions to consider: " + " ".join(flag.questions[:3]))
    return Answer(
        text="\n".join(lines),
        citations=citations,
        flags=[flag],
        notices=caveat_notices(citations),
    )
