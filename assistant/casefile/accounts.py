"""Whose account each statement of the analysis and the plan rests on."""

from __future__ import annotations

import re

from assistant.casefile.cues import Cues
from assistant.casefile.model import CHILD_ROLES, FAMILY_ADULT_ROLES, Account
from assistant.casefile.people import _Reader, _Ref
from assistant.review import Sentence


def sections(text: str, sentences: list[Sentence], cues: Cues) -> tuple[set[int], bool]:
    """Indexes of sentences in an analysis or plan section, and whether the draft has any
    headings or labels that say where such a section is."""
    inside = False
    found = False
    out: set[int] = set()
    for n, s in enumerate(sentences):
        line = s.text.strip()
        label = re.match(r"^([A-Za-z' ]{3,40}?)\s*[:\-–]\s*", line)
        is_heading = (
            len(line) < 60
            and not re.search(r"[.?!]$", line)
            and "\n" in (text[s.end : s.end + 2] + "\n")
            and len(line.split()) <= 7
        )
        if (
            is_heading
            and cues.analysis_heading.match(line)
            and (label is None or not line[label.end() :].strip())
        ):
            inside, found = True, True
            continue
        if label and cues.analysis_heading.match(label.group(1)) and line[label.end() :].strip():
            found = True
            out.add(n)
            inside = True  # "Analysis: ..." runs on until the next heading or label
            continue
        if (is_heading and cues.heading.match(line)) or (
            label and cues.heading.match(label.group(1))
        ):
            inside = False
            continue
        if is_heading and not line.endswith(",") and len(line.split()) <= 4:
            inside = False
            continue
        if inside:
            out.add(n)
    return out, found


# ----------------------------------------------------------------------------- accounts


def read_accounts(
    reader: _Reader,
    sentences: list[Sentence],
    refs: list[list[_Ref]],
    scope: set[int],
) -> list[Account]:
    cues = reader.cues
    people = reader.people
    out: list[Account] = []
    for n in sorted(scope):
        s = sentences[n]
        if len(s.text.split()) < 3:
            continue
        source, explicit = "professional", False
        speech = [s.start + m.start() for m in cues.speech.finditer(s.text)]
        negated_child = re.search(
            r"\b(?:no one|nobody|not) (?:has )?(?:asked|heard from|spoken to)",
            s.text,
            re.IGNORECASE,
        )
        best: tuple[int, str] | None = None
        for sp in speech:
            # the speaker: the last person or agency word before the verb (within 60 chars)
            window_start = max(s.start, sp - 60)
            cands: list[tuple[int, str]] = []
            for r in refs[n]:
                if window_start <= r.pos < sp and not r.possessive:
                    role = people[r.person].role
                    kind = (
                        "child"
                        if role in CHILD_ROLES
                        else "agency"
                        if role == "professional"
                        else "parent"
                    )
                    cands.append((r.pos, kind))
            for m in cues.agency.finditer(reader.flat, window_start, sp):
                cands.append((m.start(), "agency"))
            if re.search(r"\bI\b|\bwe\b", reader.flat[window_start:sp]) and not cands:
                cands.append((sp - 1, "professional"))
            if cands:
                best = max(cands)
                break
        if best is not None and not (best[1] == "child" and negated_child):
            source, explicit = best[1], True
        elif re.search(r"\baccording to\b", s.text, re.IGNORECASE):
            source, explicit = "parent", True
        elif cues.observation.search(s.text):
            source, explicit = "professional", True
        elif any(people[r.person].role in FAMILY_ADULT_ROLES for r in refs[n]) and re.search(
            r"\b(?:has agreed|agreed|will not|will call|will contact|promised|assured)\b",
            s.text,
            re.IGNORECASE,
        ):
            source, explicit = "parent", True
        out.append(
            Account(
                s.start,
                s.end,
                source,
                s.text,
                conclusion=bool(cues.conclusion.search(s.text)),
                explicit=explicit,
            )
        )
    # a conclusion rests on a parent's account alone when every attributed statement before it
    # in its paragraph (and itself) is a parent's
    text = reader.text
    for i, acc in enumerate(out):
        if not acc.conclusion:
            continue
        support = [acc] if acc.explicit else []
        for prev in reversed(out[:i]):
            if "\n\n" in text[prev.end : acc.start] or acc.start - prev.end > 600:
                break
            if prev.explicit:
                support.append(prev)
        if support and all(x.source == "parent" for x in support):
            acc.parent_only = True
    return out
