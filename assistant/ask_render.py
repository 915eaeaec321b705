"""How the ask composer's answer is worded: the opening sentence and its support with [n]
markers, the labels on invented examples and Curio's own prompts, the citations with their
kinds, and the decline messages. Split from ``assistant.answer``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from assistant.ask_question import Profile
from assistant.ask_rules import AskRules, caveat_notices
from assistant.ask_text import Library
from assistant.ask_units import Unit
from assistant.types import Answer, Citation, Hit


@dataclass
class Composition:
    """What the composer decided: the sentences to quote, or why it declines."""

    declined: bool
    reason: str = ""  # support | jurisdiction | place | statistics | topic
    message: str = ""
    support: float = 0.0
    hits: list[Hit] = field(default_factory=list)  # the passages the answer may draw on
    picks: list[Unit] = field(default_factory=list)  # the opening sentence first
    profile: Profile | None = None


class AnswerWriter:
    """Words a ``Composition``: the offline answer, or the decline and what the library covers."""

    def __init__(self, rules: AskRules, library: Library) -> None:
        self.rules = rules
        self.library = library

    def covers(self) -> str:
        names = self.library.local_names()
        local = self.rules.covers_local.format(names="; ".join(names)) if names else ""
        return self.rules.covers.format(local=local)

    def quote(self, unit: Unit) -> str:
        """A sentence as it is shown: labelled when it is an invented example or Curio's own."""
        text = unit.text
        if unit.quote_as == "prompt":
            return self.rules.labels["prompt"] + _lower_first(_strip_label(text, self.rules))
        if unit.quote_as == "example" and not re.search(r"\binvented\b", text, re.I):
            return self.rules.labels["example"] + text
        return text

    def render(
        self, comp: Composition, question_hint: Callable[[Hit], str] | None = None
    ) -> Answer:
        """The offline answer, or the decline, as an ``Answer``."""
        if comp.declined:
            return self.decline(comp)
        used: list[int] = []
        lines: list[str] = []
        for n, u in enumerate(comp.picks):
            if u.passage not in used:
                used.append(u.passage)
            line = f"{self.quote(u)} [{used.index(u.passage) + 1}]"
            if n == 0:
                lines.append(line)
                if len(comp.picks) > 1:
                    lines.append("")
                    lines.append("Also from the guidance:")
            else:
                lines.append(f"- {line}")
        citations = [self.cite(comp.hits[i]) for i in used]
        text = "\n".join(lines)
        hint = question_hint(comp.hits[used[0]]) if question_hint else ""
        if hint:
            text += f"\n\nA question to take back to the case: {hint}"
        return Answer(text=text, citations=citations, notices=caveat_notices(citations))

    def cite(self, hit: Hit) -> Citation:
        """A hit as a citation, with its kind (read from the older ``type`` if need be)."""
        c = Citation.from_hit(hit)
        kind = self.rules.kind_of(hit.chunk)
        return replace(c, kind=kind) if kind and kind != c.kind else c

    def decline(self, comp: Composition) -> Answer:
        r = self.rules
        covers = self.covers()
        reason = comp.reason or "support"
        citations: list[Citation] = []
        if reason == "support":
            text = r.messages["support"].format(
                support=f"{comp.support:.2f}",
                threshold=f"{r.support_below:.2f}",
                covers=covers,
            )
            near = comp.hits[:3]
            citations = [self.cite(h) for h in near]
            text += "\n" + "\n".join(
                f"- {h.chunk.title} — {h.chunk.section} [{n}]" for n, h in enumerate(near, 1)
            )
        elif reason == "jurisdiction":
            text = r.messages["jurisdiction"].format(jurisdiction=comp.message, covers=covers)
        elif reason == "statistics":
            place = comp.profile.places[0][0] if comp.profile and comp.profile.places else ""
            text = r.messages["statistics"].format(place=place, covers=covers)
        elif reason == "named":
            text = r.messages["named"].format(name=comp.message, covers=covers)
        elif reason == "topic":
            text = r.messages["topic"].format(
                topic=r.topics.get(comp.message, comp.message), covers=covers
            )
        else:
            text = r.messages["place"].format(place=comp.message, covers=covers)
        return Answer(text=text, declined=True, citations=citations, model="none")


def _strip_label(text: str, rules: AskRules) -> str:
    m = rules.own_words.match(text)
    return text[m.end() :].strip() if m else text


def _lower_first(text: str) -> str:
    return text[:1].upper() + text[1:]
