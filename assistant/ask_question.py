"""What a question asks, as far as the ask composer needs to know: its types (a duration, a
definition, what to do...), terms, clauses, and the nations, places and named instruments it
names. Split from ``assistant.answer``, which re-exports every name here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.ask_rules import AskRules, Jurisdiction, QuestionType
from assistant.ask_text import pairs, terms

# ---------------------------------------------------------------------------- the question


@dataclass
class Profile:
    """What a question asks for, as far as the composer needs to know."""

    text: str
    expanded: str = ""  # with the glossary's words added, for searching and scoring
    types: list[QuestionType] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    key_terms: list[str] = field(default_factory=list)
    focus: list[str] = field(default_factory=list)  # what a list or definition asks for
    pairs: set[tuple[str, str]] = field(default_factory=set)
    defines: tuple[str, ...] = ()  # "what is the one chance rule": (one, chanc)
    pointer: bool = False  # "what does X say about this?": the other clauses say what "this" is
    jurisdictions: list[Jurisdiction] = field(default_factory=list)
    places: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    # English places named only in the story told before the question ("found in Birmingham.
    # By when is the return interview?"): they set the scene, they do not make the question a
    # local one (a place in Wales, Scotland or Northern Ireland does, wherever it is named)
    story_places: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    statistics: bool = False
    glossed: set[str] = field(default_factory=set)  # practitioners' words the glossary explains
    instruments: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)  # named Acts...

    @property
    def wants(self) -> list[str]:
        return [t.wants for t in self.types]

    @property
    def required(self) -> list[QuestionType]:
        return [t for t in self.types if t.requires]

    @property
    def local(self) -> bool:
        return bool(self.places)


def _is_person(question: str, start: int, end: int, rules: AskRules) -> bool:
    return bool(
        rules.person_after.search(question[end : end + 40])
        or rules.person_before.search(question[max(0, start - 25) : start])
    )


def analyse(question: str, rules: AskRules) -> Profile:
    """Type, terms, clauses and named jurisdictions or places of a question."""
    q = " ".join(question.split())
    prof = Profile(text=q)
    prof.types = []
    segments, asking = _segments(q, rules.story_words)
    for t in rules.types:
        # a cue that starts a sentence ("^what does...") may start any part of the question
        # ("rule of optimism - what does it mean?"); what decides a decline (a fee, a phone
        # number) must be in a part that asks, not in the story told before it ("gives her
        # £20 a week... Is that abuse?")
        if t.requires:
            hits = [m for m in (_asked(c, asking) for c in t.cues) if m]
        else:
            hits = [m for m in (_first(c, segments) for c in t.cues) if m]
        if hits:
            prof.types.append(t)
            for m in hits:
                focus = m.groupdict().get("focus")
                if focus and t.wants == "definition":
                    head = terms(focus, rules.stop_words)[:2]
                    prof.defines = prof.defines or tuple(head)
                elif focus:
                    prof.focus += [x for x in terms(focus, rules.stop_words) if x not in prof.focus]
    if any(
        t.wants
        in ("duration", "number", "date", "provision", "law", "enumeration", "examples", "term")
        for t in prof.types
    ):
        # "what is the max sentence" asks for a number, "what are the areas" for a list
        prof.types = [t for t in prof.types if t.wants != "definition"]
        prof.defines = ()
    prof.expanded = rules.expand(q)
    prof.terms = list(dict.fromkeys(terms(prof.expanded, rules.stop_words)))
    prof.pairs = pairs(terms(q, rules.stop_words))
    parts = re.split(r"(?<=[.?!;:])\s+|\s+[-–—]\s+|,\s+(?=(?:and|but|so|because|since)\b)", q)
    parts = [p for sub in parts for p in re.split(r"\s+\b(?:because|since|but)\s+", sub)]
    parts = [p.strip() for p in parts if len(terms(p, rules.stop_words)) >= 2 and p.strip() != q]
    pointer = [p for p in parts if rules.source_pointer.search(p)]
    prof.pointer = bool(pointer) and len(pointer) < len(parts)
    prof.clauses = [rules.expand(p) for p in parts if p not in pointer]
    scan = rules.shared_jurisdiction.sub(" ", q)
    prof.jurisdictions = [j for j in rules.jurisdictions if _asks_about(j, scan)]
    lowercase = q == q.lower()
    seen: set[str] = set()
    taken: list[tuple[int, int]] = []
    abroad: set[str] = set()  # named places in another nation: always a question about there
    for place in rules.places:
        flags_ok = not place.strict or not lowercase
        for m in place.pattern.finditer(scan):
            if any(a <= m.start() < b for a, b in taken):
                continue
            if place.strict and (m.start() == 0 or not m.group(0)[:1].isupper()):
                continue
            if not flags_ok or _is_person(scan, m.start(), m.end(), rules):
                continue
            taken.append((m.start(), m.end()))
            if place.name.lower() not in seen:
                seen.add(place.name.lower())
                prof.places.append((place.name, place.pattern))
                if place.nation != "England":
                    abroad.add(place.name)
    for m in rules.body_names.finditer(scan):
        words = m.group(1).split()

        def common(word: str) -> bool:
            return word in rules.not_names or word.lower() in rules.stop_words

        start = m.start(1)
        while words and common(words[0]):
            start += len(words[0]) + 1
            words = words[1:]
        while words and common(words[-1]):  # "Westmoor Borough" -> "Westmoor"
            words = words[:-1]
        if words and re.search(r"(?:^|[.?!]\s+)$", scan[:start]):
            words = words[1:]  # a capital that only starts the sentence is no name
        if not words or all(w in rules.not_names for w in words):
            continue
        name = " ".join(words)
        if name.lower() in seen or any(a <= m.start(1) < b for a, b in taken):
            continue
        if len(name) < 3 or name.isupper():  # acronyms (MASH, MARAC) are not places
            continue
        seen.add(name.lower())
        prof.places.append((name, re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.I)))
    named = prof.places
    prof.places = [p for p in named if p[0] in abroad or _asked(p[1], asking)]
    prof.story_places = [p for p in named if p not in prof.places]
    prof.statistics = bool(rules.statistics.search(q)) and (
        bool(named) or bool(rules.statistics_now.search(q) and rules.statistics_counted.search(q))
    )
    prof.glossed = rules.glossed(q)
    prof.instruments = _instruments(q, rules)
    return prof


def _segments(question: str, story_words: int = 6) -> tuple[list[str], list[tuple[str, int]]]:
    """Where a question's type cues are looked for: the whole question and, when it names its
    topic first ("rule of optimism - what does it mean?"), the clause after the dash or colon;
    and the sentences that ask (ending in "?" or opening with a question word; the whole
    question when none does), for the types that decide a decline. Each asking sentence comes
    with where its story ends: a part before a dash that does not itself ask ("he takes all her
    wages - is that domestic abuse?") cannot decide a decline alone."""
    heads = [p.strip() for p in re.split(r"\s+[-–—]+\s+|:\s+", question)[1:] if p.strip()]
    sentences = [p.strip() for p in re.split(r"(?<=[.?!;])\s+", question) if p.strip()]
    asking = [p for p in sentences if p.endswith("?") or _ASKS.match(p)]
    asking = asking if len(sentences) > 1 and asking else [question]
    out = []
    for sentence in asking:
        story = 0
        for m in [] if _ASKS.match(sentence) else re.finditer(r"\s+[-–—]+\s+", sentence):
            if _ASKS.match(sentence, m.end()):
                story = m.end()
                break
        # a story tells something (six words or more); "non-mol - fee - how much?" names a topic
        out.append((sentence, story if len(sentence[:story].split()) >= story_words else 0))
    return [question, *heads], out


_ASKS = re.compile(
    r"\W*(?:so |and |but )?(?:how|what|which|who|whom|whose|when|where|why|is|are|was|were|"
    r"can|could|should|would|will|do|does|did|has|have|must|may)\b",
    re.I,
)


def _asked(cue: re.Pattern[str], asking: list[tuple[str, int]]) -> re.Match[str] | None:
    """A cue match that reaches into the part of a sentence that asks ("mum wants legal aid -
    what's the income cut off?" asks about legal aid's income limit; "he takes all her wages -
    is that abuse?" does not ask about wages)."""
    for text, story in asking:
        for m in cue.finditer(text):
            if m.end() > story:
                return m
    return None


def _first(cue: re.Pattern[str], texts: list[str]) -> re.Match[str] | None:
    for text in texts:
        m = cue.search(text)
        if m:
            return m
    return None


def _instruments(question: str, rules: AskRules) -> list[tuple[str, re.Pattern[str]]]:
    """Named Acts, schemes and procedures in a question, each with a pattern that finds the
    name in the library (any case, with or without its year, "'s" and spacing free). Names of
    one capitalised word ("Children Act") or made only of glossary abbreviations ("DA Act") are
    left out: too loose to say the library lacks them."""
    out: list[tuple[str, re.Pattern[str]]] = []
    for m in rules.instruments.finditer(question):
        words = m.group(1).split()
        while words and words[0].lower() in rules.stop_words:  # "Under the", "Does"...
            words = words[1:]
        caps = [x for x in words if x[:1].isupper() and not rules.glossed(x)]
        bracket = any(x.startswith("(") for x in words)
        if len(caps) < 2 and not (bracket and caps):
            continue
        name = " ".join(words)
        body = r"\W+".join(re.escape(x.strip("()")) for x in words if x.strip("()"))
        pattern = re.compile(rf"(?<![\w-]){body}", re.I)
        full = question[m.start(1) + m.group(1).find(words[0]) : m.end()].strip()
        out.append((full or name, pattern))
    return out


def _asks_about(j: Jurisdiction, text: str) -> bool:
    """Does the question name ``j`` as where its law applies, not only as where someone goes
    ("taking their daughter to Pakistan to get married" asks about English law)?"""
    for m in j.cues.finditer(text):
        if j.travel is None or not j.travel.search(text[max(0, m.start() - 40) : m.start()]):
            return True
    return False
