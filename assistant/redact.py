"""Replace names and identifiers with placeholders before text goes to a model off this machine.

Used only when the configured model is remote; with a local model or none, nothing is sent
anywhere and nothing here runs. The same value always gets the same placeholder within a
session (``<PERSON_1>`` stays the same child across turns), and ``restore`` puts the real
values back into the answer shown locally.

What finds what:
- Presidio's pattern recognizers (no NLP model needed): UK NHS numbers (checksum-validated),
  UK postcodes, phone numbers (Presidio's ``phonenumbers``-based recognizer) and dates.
- Our own Presidio ``PatternRecognizer``s for what those miss: e-mail addresses (Presidio's own
  e-mail recognizer looks up a public-suffix list on the internet, which Curio must not do),
  ten-digit numbers written like NHS numbers that fail the checksum, UK phone numbers in reserved
  ranges, dates written "4 March 2016", and street addresses.
- Names of people, by rules, because no spaCy English model is installed (the spaCy models on
  PyPI are third-party re-uploads that cannot be checked against a hash published by spaCy's
  authors, so Curio does not install one): a title (Mr, Ms, Dr...) and the capitalised words
  after it; a capitalised word next to a family or role word ("her son Kayden", "Kayden's
  father", "Kayden (7)", "Kayden, aged 7"); a gazetteer of common first names; and every later
  occurrence of a name found once, anywhere in the session.

Limits, honestly: a name that is not in the gazetteer, has no title and never appears next to a
family word, an age or a role ("Zephyrine said she was fine") is not found; nor are nicknames
written in lower case, or initials on their own. Place names that are not street addresses
(a town, a school's name) are not redacted. Words that are both names and ordinary words (Will,
May, Grace, Hope) are only taken as names with a title or a family word. Users sending case text
to a remote model should still keep identifying detail out of what they type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# ---------------------------------------------------------------------------- name rules

TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Lady|Lord|Rev)\.?"

FAMILY_WORDS = (
    "mother|mum|mom|mummy|father|dad|daddy|stepfather|stepdad|stepmother|stepmum|parent|"
    "son|daughter|child|baby|infant|toddler|brother|sister|sibling|half-brother|half-sister|"
    "grandmother|grandma|nan|nanna|grandfather|grandad|granddad|grandparent|aunt|auntie|uncle|"
    "cousin|partner|boyfriend|girlfriend|husband|wife|ex-partner|ex|fiancé|fiance|carer|"
    "foster carer|friend|neighbour|niece|nephew|twin|eldest|youngest|teenager|"
    "victim|perpetrator|alleged perpetrator|worker|teacher|headteacher|midwife|health visitor|GP|"
    "officer|PC|DC|DS|social worker|manager|IDVA|nurse"
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Common first names (UK births, invented examples and classics). Ambiguous words are left out.
FIRST_NAMES = _words(
    """
    aaliyah aaron abdul abigail adam adeel aditya adrian ahmed aidan aiden aisha alan alex alexander
    alexandra alfie ali alice alicia alisha amara amber amelia amir amy ana andre andrea andrew
    angela anna anne annie anthony archie arlo arthur asha ashley aurora ava ayaan ayesha barbara
    ben
    benjamin beth bethany bilal bob bobby bradley brandon brian brooke callum cameron carl carla
    carly caroline casey catherine charlie charlotte chelsea chloe chris christine christopher
    claire clara connor courtney craig daisy dale damian daniel danielle danny darren david dean
    debbie deborah declan dennis derek dominic donna dylan edward eleanor elijah elizabeth ella
    ellie eloise elsie emily emma eric erin ethan eva evie ewan faith fatima finley finn florence
    frankie freddie freya gary gemma george georgia gordon graham hamza hannah harley harper harriet
    harrison harry harvey hassan hayley heather helen henry holly hugo ibrahim imogen isaac isabel
    isabella isabelle isla ivy jack jackson jacob jade jake james jamie jasmine jason jay jayden
    jennifer jenny jessica jodie joe joel john jonathan jordan joseph josh joshua julie kai karen
    kate katie kayden keira kelly kerry kevin kieran kirsty kyle lacey laura lauren layla leah lee
    leo leon lewis liam lily lisa logan lola louie louis louise lucas lucy luke luna lydia maisie
    maria mariam marie martin mason matilda matthew maya megan melissa mia michael michelle millie
    mohammed mohammad molly muhammad nadia naomi natalie nathan neil nicola nicole niamh noah
    nathaniel oliver olivia omar oscar owen paige pamela patrick paul peter phoebe poppy priya
    rachel reece rebecca rhys riley robert robyn rosie ruby ryan sally samantha samuel sara
    sarah scarlett
    sean shannon sharon shaun sienna simon sofia sophia sophie stacey stephen steven stuart summer
    susan taylor teddy theo thomas tia tiffany toby tom tommy tracey tyler vanessa victoria wayne
    william willow yasmin yusuf zac zachary zain zara zoe kyra jaxon tyrone shelby demi leighton
    kelsey jordan-lee tayla
    """
)

#: Capitalised words that are never taken as names (sentence starts, agencies, months...).
NOT_NAMES = _words(
    """
    a an the he she they we i it his her their our my your this that these those there here then
    when where why what who how if but and or so as at in on of to for from by with without after
    before since until while during mother mum father dad child children baby son daughter parent
    parents partner family police school health nhs gp camhs marac mash dash idva ofsted court
    council social services children's monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    mr mrs ms miss dr road street lane avenue close drive way yes no not none all any some each
    both also however although because please thank thanks dear regards kind best note notes plan
    safety assessment section act guidance review case visit home house report referral strategy
    conference meeting england wales scotland uk british english curio will can could should would
    must might shall did does do has have had is are was were be been being today yesterday tomorrow
    """
)

_CAP = r"[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?"


def _name_patterns() -> list[re.Pattern[str]]:
    fam = FAMILY_WORDS
    return [
        # a title and one or two capitalised words: "Ms Rivers", "Mr Dean Holt"
        re.compile(rf"\b{TITLES}\s+(?P<name>{_CAP}(?:\s+{_CAP})?)"),
        # family word then name: "her son Kayden", "mother, Stacey Holt", "partner (Dean)"
        re.compile(rf"\b(?i:{fam})(?:'s)?[,:]?\s+\(?(?P<name>{_CAP}(?:\s+{_CAP})?)"),
        # name then family word or age: "Kayden's father", "Kayden (7)", "Kayden, aged 7"
        re.compile(rf"\b(?P<name>{_CAP}(?:\s+{_CAP})?)'s\s+(?i:{fam})\b"),
        re.compile(rf"\b(?P<name>{_CAP}(?:\s+{_CAP})?),?\s+\(?(?:aged?\s+)?\d{{1,2}}\)"),
        re.compile(rf"\b(?P<name>{_CAP}(?:\s+{_CAP})?),?\s+aged?\s+\d{{1,2}}\b"),
        re.compile(rf"\b(?P<name>{_CAP}(?:\s+{_CAP})?),\s+(?:the\s+)?(?i:{fam})\b"),
        # "called Kayden", "named Kayden", "known as Kay"
        re.compile(rf"\b(?:called|named|known as)\s+(?P<name>{_CAP}(?:\s+{_CAP})?)"),
    ]


# ---------------------------------------------------------------------------- identifier patterns

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)

#: (entity, regex, score) for our own Presidio PatternRecognizers.
OWN_PATTERNS: list[tuple[str, str, float]] = [
    ("EMAIL", r"\b[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b", 1.0),
    # any 3-3-4 ten-digit number, checksum or not: over-redacting is the safe side
    ("NHS_NUMBER", r"\b\d{3}[\s-]?\d{3}[\s-]?\d{4}\b", 0.9),
    (
        "PHONE",
        r"(?:(?<=\s)|^|(?<=[(:]))(?:\+44\s?\(?0?\)?\s?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}\b",
        0.8,
    ),
    ("DATE", rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+\d{{2,4}}\b", 0.9),
    ("DATE", rf"\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", 0.9),
    ("DATE", r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b", 0.9),
    (
        "ADDRESS",
        r"\b(?:(?:Flat|Apartment|Unit)\s+\d+[A-Za-z]?,?\s+)?\d{1,4}[A-Za-z]?,?\s+"
        r"(?:[A-Z][a-z]+\s+){1,3}"
        r"(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Cl|Drive|Dr|Way|Court|Ct|Crescent|Cres|"
        r"Place|Pl|Gardens|Gdns|Terrace|Grove|Hill|Park|Square|Sq|Walk|View|Rise|Mews|Row|"
        r"Parade|Green|Vale|Boulevard)\b\.?",
        0.9,
    ),
]

_PRIORITY = {
    "EMAIL": 0,
    "NHS_NUMBER": 1,
    "PHONE": 2,
    "POSTCODE": 3,
    "ADDRESS": 4,
    "DATE": 5,
    "PERSON": 6,
}
_PRESIDIO_ENTITY = {
    "UK_NHS": "NHS_NUMBER",
    "PHONE_NUMBER": "PHONE",
    "UK_POSTCODE": "POSTCODE",
    "DATE_TIME": "DATE",
}
MIN_SCORE = 0.05  # pattern matches, not NLP guesses: keep low-score postcode hits too


@lru_cache(maxsize=1)
def _recognizers() -> tuple[Any, ...]:
    """Presidio pattern recognizers; none of them needs an NLP model or the network."""
    from presidio_analyzer import Pattern, PatternRecognizer
    from presidio_analyzer.predefined_recognizers import (
        NhsRecognizer,
        PhoneRecognizer,
        UkPostcodeRecognizer,
    )

    own = [
        PatternRecognizer(
            supported_entity=entity,
            patterns=[Pattern(f"curio-{entity.lower()}-{i}", regex, score)],
            name=f"Curio{entity.title()}{i}",
            global_regex_flags=re.MULTILINE,  # case matters: addresses are Capitalised
        )
        for i, (entity, regex, score) in enumerate(OWN_PATTERNS)
    ]
    return (
        NhsRecognizer(),
        PhoneRecognizer(supported_regions=("GB",)),
        UkPostcodeRecognizer(),
        *own,
    )


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    entity: str
    text: str


@dataclass
class Redactor:
    """Placeholders for one conversation: the same value keeps the same placeholder."""

    to_placeholder: dict[str, str] = field(default_factory=dict)
    to_value: dict[str, str] = field(default_factory=dict)
    known_names: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)

    # ---------------------------------------------------------------- finding

    def learn(self, texts: Iterable[str]) -> None:
        """Remember the names these texts introduce, so every later mention is caught too."""
        for text in texts:
            for span in self._name_spans(text):
                self._remember_name(span.text)

    def _remember_name(self, name: str) -> None:
        name = " ".join(name.split())
        parts = [p for p in name.split() if p.lower() not in NOT_NAMES]
        if not parts:
            return
        self.known_names.add(" ".join(parts))
        for part in parts:
            if len(part) >= 3:
                self.known_names.add(part)

    def _name_spans(self, text: str) -> list[Span]:
        spans: list[Span] = []
        for pattern in _name_patterns():
            for m in pattern.finditer(text):
                start, end = m.span("name")
                words = m.group("name").split()
                # trim trailing or leading words that are not names ("Kayden Said" → "Kayden")
                while words and words[-1].lower() in NOT_NAMES:
                    words.pop()
                    end = start + len(" ".join(words))
                if not words or words[0].lower() in NOT_NAMES:
                    continue
                spans.append(Span(start, end, "PERSON", text[start:end]))
        for m in re.finditer(rf"\b{_CAP}\b", text):
            word = m.group(0)
            if word.lower() in FIRST_NAMES and word.lower() not in NOT_NAMES:
                end = m.end()
                nxt = re.match(rf"\s+({_CAP})\b", text[end:])
                if nxt and nxt.group(1).lower() not in NOT_NAMES:
                    end += nxt.end()
                spans.append(Span(m.start(), end, "PERSON", text[m.start() : end]))
        return spans

    def find(self, text: str) -> list[Span]:
        """Every identifier in ``text``, overlaps resolved (more specific kinds win)."""
        spans: list[Span] = []
        for rec in _recognizers():
            for r in rec.analyze(text, entities=rec.supported_entities, nlp_artifacts=None):
                if r.score < MIN_SCORE:
                    continue
                entity = _PRESIDIO_ENTITY.get(r.entity_type, r.entity_type)
                if entity == "DATE" and not re.search(r"\d", text[r.start : r.end]):
                    continue
                if entity == "DATE" and re.fullmatch(r"\s*\d{4}\s*", text[r.start : r.end]):
                    continue  # a year on its own ("Working Together 2023") identifies nobody
                spans.append(Span(r.start, r.end, entity, text[r.start : r.end]))
        name_spans = self._name_spans(text)
        for span in name_spans:
            self._remember_name(span.text)
        spans.extend(name_spans)
        for name in sorted(self.known_names, key=len, reverse=True):
            for m in re.finditer(rf"(?<![\w<]){re.escape(name)}(?!\w)", text):
                spans.append(Span(m.start(), m.end(), "PERSON", m.group(0)))
        return _resolve(spans)

    # ---------------------------------------------------------------- replacing

    def placeholder(self, entity: str, value: str) -> str:
        key = f"{entity}\0{' '.join(value.split()).lower()}"
        if key not in self.to_placeholder:
            self.counts[entity] = self.counts.get(entity, 0) + 1
            ph = f"<{entity}_{self.counts[entity]}>"
            self.to_placeholder[key] = ph
            self.to_value[ph] = value
        return self.to_placeholder[key]

    def redact(self, text: str) -> str:
        """The text with every identifier found replaced by its placeholder."""
        spans = self.find(text)
        holders = [self.placeholder(s.entity, s.text) for s in spans]  # numbered in reading order
        out = text
        for span, ph in sorted(zip(spans, holders, strict=True), key=lambda x: -x[0].start):
            out = out[: span.start] + ph + out[span.end :]
        return out

    def restore(self, text: str) -> str:
        """Put the real values back, tolerating a model that spaces or drops the angle brackets."""

        def back(m: re.Match[str]) -> str:
            ph = f"<{m.group(1)}_{m.group(2)}>"
            return self.to_value.get(ph, m.group(0))

        return re.sub(r"(?:<\s*)?\b([A-Z][A-Z_]*?)_(\d+)\b(?:\s*>)?", back, text)


def _resolve(spans: list[Span]) -> list[Span]:
    """Keep non-overlapping spans: higher-priority kinds first, then longer ones."""
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (_PRIORITY.get(s.entity, 9), -(s.end - s.start))):
        if span.end <= span.start:
            continue
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)
