"""The case file's contract: roles, checks and the result types `curio review --json` shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

ROLES: tuple[str, ...] = (
    "mother",
    "father",
    "stepfather",
    "partner",
    "new-partner",
    "grandparent",
    "sibling",
    "child",
    "professional",
    "other-adult",
)
CHECKS: tuple[str, ...] = (
    "police",
    "probation",
    "disclosure-scheme",
    "previous-authority",
    "health",
    "school",
    "other",
)
#: The checks a supervisor expects on an adult in the household, in the order they are shown.
KEY_CHECKS: tuple[str, ...] = ("police", "probation", "disclosure-scheme", "previous-authority")
SOURCES: tuple[str, ...] = ("parent", "professional", "agency", "child")
CHILD_ROLES = frozenset({"child", "sibling"})
FAMILY_ADULT_ROLES = frozenset(
    {"mother", "father", "stepfather", "partner", "new-partner", "grandparent", "other-adult"}
)
#: When two descriptions of one person disagree, the more telling role wins (lower first).
ROLE_RANK = {
    "stepfather": 0,
    "new-partner": 1,
    "professional": 2,
    "grandparent": 3,
    "mother": 4,
    "father": 5,
    "partner": 6,
    "sibling": 7,
    "child": 8,
    "other-adult": 9,
}
FEMALE_ROLES = frozenset({"mother"})
PARENT_ROLES = frozenset({"mother", "father", "stepfather", "partner", "new-partner"})
MALE_ROLES = frozenset({"father", "stepfather"})

#: Descriptions of one professional written two ways.
PROFESSIONAL_SYNONYMS = {
    "hv": "health visitor",
    "designated safeguarding lead": "dsl",
    "head teacher": "headteacher",
    "fsw": "family support worker",
}

NO_PEOPLE = "No people were found in this draft: name or describe them (e.g. 'mother', 'F')."
NO_DATES = "No dated events were found in this draft."
#: The one note shown when the review reads the text as not about a family (an agenda, a
#: policy summary): a minute-taker is nobody's mother, so no table is read at all.
NOT_A_FAMILY = (
    "This text does not read as being about a family, so no people, chronology or accounts "
    "were read from it."
)
DEFAULT_CUES = Path(__file__).resolve().parent.parent / "prompts" / "casefile.yaml"


# ----------------------------------------------------------------------------- result types


@dataclass(frozen=True)
class Span:
    start: int
    end: int

    def to_json(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end}


@dataclass
class Person:
    """One person in the child's life, with what the draft records about them."""

    name: str
    role: str
    age: str | None = None  # as written, "7", "18 months", "10 weeks"
    seen: bool = False
    seen_alone: bool = False
    checks: list[str] = field(default_factory=list)
    evidence: list[Span] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    causing_harm: bool = False  # the adult whose behaviour is the concern, as the text reads

    @property
    def is_adult(self) -> bool:
        return self.role not in CHILD_ROLES

    @property
    def is_family_adult(self) -> bool:
        return self.role in FAMILY_ADULT_ROLES

    @property
    def missing_checks(self) -> list[str]:
        """The key checks not recorded, for a family adult (a professional needs none)."""
        if not self.is_family_adult:
            return []
        return [c for c in KEY_CHECKS if c not in self.checks]

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"missing_checks": self.missing_checks}


class _Record:
    """A plain result record: its JSON is its fields."""

    def to_json(self) -> dict[str, Any]:
        return asdict(cast(Any, self))


@dataclass
class Event(_Record):
    """A dated event: the date as written, ISO when it resolves, and its sentence."""

    date: str
    iso: str | None
    text: str
    start: int  # the sentence's span in the draft
    end: int
    date_start: int = 0  # the date's own span
    date_end: int = 0
    source: str = ""  # who made contact, for repeat contacts ("school", "police")
    note: str = ""  # "third school contact in 6 weeks"


@dataclass
class Undated(_Record):
    """Something that happened, with no date in its sentence: listed apart, never guessed."""

    text: str
    start: int
    end: int


@dataclass
class Account:
    """Whose account one statement in the analysis or plan rests on."""

    start: int
    end: int
    source: str  # parent | professional | agency | child
    text: str = ""
    conclusion: bool = False
    parent_only: bool = False  # a conclusion whose support is a parent's account alone
    explicit: bool = True  # False when no speaker or observation was named (the author's own)

    def to_json(self) -> dict[str, Any]:
        """The contract's fields (the text and how it was read stay out)."""
        d = asdict(self)
        return {k: d[k] for k in ("start", "end", "source", "conclusion", "parent_only")}


@dataclass
class CaseFile:
    people: list[Person] = field(default_factory=list)
    chronology: list[Event] = field(default_factory=list)
    undated: list[Undated] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    note_date: str | None = None  # the draft's own date, ISO, when it gives one
    not_family: bool = False  # the review read the text as not about a family: nothing read

    @classmethod
    def not_about_a_family(cls) -> CaseFile:
        """The empty case file for a text the review reads as not about a family."""
        return cls(not_family=True)

    @property
    def notes(self) -> list[str]:
        """One-line notes for what could not be found (shown instead of an empty table)."""
        if self.not_family:
            return [NOT_A_FAMILY]
        out = []
        if not self.people:
            out.append(NO_PEOPLE)
        if not self.chronology:
            out.append(NO_DATES)
        return out

    def to_json(self) -> dict[str, Any]:
        """The top-level keys ``curio review --json`` adds (people, chronology, accounts)."""
        return {
            "people": [p.to_json() for p in self.people],
            "chronology": [e.to_json() for e in self.chronology],
            "undated": [u.to_json() for u in self.undated],
            "accounts": [a.to_json() for a in self.accounts],
            "note_date": self.note_date,
            "case_notes": self.notes,
        }
