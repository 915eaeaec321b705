"""The working record of a person while a draft is read, and the patterns for names,
ages and appositions that every pass shares."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.casefile.model import (
    CHILD_ROLES,
    FAMILY_ADULT_ROLES,
    FEMALE_ROLES,
    MALE_ROLES,
    ROLE_RANK,
)

#: Latin letters with accents (Latin-1 and Latin Extended-A/B: "Wójcik", "ŞAHIN", "Ștefan"),
#: as character-class contents; names from Polish, Romanian, Lithuanian, Turkish families are
#: names, not gaps in a sentence.
_UP = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x250)) if c.isupper())
_LOW = "a-z" + "".join(c for c in map(chr, range(0xC0, 0x250)) if c.islower())
_TOKEN = rf"(?:Mc|Mac|O['’])?[{_UP}][{_LOW}]+(?:-[{_UP}][{_LOW}]+)?"
_CAPS = rf"[{_UP}]{{3,}}(?:-[{_UP}]{{2,}})?"
_AGE_AFTER = re.compile(
    r"^\s*(?:\(\s*(?:aged\s+|age\s+)?(?P<a1>\d{1,2})\s*(?P<u1>years?|yrs?|y/?o|months?|mths?|"
    r"weeks?|wks?)?(?:\s*old)?\s*[),;]"
    r"|,\s*(?:aged\s+|age\s+)?(?P<a2>\d{1,2})\s*(?P<u2>years?|yrs?|months?|weeks?)?(?:\s*old)?"
    r"\s*(?:[,;)]|\.(?!\d)|$)"
    r"|\s(?P<a4>\d{1,2})(?=\s*[,;)]|\.(?!\d)|\s+and\b|\s*$)"
    r"|,?\s+(?:who\s+is\s+|is\s+|aged\s+)(?:aged\s+)?(?P<a3>\d{1,2})(?:[- ](?P<u3>years?|months?"
    r"|weeks?))?(?:[- ]old)?\b(?!\s*(?:%|weeks pregnant|weeks' pregnant)))"
)
_AGE_BEFORE = re.compile(
    r"(?P<a>\d{1,2})[- ](?P<u>year|month|week)s?[- ]old\s+(?:(?:son|daughter|boy|girl|child|"
    r"brother|sister),?\s+)?$"
)
_DESCRIBED_CHILD = re.compile(
    r"\b(?:the|her|his|their)\s+(?P<which>older|younger|eldest|oldest|youngest|middle|"
    r"elder|unborn)\s+(?P<what>child|son|daughter|boy|girl|baby|sibling)\b"
    r"(?P<age>(?:,?\s+(?:is\s+|aged\s+)(?:aged\s+)?\d{1,2}(?:[- ](?:years?|months?|weeks?))?)"
    r"|\s*\(\d{1,2}\))?"
    # "two children: a girl about 10 and a boy", "the little boy": an unnamed child by sex
    r"|\b(?:an?|the)\s+(?:(?:little|small|young|baby)\s+)?(?P<what2>boy|girl)\b"
    r"(?P<age2>\s+(?:about|aged|of)\s+\d{1,2})?",
    re.IGNORECASE,
)
_CHILD_GROUP = re.compile(
    r"\b(?:(?:both|all(?: (?:three|four|five|six|of the))?|the|her|his|their) )?"
    r"(?:two |three |four |five )?children\b(?!\s*:)",
    re.IGNORECASE,
)
_FEMALE_TITLES = ("Mrs", "Ms", "Miss")
_PRONOUN = re.compile(r"\b(he|him|his|she|her)\b", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(
    r";|\b(?:said|says|told \w+|reported|stated|explained|disclosed|shared)(?: that)?\b"
    r"|\bbut\b|\bwhereas\b|\bhowever\b|\balthough\b|,\s*so\b|\bso (?=I|we|the|she|he|M|F)"
    r"|\bwhil(?:e|st)\b(?! (?:the )?(?:officers|police|I|we|SW|HV) (?:was|were) (?:there|present))",
    re.IGNORECASE,
)


@dataclass
class _Mention:
    start: int
    end: int
    person: int  # index into the working list
    possessive: bool = False


@dataclass
class _Draft:
    """A person while the draft is read: names, role votes and mentions."""

    first: str = ""
    last: str = ""
    title: str = ""
    label: str = ""  # the first full naming, or the description
    roles: dict[str, int] = field(default_factory=dict)
    age: str | None = None
    age_years: float | None = None
    gender: str = ""  # "m", "f" or ""
    mentions: list[tuple[int, int]] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)
    descriptor: str = ""  # the normalised description for unnamed people ("mother")
    bound: set[str] = field(default_factory=set)  # descriptions given beside the name
    seen: bool = False
    alone: bool = False
    nicks: set[str] = field(default_factory=set)  # "John 'Johnny' McDonagh"
    parent_of: int = 0  # how often the text names a child as theirs ("Senait's daughter")

    def is_family(self) -> bool:
        return self.role in FAMILY_ADULT_ROLES

    def vote(self, role: str, weight: int = 1) -> None:
        self.roles[role] = self.roles.get(role, 0) + weight

    @property
    def role(self) -> str:
        if not self.roles:
            if self.age_years is not None and self.age_years < 18:
                return "child"
            return "other-adult"
        roles = self.roles
        if self.age_years is not None and self.age_years < 18:
            roles = {r: v for r, v in roles.items() if r in CHILD_ROLES} or {"child": 1}
        if roles.get("father", 0) >= 2 and ("partner" in roles or "new-partner" in roles):
            # "her partner Shane (Poppy's father)": to the child he is the father
            roles = {r: v for r, v in roles.items() if r not in ("partner", "new-partner")}
        best = max(roles.values())
        top = [r for r, v in roles.items() if v == best]
        strong = [r for r, v in roles.items() if v >= 3]
        pool = strong or top
        if self.gender and len(pool) > 1:
            # "Mr Ibrahim" read as both the father and the mother: his title settles it
            fits = [r for r in pool if _parent_gender(r) in ("", self.gender)]
            pool = fits or pool
        return min(pool, key=lambda r: ROLE_RANK[r])


def _age(num: str, unit: str | None) -> tuple[str, float]:
    n = int(num)
    u = (unit or "").lower()
    if u.startswith(("month", "mth")):
        return f"{n} months", n / 12
    if u.startswith(("week", "wk")):
        return f"{n} weeks", n / 52
    return str(n), float(n)


#: What may stand between a name and the role words after it, in apposition: "Craig Mottram
#: (Mia's father)", "Ryan, F of Kai", "Gareth Pryce, Designated Safeguarding Lead", "Wayne
#: Tolley, now stepfather to", "Yonas Haile, is the baby's father".
_APPOSITION_BEFORE = re.compile(
    r"(?:\s*\(\s*(?:(?:the|her|his|their|now|also|allocated)\s+|[\w-]+['’]s\s+){0,2}"
    r"|\s*(?:\(\d{1,2}\)\s*)?,\s*(?:\d{1,2}\s*,\s*)?(?:(?:the|her|his|their|now|also|and)\s+|who\s+is\s+|"
    r"[\w-]+['’]s\s+){0,3}"
    r"|,?\s+(?:is|was|as)\s+(?:(?:the|her|his|their|now)\s+|[\w-]+['’]s\s+){0,2}"
    r"|\s+[–—-]\s+(?:(?:the|her|his|their)\s+|[\w-]+['’]s\s+){0,2})$"
)


#: A name's apposition: "(Y8, 12)", ", Year 5, age 9", ", DOB 14/08/2008, 16 yrs".
_APPOSITION_AFTER = re.compile(
    r"^[ \t]*(?:\((?P<body>[^()\n]{1,50})\)|,(?P<body2>(?:[^\n.;]|\.(?=\d)){1,40}))"
)
#: An age as one item of the apposition, never a year group ("Year 5") or part of a date.
_AGE_IN_APPOSITION = re.compile(
    r"(?:^|,)\s*(?:aged?\s+)?(?P<n>\d{1,2})\s*"
    r"(?P<u>/52|/12|yrs?|years?|y/?o|months?|mths?|weeks?|wks?)?(?:\s*old)?\s*(?=,|$)"
)


def _role_gender(role: str) -> str:
    if role in FEMALE_ROLES:
        return "f"
    if role in MALE_ROLES | {"partner", "new-partner"}:
        return "m"
    return ""


def _parent_gender(role: str) -> str:
    """The gender a parent's role word carries: a mother is a woman, a (step)father a man."""
    if role in FEMALE_ROLES:
        return "f"
    return "m" if role in MALE_ROLES else ""


def _words_gender(lower: str) -> str:
    """The gender role words carry ("paternal grandmother" is a woman), or ""."""
    for word in reversed(re.findall(r"[a-z]+", lower)):
        if word in _MALE_WORDS or word in ("grandfather", "grandad", "grandpa"):
            return "m"
        if word in _FEMALE_WORDS or word in ("grandmother", "grandma", "nan", "nana"):
            return "f"
    return ""


def sex_marker(text: str, a: int, b: int, line: re.Pattern[str]) -> str:
    """ "f" or "m" where the capital at [a, b) is a person's sex on a police form's victim or
    suspect line ("Victim: Nasreen AKHTAR (F, 31)", "Subject (suspect): Imran HUSSAIN, M,
    38": the line opens as ``line`` says and the letter stands between the name and an age),
    else "". There "F" is not the father nor "M" the mother, as elsewhere they are."""
    letter = text[a:b]
    if letter not in ("M", "F"):
        return ""
    before = text[text.rfind("\n", 0, a) + 1 : a]
    if (
        line.match(before)
        and re.search(r"\w\s*[,(]\s*$", before)
        and re.match(r"\s*[,/)]\s*(?:aged?\s*)?(?:\d|DOB\b|d\.o\.b)", text[b : b + 12], re.I)
    ):
        return letter.lower()
    return ""


_MALE_WORDS = frozenset(
    [
        "father",
        "dad",
        "daddy",
        "stepfather",
        "stepdad",
        "husband",
        "brother",
        "son",
        "grandfather",
        "grandad",
        "uncle",
        "mr",
        "boyfriend",
        "f",
    ]
)
_FEMALE_WORDS = frozenset(
    [
        "mother",
        "mum",
        "mummy",
        "stepmother",
        "wife",
        "sister",
        "daughter",
        "grandmother",
        "nan",
        "gran",
        "aunt",
        "mrs",
        "ms",
        "miss",
        "girlfriend",
        "m",
    ]
)
