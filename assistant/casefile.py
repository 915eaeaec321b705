"""The case at a glance: who is in the child's life, what happened when, and whose account.

A supervisor reading a draft wants to see in seconds who has not been seen or checked, the
events in date order, and which conclusions rest on a parent's word alone. This module reads
those from the draft's text alone (a pure function: no model, no index, nothing written), so
it can run beside any review engine and later move into the engine's case model.

The cue words are data (``prompts/casefile.yaml``), loaded and checked at start-up. Dates are
found by pattern (they are exact facts) and parsed and shifted with python-dateutil.
Everything is best effort and says so: the practitioner corrects roles and merges people in
the app.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from dateutil import parser as date_parser
from dateutil.relativedelta import relativedelta

from assistant.errors import CurioError
from assistant.review import Sentence, split_sentences

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
        return {
            "name": self.name,
            "role": self.role,
            "age": self.age,
            "seen": self.seen,
            "seen_alone": self.seen_alone,
            "checks": list(self.checks),
            "evidence": [e.to_json() for e in self.evidence],
            "aliases": list(self.aliases),
            "causing_harm": self.causing_harm,
            "missing_checks": self.missing_checks,
        }


@dataclass
class Event:
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

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "iso": self.iso,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "date_start": self.date_start,
            "date_end": self.date_end,
            "source": self.source,
            "note": self.note,
        }


@dataclass
class Undated:
    """Something that happened, with no date in its sentence: listed apart, never guessed."""

    text: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


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
        return {
            "start": self.start,
            "end": self.end,
            "source": self.source,
            "conclusion": self.conclusion,
            "parent_only": self.parent_only,
        }


@dataclass
class CaseFile:
    people: list[Person] = field(default_factory=list)
    chronology: list[Event] = field(default_factory=list)
    undated: list[Undated] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    note_date: str | None = None  # the draft's own date, ISO, when it gives one

    @property
    def notes(self) -> list[str]:
        """One-line notes for what could not be found (shown instead of an empty table)."""
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


# ----------------------------------------------------------------------------- cue words


@dataclass(frozen=True)
class Cues:
    """The compiled cue words from prompts/casefile.yaml."""

    version: int
    roles: list[tuple[str, re.Pattern[str]]]
    abbreviations: dict[str, str]
    abbreviation_re: re.Pattern[str]
    titles: tuple[str, ...]
    professional_titles: tuple[str, ...]
    not_names: frozenset[str]
    professional_label: re.Pattern[str]
    meeting_list: re.Pattern[str]
    org_after: re.Pattern[str]
    person_after: re.Pattern[str]
    seen: re.Pattern[str]
    remote: re.Pattern[str]
    alone: re.Pattern[str]
    negation: re.Pattern[str]
    excluded_after: re.Pattern[str]
    checks: dict[str, re.Pattern[str]]
    check_done: re.Pattern[str]
    check_target: re.Pattern[str]
    not_check_target: re.Pattern[str]
    check_pending: re.Pattern[str]
    harm: re.Pattern[str]
    new_partner: re.Pattern[str]
    analysis_heading: re.Pattern[str]
    heading: re.Pattern[str]
    speech: re.Pattern[str]
    agency: re.Pattern[str]
    observation: re.Pattern[str]
    conclusion: re.Pattern[str]
    contact_sources: dict[str, re.Pattern[str]]
    contact_words: re.Pattern[str]
    event_words: re.Pattern[str]


REQUIRED_KEYS = (
    "roles",
    "role_abbreviations",
    "titles",
    "professional_titles",
    "not_names",
    "professional_labels",
    "meeting_lists",
    "org_words",
    "person_verbs",
    "seen_cues",
    "remote_cues",
    "alone_cues",
    "negations",
    "excluded_after",
    "checks",
    "check_done",
    "check_target_before",
    "not_check_target_after",
    "check_pending",
    "harm_cues",
    "new_partner_cues",
    "analysis_headings",
    "heading_words",
    "speech_verbs",
    "agency_words",
    "observation_cues",
    "conclusion_cues",
    "contact_sources",
    "contact_words",
    "event_words",
)
#: Who can own a partner: the mother's words, "her", or a name ("Chantelle's partner").
POSSESSOR = (
    r"(?:(?:the )?(?:mother|mum|mummy)['’]s|her"
    r"|(?-i:(?:M|Ms [A-Z][a-z]+|Mrs [A-Z][a-z]+|Miss [A-Z][a-z]+|[A-Z][a-z]+)['’]s))"
)


def _words(fragment: str, where: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    try:
        return re.compile(rf"(?<![\w-])(?:{fragment})(?![\w-])", flags)
    except re.error as exc:
        raise CurioError(f"prompts/casefile.yaml: {where} is not a valid pattern ({exc}).") from exc


def _alternatives(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return "|".join(f"(?:{x})" for x in value)
    raise CurioError(f"prompts/casefile.yaml: {where} must be a pattern or a list of patterns.")


def load_cues(path: Path | str | None = None) -> Cues:
    """Read and check the cue words (cached per file); a bad edit is one CurioError line."""
    return _load_cues(str(Path(path) if path else DEFAULT_CUES))


@lru_cache(maxsize=4)
def _load_cues(path: str) -> Cues:
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CurioError(f"The case-file cue words {p} are missing.") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CurioError(f"The case-file cue words {p} are not valid YAML.") from exc
    if not isinstance(data, dict):
        raise CurioError(f"The case-file cue words {p} must be a mapping of keys.")
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise CurioError(f"{p} lacks the key(s) {', '.join(missing)}.")
    roles: list[tuple[str, re.Pattern[str]]] = []
    if not isinstance(data["roles"], dict):
        raise CurioError(f"{p}: roles must map each role to patterns.")
    for role, patterns in data["roles"].items():
        if role not in ROLES:
            raise CurioError(f"{p}: roles has {role!r}, not one of {', '.join(ROLES)}.")
        fragment = _alternatives(patterns, f"roles.{role}").replace("{possessor}", POSSESSOR)
        # single capitals (M, F) only as written; the rest in any case
        roles.append((role, _words(fragment, f"roles.{role}")))
    abbreviations = {str(k): str(v) for k, v in (data["role_abbreviations"] or {}).items()}
    for k, v in abbreviations.items():
        if v not in ROLES:
            raise CurioError(f"{p}: role_abbreviations.{k} is {v!r}, not a role.")
    checks: dict[str, re.Pattern[str]] = {}
    if not isinstance(data["checks"], dict):
        raise CurioError(f"{p}: checks must map each check to a pattern.")
    for name, fragment in data["checks"].items():
        if name not in CHECKS:
            raise CurioError(f"{p}: checks has {name!r}, not one of {', '.join(CHECKS)}.")
        checks[name] = _words(_alternatives(fragment, f"checks.{name}"), f"checks.{name}")
    sources = {
        str(k): _words(_alternatives(v, f"contact_sources.{k}"), f"contact_sources.{k}")
        for k, v in (data["contact_sources"] or {}).items()
    }
    not_names = frozenset(
        str(
            data["not_names"][0] if isinstance(data["not_names"], list) else data["not_names"]
        ).split("|")
    )

    def w(key: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
        return _words(_alternatives(data[key], key), key, flags)

    titles = tuple(str(t) for t in data["titles"])
    prof_titles = tuple(str(t) for t in data["professional_titles"])
    return Cues(
        version=int(data.get("version", 1)),
        roles=roles,
        abbreviations=abbreviations,
        abbreviation_re=re.compile(
            r"(?<![\w'’-])(" + "|".join(re.escape(k) for k in abbreviations) + r")(?![\w-])"
        ),
        titles=titles,
        professional_titles=prof_titles,
        not_names=not_names,
        professional_label=re.compile(
            r"(?:^|[.;|–]\s*)(?:"
            + _alternatives(data["professional_labels"], "professional_labels")
            + r")\s*[:\-–]\s*(?:(?:"
            + "|".join(re.escape(t) for t in titles + prof_titles)
            + r")\.?\s+)?$",
            re.IGNORECASE,
        ),
        meeting_list=re.compile(
            r"^\s*(?:" + _alternatives(data["meeting_lists"], "meeting_lists") + r")\s*:",
            re.IGNORECASE,
        ),
        org_after=re.compile(
            r"^(?:['’]s)?\s+(?:" + _alternatives(data["org_words"], "org_words") + r")\b",
            re.IGNORECASE,
        ),
        person_after=re.compile(
            r"^\s+(?:" + _alternatives(data["person_verbs"], "person_verbs") + r")\b"
        ),
        seen=w("seen_cues"),
        remote=w("remote_cues"),
        alone=w("alone_cues"),
        negation=w("negations"),
        excluded_after=re.compile(
            r"\b(?:" + _alternatives(data["excluded_after"], "excluded_after") + r")\s+"
            r"(?:his |her |their |the )?$",
            re.IGNORECASE,
        ),
        checks=checks,
        check_done=w("check_done"),
        check_target=re.compile(
            r"(?:" + _alternatives(data["check_target_before"], "check_target_before") + r")"
            r"\s*(?:(?:both|the|his|her|their)\s+)?$",
            re.IGNORECASE,
        ),
        not_check_target=re.compile(
            r"\b(?:" + _alternatives(data["not_check_target_after"], "not_check_target_after")
            + r")\s+(?:(?:his|her|their|the)\s+)?$",
            re.IGNORECASE,
        ),
        check_pending=w("check_pending"),
        harm=w("harm_cues"),
        new_partner=w("new_partner_cues"),
        analysis_heading=re.compile(
            r"^\s*(?:" + _alternatives(data["analysis_headings"], "analysis_headings") + r")\b",
            re.IGNORECASE,
        ),
        heading=re.compile(
            r"^\s*(?:" + _alternatives(data["heading_words"], "heading_words") + r")\b",
            re.IGNORECASE,
        ),
        speech=w("speech_verbs"),
        agency=w("agency_words"),
        observation=w("observation_cues"),
        conclusion=w("conclusion_cues"),
        contact_sources=sources,
        contact_words=w("contact_words"),
        event_words=w("event_words"),
    )


# ----------------------------------------------------------------------------- dates

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_FULL_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
#: A weekday as notes write it: in full or cut short ("Tues 14/1", "Sun night").
_WD = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|Mon|Tues?|Weds?|Thu(?:rs?)?|Fri|Sat|Sun)"
_YEAR2 = r"(?:19|20)\d\d|\d\d(?![\d.]|:\d|\s*(?:%|am|pm|hours?|hrs?|mins?|weeks?|days?|years?))"
_ORD = r"(?:st|nd|rd|th)?"
_DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 2025-02-14 (ISO, as chronologies exported from case systems write them)
    ("iso", re.compile(r"(?<![\w/.-])(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?![\w/-])")),
    # 03/10/2024, 3.10.24, 03-10-2024, 03/10
    (
        "numeric",
        re.compile(
            r"(?<![\w/.:-])(?P<d>[0-3]?\d)(?P<sep>[/.-])(?P<m>[01]?\d)"
            r"(?:(?P=sep)(?P<y>(?:19|20)?\d\d))?(?![\w/%]|[.-]\d)"
        ),
    ),
    # Friday 1 November 2024, 3rd Oct, 3 October 2024
    (
        "dmy",
        re.compile(
            rf"\b(?:(?P<wd>{_WD})\.?,?\s+)?(?:the\s+)?(?P<d>[0-3]?\d){_ORD}\s+(?:of\s+)?"
            rf"(?P<m>{_MONTH})\.?(?:,?\s+(?P<y>{_YEAR2}))?\b"
        ),
    ),
    # October 3rd, 2024 / Oct 3
    (
        "mdy",
        re.compile(
            rf"\b(?P<m>{_MONTH})\.?\s+(?P<d>[0-3]?\d){_ORD}(?:,?\s+(?P<y>(?:19|20)\d\d))?\b"
            r"(?!\s*(?:years?|months?|weeks?|days?|%|am|pm))"
        ),
    ),
    # October 2024
    ("my", re.compile(rf"\b(?P<m>{_MONTH})\.?\s+(?P<y>(?:19|20)\d\d)\b")),
    # in March, since July, end of May (full month names after a preposition only)
    (
        "m",
        re.compile(
            rf"\b(?:in|since|during|from|until|till|by|before|after|early|late|mid-?|end of|"
            rf"start of|beginning of|last|this)\s+(?P<m>{_FULL_MONTH}|{_MONTH}(?=[\s.,;:)]|$))"
        ),
    ),
    # Monday 4th: a weekday and a day of the month, the month read from the note's date
    ("wd_d", re.compile(rf"\b(?P<wd>{_WD})\.?\s+(?:the\s+)?(?P<d>[0-3]?\d)(?:st|nd|rd|th)\b")),
    # summer 2024, in the autumn: a season, as coarse as a year
    (
        "season",
        re.compile(
            r"\b(?:(?P<s1>[Ss]pring|[Ss]ummer|[Aa]utumn|[Ww]inter)\s+(?P<y>(?:19|20)\d\d)"
            r"|(?<=\bin the )(?P<s2>spring|summer|autumn|winter)"
            r"|(?<=\bover the )(?P<s3>spring|summer|autumn|winter)"
            r"|(?<=\bsince the )(?P<s4>spring|summer|autumn|winter))\b"
        ),
    ),
    # 2022 on its own
    ("y", re.compile(r"(?<![\w£$/.-])(?P<y>19[5-9]\d|20[0-4]\d)(?![\w/-]|\.\d)")),
]
_RELATIVE = re.compile(
    rf"\b(?P<rel>today|yesterday|tomorrow|last night|this (?:morning|afternoon|evening)|"
    rf"(?:last|next) (?:week|month|year|weekend)|this week|"
    rf"(?:a|one|two|three|four|five|six|seven|eight|nine|ten|\d{{1,2}}) "
    rf"(?:days?|weeks?|months?|years?) ago|(?:last|this|next) {_WEEKDAY}|"
    rf"(?<=\bon ){_WD}\b(?:\s+(?:night|morning|afternoon|evening))?|"
    rf"(?-i:{_WD})\s+(?:night|morning|afternoon|evening)|"
    rf"the (?:day|night) before)\b",
    re.IGNORECASE,
)
_NUMBERS = {
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_NOT_A_DATE_BEFORE = re.compile(
    r"(?:scal\w*|score\w*|rated?|rating|at|out of|marks?|\bDOB|d\.o\.b\.?|date of birth|born)\s*"
    r"[:(]?\s*$",
    re.IGNORECASE,
)
_NOTE_DATE_LABEL = re.compile(
    r"(?:\bdate(?:/time)?(?: of (?:visit|contact|note|referral|meeting|assessment|supervision|review|"
    r"discussion|report|session|call))?|\brecorded|\bwritten|\bcompleted|\bdated|\bheld|"
    r"\breceived|\boccurrence)\s*[:\-–]?\s*$",
    re.IGNORECASE,
)


@dataclass
class _DateHit:
    start: int
    end: int
    written: str
    kind: str  # numeric, dmy, mdy, my, m, y, relative
    day: int | None = None
    month: int | None = None
    year: int | None = None
    date: dt.date | None = None  # resolved
    precision: str = ""  # day, month, year
    weekday: int | None = None  # "Monday 4th": the weekday that picks the month


def _year4(y: str | None) -> int | None:
    if not y:
        return None
    n = int(y)
    return n + 2000 if n < 100 else n


def find_dates(text: str) -> list[_DateHit]:
    """Every date written in ``text`` (not yet resolved): exact patterns, longest first."""
    hits: list[_DateHit] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for kind, pat in _DATE_PATTERNS:
        for m in pat.finditer(text):
            a, b = m.span()
            if not free(a, b):
                continue
            g = m.groupdict()
            before = text[max(0, a - 24) : a]
            if kind == "numeric":
                d, mo = int(g["d"]), int(g["m"])
                if not (1 <= d <= 31 and 1 <= mo <= 12):
                    continue
                if g["sep"] != "/" and not g["y"]:
                    continue  # 3.5 or 3-4 is a number or a range, not a date
                if m.group(0) == "24/7" or _NOT_A_DATE_BEFORE.search(before):
                    continue  # "24/7 care", "scaled her worry at 8/10", a date of birth
                hit = _DateHit(a, b, m.group(0), kind, d, mo, _year4(g["y"]))
            elif kind in ("dmy", "mdy"):
                d = int(g["d"])
                mo = _MONTHS[g["m"].lower()[:3] if g["m"].lower()[:4] != "sept" else "sep"]
                if not 1 <= d <= 31 or _NOT_A_DATE_BEFORE.search(before):
                    continue
                hit = _DateHit(a, b, m.group(0), kind, d, mo, _year4(g["y"]))
            elif kind == "iso":
                hit = _DateHit(a, b, m.group(0), kind, int(g["d"]), int(g["m"]), int(g["y"]))
            elif kind == "wd_d":
                hit = _DateHit(a, b, m.group(0), kind, int(g["d"]), None, None)
                hit.weekday = _weekday_index(g["wd"])
            elif kind == "season":
                y = g.get("y")
                hit = _DateHit(a, b, m.group(0), kind, None, None, int(y) if y else None)
            elif kind == "my":
                mo = _MONTHS[g["m"].lower()[:3]]
                hit = _DateHit(a, b, m.group(0), kind, None, mo, int(g["y"]))
            elif kind == "m":
                a = m.start("m")
                mo = _MONTHS[g["m"].lower()[:3]]
                hit = _DateHit(a, b, m.group("m"), kind, None, mo, None)
            else:
                if _NOT_A_DATE_BEFORE.search(before) and "born" not in before.lower():
                    continue
                hit = _DateHit(a, b, m.group(0), kind, None, None, int(g["y"]))
            hits.append(hit)
            taken.append((hit.start, hit.end))
    for m in _RELATIVE.finditer(text):
        if free(*m.span()):
            hits.append(_DateHit(m.start(), m.end(), m.group(0), "relative"))
            taken.append(m.span())
    for h in hits:  # "Tues 14/1", "w/c 6/1": the weekday or week written before a date
        if h.day is None:
            continue
        pre = _DATE_PREFIX.search(text[max(0, h.start - 20) : h.start])
        if pre:
            h.start -= len(pre.group(0))
            h.written = text[h.start : h.end]
    hits.sort(key=lambda h: h.start)
    return hits


_DATE_PREFIX = re.compile(rf"(?:\b{_WD}\.?,?|\bw/[ce]|\bweek (?:commencing|ending))\s+$", re.I)


def _weekday_index(word: str) -> int:
    w = word.lower()[:2]
    return ["mo", "tu", "we", "th", "fr", "sa", "su"].index(w)


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _parse(hit: _DateHit, default_year: int) -> dt.date | None:
    """A written date through dateutil, with the year filled in when the text omits it."""
    if hit.kind in ("numeric", "iso", "dmy", "mdy") and hit.day and hit.month:
        return _safe_date(hit.year or default_year, hit.month, hit.day)
    try:
        parsed = date_parser.parse(
            hit.written,
            dayfirst=True,
            fuzzy=True,
            default=dt.datetime(hit.year or default_year, hit.month or 1, 1),
        )
    except (ValueError, OverflowError):
        return None
    return parsed.date()


def _nearest_year(hit: _DateHit, anchor: dt.date) -> dt.date | None:
    """The reading of a yearless date closest to the anchor (a note's date, or a nearby date)."""
    best: dt.date | None = None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        d = _parse(hit, year)
        if d is not None and (best is None or abs((d - anchor).days) < abs((best - anchor).days)):
            best = d
    return best


def _weekday_and_day(hit: _DateHit, anchor: dt.date) -> dt.date | None:
    """ "Monday 4th": the month near the anchor whose 4th is a Monday, the nearest first."""
    best: dt.date | None = None
    for shift in range(-3, 3):
        first = anchor.replace(day=1) + relativedelta(months=shift)
        d = _safe_date(first.year, first.month, hit.day or 1)
        if d is None or d.weekday() != hit.weekday:
            continue
        if best is None or abs((d - anchor).days) < abs((best - anchor).days):
            best = d
    return best


def _relative(hit: _DateHit, note: dt.date) -> tuple[dt.date | None, str]:
    rel = hit.written.lower()
    if rel in ("today", "last night") or rel.startswith("this ") and not rel.endswith("week"):
        return note, "day"
    if rel == "this week":
        return note, "day"
    if rel in ("yesterday", "the day before", "the night before"):
        return note - dt.timedelta(days=1), "day"
    if rel == "tomorrow":
        return note + dt.timedelta(days=1), "day"
    if rel in ("last week", "last weekend"):
        return note - dt.timedelta(days=7), "day"
    if rel == "next week":
        return note + dt.timedelta(days=7), "day"
    if rel == "last month":
        return note - relativedelta(months=1), "month"
    if rel == "next month":
        return note + relativedelta(months=1), "month"
    if rel == "last year":
        return note - relativedelta(years=1), "year"
    if rel == "next year":
        return note + relativedelta(years=1), "year"
    m = re.match(r"(\w+) (day|week|month|year)s? ago", rel)
    if m:
        word = m.group(1)
        n = int(word) if word.isdigit() else _NUMBERS.get(word, 0)
        unit = m.group(2)
        if unit == "day":
            return note - dt.timedelta(days=n), "day"
        if unit == "week":
            return note - dt.timedelta(weeks=n), "day"
        if unit == "month":
            return note - relativedelta(months=n), "month"
        return note - relativedelta(years=n), "year"
    m = re.match(r"(?:(last|on|this|next) )?([a-z]+)", rel)
    if m and re.fullmatch(_WD, m.group(2), re.I):
        target = _weekday_index(m.group(2))
        if m.group(1) == "next":
            return note + relativedelta(days=1, weekday=target), "day"
        back = (note.weekday() - target) % 7
        if m.group(1) == "last" and back == 0:
            back = 7
        return note - dt.timedelta(days=back), "day"
    return None, ""


def _iso(d: dt.date | None, precision: str) -> str | None:
    if d is None:
        return None
    if precision == "year":
        return f"{d.year:04d}"
    if precision == "month":
        return f"{d.year:04d}-{d.month:02d}"
    return d.isoformat()


def resolve_dates(text: str, hits: list[_DateHit]) -> dt.date | None:
    """Fill each hit's date: full dates as written, yearless ones from the nearest anchor,
    relative ones ("last week") from the note's own date. Returns the note's date."""
    full = [h for h in hits if h.year and h.day and h.month]
    for h in full:
        h.date, h.precision = _parse(h, h.year or 2000), "day"
    note: dt.date | None = None
    for h in full:
        before = text[max(0, h.start - 40) : h.start]
        line_start = text.rfind("\n", 0, h.start) + 1
        if h.date and (_NOTE_DATE_LABEL.search(before) or (line_start == 0 and h.start < 200)):
            note = h.date
            break
    if note is None:  # a heading's date in the first lines ("Held: 23/1/25", "Duty – 07/10/24")
        head = len("\n".join(text.split("\n")[:3]))
        note = next((h.date for h in full if h.date and h.start < head), None)
    for h in hits:
        if h in full:
            continue
        if h.kind == "relative":
            if note is not None:
                h.date, h.precision = _relative(h, note)
            continue
        if h.kind == "y":
            h.date, h.precision = dt.date(h.year or 2000, 1, 1), "year"
            continue
        if h.kind == "my":
            h.date, h.precision = dt.date(h.year or 2000, h.month or 1, 1), "month"
            continue
        if h.kind == "season":
            if h.year:
                h.date, h.precision = dt.date(h.year, 1, 1), "year"
            continue
        anchor = note
        if anchor is None:
            before = [f for f in full if f.start < h.start and f.date]
            after = [f for f in full if f.start > h.start and f.date]
            anchor = before[-1].date if before else after[0].date if after else None
        if anchor is None:
            continue
        if h.kind == "m":
            h.date = _nearest_year(h, anchor)
            h.precision = "month"
        elif h.kind == "wd_d":
            h.date, h.precision = _weekday_and_day(h, anchor), "day"
        else:
            h.date = _nearest_year(h, anchor)
            h.precision = "day"
    return note


# ----------------------------------------------------------------------------- people

_TOKEN = r"(?:Mc|Mac|O['’])?[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_CAPS = r"[A-Z]{3,}(?:-[A-Z]{2,})?"
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
    r"|\s*\(\d{1,2}\))?",
    re.IGNORECASE,
)
_CHILD_GROUP = re.compile(
    r"\b(?:both|all(?: (?:three|four|five|six|of the))?|the|her|his|their) "
    r"(?:two |three |four |five )?children\b",
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
    r"|\s*,\s*(?:\d{1,2}\s*,\s*)?(?:(?:the|her|his|their|now|also|and)\s+|who\s+is\s+|"
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


def _words_gender(lower: str) -> str:
    """The gender role words carry ("paternal grandmother" is a woman), or ""."""
    for word in reversed(re.findall(r"[a-z]+", lower)):
        if word in _MALE_WORDS or word in ("grandfather", "grandad", "grandpa"):
            return "m"
        if word in _FEMALE_WORDS or word in ("grandmother", "grandma", "nan", "nana"):
            return "f"
    return ""


_MALE_WORDS = frozenset(
    "father dad daddy stepfather stepdad husband brother son grandfather grandad uncle mr "
    "boyfriend f".split()
)
_FEMALE_WORDS = frozenset(
    "mother mum mummy stepmother wife sister daughter grandmother nan gran aunt mrs ms miss "
    "girlfriend m".split()
)


class _Reader:
    """Reads one draft: finds people and their mentions, then status, checks and harm."""

    def __init__(self, text: str, cues: Cues) -> None:
        self.text = text
        self.flat = re.sub(r"\s", " ", text)
        self.cues = cues
        self.people: list[_Draft] = []
        self.mentions: list[_Mention] = []
        self.deferred: list[tuple[int, int, str, str, str | None, float | None, str]] = []
        self._roles_at: list[tuple[int, int]] | None = None
        self._role_mask = bytearray()
        self._role_starts: set[int] = set()
        self._last_owner: int | None = None
        #: (person, whose relative, role words' role, where): decided once parents are known
        self.relations: list[tuple[_Draft, _Draft | None, str]] = []
        self._nicks: dict[int, str] = {}

    # -- names
    def _name_spans(self) -> list[tuple[int, int, str, list[str]]]:
        """(start, end, title, name tokens) for capitalised words that may be a name.

        Runs of capitalised words on one line are walked left to right: words that are never
        names are skipped, a title starts a name, and a run followed by "Close", "Police" or
        "Primary" is a place or an organisation.
        """
        cues = self.cues
        titles = set(cues.titles) | set(cues.professional_titles)
        run = re.compile(rf"(?:{_TOKEN}|{_CAPS}|[A-Z]{{2}})(?:[ \t]+(?:{_TOKEN}|{_CAPS}|[A-Z]{{2}}))*")
        token = re.compile(rf"{_TOKEN}|{_CAPS}|[A-Z]{{2}}")
        self._role_cores()
        covered = self._role_mask
        out = []
        nick = re.compile(rf"({_TOKEN})[ \t]+['‘\"“]({_TOKEN})['’\"”][ \t]+({_TOKEN})")
        held: list[tuple[int, int]] = []
        for m in nick.finditer(self.text):
            if m.group(1) in cues.not_names or m.group(3) in cues.not_names:
                continue
            out.append((m.start(), m.end(), "", [m.group(1), m.group(3)]))
            self._nicks[m.start()] = m.group(2)
            held.append(m.span())
        for m in run.finditer(self.text):
            if any(h0 <= m.start() < h1 for h0, h1 in held):
                continue
            toks = [
                (t.group(0), m.start() + t.start(), m.start() + t.end())
                for t in token.finditer(m.group(0))
            ]
            toks = self._caps_as_names(toks)

            def usable(k: int) -> bool:
                word, x, y = toks[k]
                return (
                    word not in cues.not_names
                    and bool(re.fullmatch(_TOKEN, word))
                    and not (covered[x] and covered[y - 1])
                )

            i = 0
            while i < len(toks):
                tok, a, _ = toks[i]
                title = ""
                if tok in titles and i + 1 < len(toks) and toks[i + 1][0] not in cues.not_names:
                    title = tok
                    i += 1
                elif not usable(i):
                    i += 1
                    continue
                j = i
                while j < len(toks) and j - i < 3 and usable(j):
                    j += 1
                if j == i:
                    i += 1
                    continue
                kept = [t[0] for t in toks[i:j]]
                end = toks[j - 1][2]
                i = j
                person_after = self._role_apposition(end)
                if len(kept) > 1 and cues.org_after.match(" " + kept[-1]) and not person_after:
                    continue  # Birch Rd (but "Sophie Lane, Social Worker" is a person)
                if cues.org_after.match(self.flat[end:]):
                    continue  # Cedar Close, Northshire Police, St Mary's Primary
                out.append((a, end, title, kept))
        return out

    def _role_cores(self) -> list[tuple[int, int]]:
        """Where role words stand (past any possessor): a name never runs through them, so
        "Midwife Gemma Stott" is a midwife named Gemma Stott and "Social Worker" no one."""
        if self._roles_at is None:
            spans = []
            for _role, pat in self.cues.roles:
                for m in pat.finditer(self.flat):
                    core = m.start() + self._possessive_prefix(m.group(0))
                    spans.append((core, m.end()))
            self._roles_at = spans
            mask = bytearray(len(self.flat) + 1)
            for c, e in spans:
                mask[c:e] = b"\x01" * (e - c)
            self._role_mask = mask
            self._role_starts = {c for c, _e in spans}
            self._role_ends: dict[int, list[int]] = {}
            for c, e in spans:
                self._role_ends.setdefault(e, []).append(c)
        return self._roles_at

    def _role_apposition(self, end: int) -> bool:
        """Whether role words follow a name in apposition ("Sophie Lane, Social Worker")."""
        m = re.match(r"^\s*[,(]\s*(?:the\s+)?", self.flat[end : end + 8])
        if not m:
            return False
        self._role_cores()
        return end + m.end() in self._role_starts

    def _caps_as_names(
        self, toks: list[tuple[str, int, int]]
    ) -> list[tuple[str, int, int]]:
        """Surnames in capitals ("Shilan AHMED", "KAYDEN MURPHY (14)") read as names: beside
        a capitalised first name, or as a pair followed by an age."""
        out = list(toks)
        for k, (word, a, b) in enumerate(toks):
            if not re.fullmatch(_CAPS, word) or word in self.cues.not_names:
                continue
            beside = (k > 0 and re.fullmatch(_TOKEN, toks[k - 1][0])) or (
                k + 1 < len(toks) and re.fullmatch(_TOKEN, toks[k + 1][0])
            )
            pair_with_age = (
                len(toks) == 2
                and all(re.fullmatch(_CAPS, t[0]) for t in toks)
                and re.match(r"^\s*\(\d{1,2}\)", self.flat[toks[-1][2] : toks[-1][2] + 6])
            )
            if beside or pair_with_age:
                out[k] = (word.title(), a, b)
        return out

    def _evidence_for_single(self, start: int, end: int) -> tuple[str | None, float | None]:
        """Whether one capitalised word is a person: an age, a verb of doing, or a role."""
        after = self.flat[end : end + 60]
        m = _AGE_AFTER.match(after)
        if m:
            num = m.group("a1") or m.group("a2") or m.group("a3") or m.group("a4")
            unit = m.group("u1") or m.group("u2") or m.group("u3")
            label, years = _age(num, unit)
            return label, years
        m = _AGE_BEFORE.search(self.flat[max(0, start - 40) : start])
        if m:
            label, years = _age(m.group("a"), m.group("u"))
            return label, years
        appos = _APPOSITION_AFTER.match(self.text[end : end + 60])
        if appos:  # "Ayaan Hussain, Year 5, age 9", "(Y8, 12)", "DOB 14/08/2008, 16 yrs"
            m = _AGE_IN_APPOSITION.search(appos.group("body") or appos.group("body2"))
            if m:
                unit = {"/52": "weeks", "/12": "months"}.get(m.group("u") or "", m.group("u"))
                return _age(m.group("n"), unit)
        return None, None

    def _local_gender(self, start: int, end: int) -> str:
        """The gender a role word right beside a name gives it ("father Imran Hussain")."""
        before = self.flat[max(0, start - 24) : start].lower()
        after = self.flat[end : end + 30].lower()
        m = re.search(r"\b(\w+)\s*[:(,]?\s*$", before)
        n = re.match(r"^\s*[,(]\s*(?:the |her |his |[\w-]+['’]s )?([\w-]+)", after)
        for word in (m.group(1) if m else "", n.group(1) if n else ""):
            if word in _MALE_WORDS:
                return "m"
            if word in _FEMALE_WORDS:
                return "f"
        return ""

    def _new(self, **kw: Any) -> int:
        self.people.append(_Draft(**kw))
        return len(self.people) - 1

    def _find(
        self, first: str = "", last: str = "", gender: str = "", adult: bool | None = None
    ) -> int | None:
        candidates = []
        for i, p in enumerate(self.people):
            if first and p.first and p.first != first and first not in p.nicks:
                continue
            if last and p.last and p.last != last:
                continue
            if first and not p.first and not (last and p.last == last):
                continue
            if last and not p.last and not (first and p.first == first):
                continue
            if not first and not last:
                continue
            if gender and p.gender and p.gender != gender:
                continue
            if adult is True and p.age_years is not None and p.age_years < 18:
                continue
            candidates.append(i)
        if not candidates:
            return None
        # a surname shared by mother and grandmother: the parent is the likelier referent
        for i in candidates:
            if self.people[i].roles.get("mother") or self.people[i].roles.get("father"):
                return i
        return candidates[0]

    def read_names(self) -> None:
        spans = self._name_spans()
        records = []
        for start, end, title, tokens in spans:
            age, years = self._evidence_for_single(start, end)
            records.append((start, end, title, tokens, age, years))
        # full names first, then title + surname, then single words: the specific ones anchor
        order = sorted(
            range(len(records)),
            key=lambda i: (
                0 if len(records[i][3]) >= 2 else 1 if records[i][2] else 2,
                records[i][0],
            ),
        )
        pending_single: list[int] = []
        for i in order:
            start, end, title, tokens, age, years = records[i]
            gender = "m" if title == "Mr" else "f" if title in _FEMALE_TITLES else ""
            if len(tokens) >= 2:
                first, last = tokens[0], tokens[-1]
                idx = self._find(first=first, last=last)
                if idx is None:
                    idx = self._new(first=first, last=last, title=title, label=self.flat[start:end])
                if start in self._nicks:
                    self.people[idx].nicks.add(self._nicks[start])
                gender = gender or self._local_gender(start, end)
                self._attach(idx, start, end, title, gender, age, years)
            elif title:
                last = tokens[0]
                if re.match(r"^\s*(?:senior|snr|sr)\b", self.flat[end : end + 8], re.I):
                    # "Mrs Hussain senior": the older generation, not the parent
                    idx = self._new(last=last, title=title, label=self.flat[start:end])
                    self.people[idx].vote("grandparent", 1)
                    self._attach(idx, start, end, title, gender, age, years)
                    continue
                same = [
                    p
                    for p in self.people
                    if p.last == last
                    and (p.age_years is None or p.age_years >= 18)
                    and p.gender in ("", gender)
                ]
                if len(same) > 1 and gender:
                    # "Mr Thorne" with Jessica and Craig Thorne: decided once roles are known
                    self.deferred.append((start, end, title, gender, age, years, last))
                    continue
                idx = self._find(last=last, gender=gender, adult=True)
                if idx is None:
                    idx = self._find(first=last, gender=gender, adult=True)
                if idx is None:
                    idx = self._new(last=last, title=title, label=self.flat[start:end])
                self._attach(idx, start, end, title, gender, age, years)
            else:
                pending_single.append(i)
        # single words: a new person when the text shows one is meant, then every mention
        for i in pending_single:
            start, end, _title, tokens, age, _years = records[i]
            tok = tokens[0]
            known = self._find(first=tok) is not None or any(
                p.last == tok and not p.first for p in self.people
            )
            if not known and self._looks_like_person(start, end, age):
                self._new(first=tok, label=tok)
        for i in pending_single:
            start, end, title, tokens, age, years = records[i]
            tok = tokens[0]
            idx = self._find(first=tok)
            if idx is None:
                idx = next(
                    (j for j, p in enumerate(self.people) if p.last == tok and not p.first), None
                )
            if idx is None:
                if not self._looks_like_person(start, end, age):
                    continue
                idx = self._new(first=tok, label=tok)
            self._attach(idx, start, end, "", self._local_gender(start, end), age, years)
        self._surnames_in_capitals()

    def _surnames_in_capitals(self) -> None:
        """A surname written alone in capitals, as police notices do ("RASHID arrested")."""
        taken = [m for p in self.people for m in p.mentions]
        for i, p in enumerate(self.people):
            if not p.last or len(p.last) < 3:
                continue
            for m in re.finditer(rf"(?<![\w'’-]){re.escape(p.last.upper())}(?![\w-])", self.flat):
                if not any(m.start() < e and s0 < m.end() for s0, e in taken):
                    self._attach(i, m.start(), m.end(), "", "", None, None)

    def _looks_like_person(self, start: int, end: int, age: str | None) -> bool:
        if age:
            return True
        if self._role_right_before(start) or self._role_apposition(end):
            return True  # "his wife Maria", "M's ex (Ryan, F of Kai)"
        after = self.flat[end : end + 40]
        if self.cues.person_after.match(after) and not self.cues.org_after.match(after):
            # "Leeds has" is rare; a word at a sentence's start that is then a verb's subject
            return True
        if re.match(
            r"^['’]s\s+(?:\w+\s+)?(?:partner|boyfriend|husband|mother|mum|father|dad|"
            r"brother|sister|half-brother|half-sister|son|daughter|birth|paternal|"
            r"maternal|grand\w+|nan|school|teacher|nursery|account|words|wishes|"
            r"attendance|behaviour|bedroom|room)\b",
            after,
        ):
            return True
        before = self.flat[max(0, start - 40) : start]
        return bool(
            re.search(
                r"\b(?:saw|visited|met|spoke to|spoken to|told|asked|and|with|baby|son|"
                r"daughter|brother|sister|partner|boyfriend)\s+$",
                before,
            )
            and any(abs(a - start) < 80 for p in self.people for a, _ in p.mentions)
        )

    def _attach(
        self,
        idx: int,
        start: int,
        end: int,
        title: str,
        gender: str,
        age: str | None,
        years: float | None,
    ) -> None:
        p = self.people[idx]
        p.mentions.append((start, end))
        form = self.flat[start:end]
        if form not in p.forms:
            p.forms.append(form)
        if title and not p.title:
            p.title = title
        if gender and not p.gender:
            p.gender = gender
        if age and p.age is None:
            p.age, p.age_years = age, years
        if title in self.cues.professional_titles:
            # "DC Farrell" is police; "Dr Hollis" is most often the GP, but a family role wins
            p.vote("professional", 3 if title not in self.cues.titles else 2)
        self._professional_context(p, start, end)
        if len(form.split()) > len(p.label.split()) and not (p.title and not title):
            p.label = form

    def _professional_context(self, p: _Draft, start: int, end: int) -> None:
        """A name introduced by a professional's label ("Referrer: Dr Anjali Mehta"), in an
        agency's brackets ("probation (Stuart Ellery)") or in a meeting's list of those
        present (weak: a family role written beside the name wins)."""
        line_start = self.flat.rfind("\n", 0, start) + 1
        line_start = self.text.rfind("\n", 0, start) + 1
        before = self.text[line_start:start]
        if self.cues.professional_label.search(before):
            p.vote("professional", 2)
        elif re.search(
            rf"(?:{self.cues.agency.pattern})\s*\(\s*(?:[A-Z][\w-]*\s+)?$", before, re.IGNORECASE
        ) and re.match(r"^\s*[),]", self.flat[end : end + 3]):
            p.vote("professional", 2)
        elif self.cues.meeting_list.match(before):
            p.vote("professional", 1)

    # -- role words
    def read_roles(self) -> None:
        """Role words and descriptions: first those beside a name (they give that person a
        role), then the rest (they are that role's holder, or a described person)."""
        cues = self.cues
        found: list[tuple[int, int, str]] = []
        for role, pat in cues.roles:
            for m in pat.finditer(self.flat):
                found.append((m.start(), m.end(), role))
        for m in cues.abbreviation_re.finditer(self.text):
            found.append((m.start(), m.end(), cues.abbreviations[m.group(1)]))
        for m in _DESCRIBED_CHILD.finditer(self.flat):
            end = m.start() + len(m.group(0)) - len(m.group("age") or "")
            found.append((m.start(), end, "child:" + m.group("which").lower()))
        # longest first; a shorter match inside a longer one is the same words
        found.sort(key=lambda x: (-(x[1] - x[0]), x[0]))
        taken: list[tuple[int, int]] = []
        chosen: list[tuple[int, int, int, str]] = []
        names = [(s0, e0) for p in self.people for s0, e0 in p.mentions]
        for a, b, role in found:
            core = a + self._possessive_prefix(self.flat[a:b])
            if any(a < e and b > s0 for s0, e in taken):
                continue
            if any(core < e and b > s0 for s0, e in names):
                continue  # a role word inside a name ("Dr", "Dad" in a surname)
            taken.append((a, b))
            chosen.append((a, core, b, role))
        chosen.sort()
        bound = []
        for a, core, b, role in chosen:
            possessive = bool(re.match(r"['’]s\b", self.flat[b : b + 2]))
            named = None if possessive else self._named_near(core, b)
            if named is not None and not role.startswith("child:"):
                self._bind(named, a, core, b, role)
            else:
                bound.append((a, core, b, role))
        for a, core, b, role in bound:
            self._place_role(a, core, b, role)

    @staticmethod
    def _possessive_prefix(words: str) -> int:
        m = re.match(r"^(?:.*['’]s\s+|her\s+)", words, re.IGNORECASE)
        return m.end() if m else 0

    def _named_near(self, a: int, b: int) -> int | None:
        """A named person in apposition with the role words at [a, b)."""
        gap = re.match(r"^\s*(?:[,:(–—]\s*|-\s+)?(?:is\s+|was\s+)?", self.flat[b : b + 12])
        pos = b + (gap.end() if gap else 0)
        for i, p in enumerate(self.people):
            if not p.first and not p.last:
                continue
            for s0, e0 in p.mentions:
                if s0 == pos and not re.match(r"['’]s\b", self.flat[e0 : e0 + 2]):
                    return i
        before = self.flat[max(0, a - 40) : a]
        m = _APPOSITION_BEFORE.search(before)
        if m:
            end_at = a - len(m.group(0))
            words_gender = _words_gender(self.flat[a:b].lower())
            for i, p in enumerate(self.people):
                if not p.first and not p.last:
                    continue
                for s0, e in p.mentions:
                    if e != end_at:
                        continue
                    if "," in m.group(0) and self._role_right_before(s0):
                        return None  # "father Imran Hussain, paternal grandmother": a list
                    if words_gender and p.gender and words_gender != p.gender:
                        return None
                    return i
        return None

    def _role_right_before(self, start: int) -> bool:
        """Whether role words introduce the name at ``start`` ("father Imran Hussain")."""
        self._role_cores()
        gap = re.search(r"\s*[:(]?\s*$", self.flat[max(0, start - 6) : start])
        e = start - len(gap.group(0)) if gap else start
        return any(
            not re.search(r"\b(?:with|to|of)$", self.flat[c:e]) for c in self._role_ends.get(e, [])
        )

    def _possessor(self, core: int) -> int | None:
        """The named person whose relative this is ("Sophie's mother")."""
        m = re.search(r"(\S+?)['’]s\s+(?:\w+\s+)?$", self.flat[max(0, core - 30) : core])
        if not m:
            return None
        end = core - (min(core, 30) - m.end(1))
        for i, p in enumerate(self.people):
            for _s, e in p.mentions:
                if e == end:
                    return i
        return None

    def _adjust(self, a: int, core: int, role: str, b: int | None = None) -> str:
        """A role as seen from the child: the mother's mother is a grandparent, the father's
        sister an aunt (another adult), the father's partner his new partner, and a parent's
        son another child's sibling."""
        possessor = self._owner(a, core, b if b is not None else core, role)
        self._last_owner = possessor
        if possessor is None and role == "child" and re.search(
            r"\b(?:their|his|her|[\w-]+['’]s)\s+$", self.flat[max(0, core - 20) : core], re.I
        ):
            self._last_owner = -1  # "their son Tyler-James": someone's child, maybe a sibling
        if possessor is not None:
            owner = self.people[possessor]
            adult = (bool(owner.roles) and owner.role in FAMILY_ADULT_ROLES) or (
                owner.age_years is not None and owner.age_years >= 18
            )
            if owner.role in ("mother", "father", "stepfather", "partner", "new-partner"):
                if role in ("mother", "father") and not re.search(r"\bwife|husband", self.flat[core:b or core]):
                    return "grandparent"
                if role == "partner" and owner.role in ("father", "stepfather"):
                    return "new-partner"  # "Rhys now lives with his partner"
            if owner.role == "grandparent" and role in ("mother", "father"):
                return "grandparent"  # "Andreas Georgiou and his wife Maria"
            if role == "sibling" and adult:
                return "other-adult"  # "F staying with his brother"
            if role == "child":
                owner.parent_of += 1
            if role == "sibling" and not owner.roles and self._possessor(core) is not None:
                owner.vote("child", 1)  # "Ella's half-brother": Ella is a child too
        if role in ("mother", "father") and re.search(
            r"(?:maternal|paternal|\bmat|\bpat)\.?\s*$", self.flat[max(0, core - 12) : core], re.I
        ):
            return "grandparent"
        return role

    def _owner(self, a: int, core: int, b: int, role: str) -> int | None:
        """Whose relative the role words name: "Sophie's mother", "his sister" (the nearest
        person of that gender before), "baby of Senait Tesfaye"."""
        named = self._possessor(core)
        if named is not None:
            return named
        m = re.match(r"^\s+of\s+", self.flat[b : b + 6])
        if m and role == "child":
            at = b + m.end()
            for i, p in enumerate(self.people):
                if any(s0 == at for s0, _e in p.mentions):
                    return i
        pro = re.search(
            r"\b(his|her|their)\s+(?:[\w-]+\s+)?$", self.flat[max(0, a - 20) : core], re.I
        )
        if pro is None or pro.group(1).lower() == "their":
            return None
        want = "m" if pro.group(1).lower() == "his" else "f"
        at = core - (min(core, 20) - pro.start(1)) if core >= 20 else pro.start(1)
        # the sentence's subject first ("Amira (7) lives with her mum ... and her baby brother
        # Zayn"), else the nearest person of that gender before
        sentence = max(self.flat.rfind(". ", 0, at), self.text.rfind("\n", 0, at)) + 1
        best: tuple[int, int] | None = None
        first: tuple[int, int] | None = None
        for i, p in enumerate(self.people):
            g = p.gender or _role_gender(p.role if p.roles else "")
            if g and g != want:
                continue
            for s0, e in p.mentions:
                if e <= at and (best is None or e > best[0]) and at - e < 300:
                    best = (e, i)
                if sentence <= s0 and e <= at and (first is None or s0 < first[0]):
                    if not re.match(r"['’]s\b", self.flat[e : e + 2]):
                        first = (s0, i)
        if first is not None:
            return first[1]
        return best[1] if best else None

    def _sentence_at(self, pos: int) -> str:
        """The sentence around ``pos``, roughly (to the stops or line ends either side)."""
        a = max(self.flat.rfind(". ", 0, pos), self.text.rfind("\n", 0, pos)) + 1
        ends = [i for i in (self.flat.find(". ", pos), self.text.find("\n", pos)) if i >= 0]
        return self.flat[a : min(ends) if ends else len(self.flat)]

    def _earlier_child(self, a: int) -> bool:
        """Whether a child is named or described before ``a`` (the subject of the text)."""
        return any(
            (p.role in CHILD_ROLES or (p.age_years is not None and p.age_years < 18))
            and p.mentions
            and min(s0 for s0, _e in p.mentions) < a
            for p in self.people
        )

    def _add_mention(self, p: _Draft, a: int, b: int) -> None:
        p.mentions.append((a, b))
        words = self.flat[a:b]
        if words not in p.forms:
            p.forms.append(words)

    def _bind(self, idx: int, a: int, core: int, b: int, role: str) -> None:
        role = self._adjust(a, core, role, b)
        p = self.people[idx]
        p.vote(role, 3)
        self._relate(p, role)
        p.bound.add(self._key(role, self.flat[core:b]))
        self._add_mention(p, a, b)
        self._gender_from(p, self.flat[core:b].lower(), role)

    def _relate(self, p: _Draft, role: str) -> None:
        owner = self._last_owner
        self._last_owner = None
        if owner == -1:
            self.relations.append((p, None, role))
        elif owner is not None and self.people[owner] is not p:
            self.relations.append((p, self.people[owner], role))

    def resolve_relations(self) -> None:
        """Relatives seen from the child once the parents are known: the mother's mother is a
        grandparent, an adult's sister another adult, the father's partner his new partner,
        and a parent's son, written after the subject child, that child's sibling."""
        for p, owner, role in self.relations:
            if role not in p.roles:
                continue
            owner_adult = owner is not None and (
                (bool(owner.roles) and owner.role in FAMILY_ADULT_ROLES)
                or (owner.age_years is not None and owner.age_years >= 18)
            )
            owner_role = owner.role if owner is not None else ""
            new = role
            spouse = any(re.search(r"\b(?:wife|husband)\b", f, re.I) for f in p.forms)
            if role in ("mother", "father") and not spouse and owner_role in PARENT_ROLES:
                new = "grandparent"
            elif role == "sibling" and owner_adult:
                new = "other-adult"
            elif role == "partner" and owner_role in ("father", "stepfather"):
                new = "new-partner"
            elif role == "child" and p.mentions:
                first = min(s0 for s0, _e in p.mentions)
                if any(
                    q is not p
                    and q is not owner
                    and q.mentions
                    and (q.role in CHILD_ROLES or (q.age_years is not None and q.age_years < 18))
                    and min(s0 for s0, _e in q.mentions) < first
                    for q in self.people
                ):
                    new = "sibling"
            if new != role:
                p.vote(new, p.roles.pop(role))

    @staticmethod
    def _key(role: str, words: str) -> str:
        lower = re.sub(r"^(?:the|a|an|her|his|their)\s+", "", words.lower().strip())
        lower = PROFESSIONAL_SYNONYMS.get(lower, lower)
        if role == "child" and re.fullmatch(r"(?:unborn )?(?:baby|child)", lower):
            return "child:baby"  # "Unborn baby of Chloe", "the unborn baby", "the baby"
        if role in ("professional", "other-adult", "sibling", "child"):
            return role + ":" + lower
        if role == "grandparent":  # the maternal grandmother is not the paternal grandfather
            side, sex = _Reader._grand_kind(lower)
            return f"grandparent:{side}{sex or _words_gender(lower)}"
        return role

    def _place_role(self, a: int, core: int, b: int, role: str) -> None:
        words = self.flat[a:b]
        lower = self.flat[core:b].lower()
        if role.startswith("child:"):
            key = role
            role = "child"
        else:
            if role == "professional" and re.fullmatch(r"(?:the )?HV", words, re.IGNORECASE):
                after = self.flat[b : b + 20].lower()
                before = self.flat[max(0, a - 15) : a].lower()
                if (
                    re.match(
                        r"^\s*(?:today|on\b|at\b|completed|visit|to\b|\d|yesterday|done)", after
                    )
                    or re.search(r"(?:joint|announced|unannounced)\s+$", before)
                    or a == 0
                    or self.text[a - 1] == "\n"
                ):
                    return  # "HV today": a home visit
            if role == "partner" and re.search(
                r"(?:\ba|previous|former|ex-?)\s*$", self.flat[max(0, a - 12) : a], re.I
            ):
                # "a previous partner": an adult in the history, not in the household
                role, lower = "other-adult", "previous partner"
            else:
                role = self._adjust(a, core, role, b)
            key = self._key(role, self.flat[core:b])
            if (
                role == "child"
                and key != "child:baby"
                and any(p.first and p.role in CHILD_ROLES for p in self.people)
            ):
                return  # "her son" where the children are named: the names carry them
        for p in self.people:
            if key in p.bound or p.descriptor == key or self._holds(p, role, lower):
                if role == "new-partner":
                    p.vote("new-partner", 2)
                self._add_mention(p, a, b)
                return
        label = re.sub(r"^(?:the|a|an)\s+", "", words, flags=re.IGNORECASE)
        p = _Draft(label=label, descriptor=key)
        p.vote(role, 2)
        self._relate(p, role)
        self._add_mention(p, a, b)
        self._gender_from(p, lower, role)
        if key.startswith("child:"):
            m = re.match(
                r"^(?:,?\s*(?:is|aged)\s+(?:aged\s+)?|\s*\()(\d{1,2})"
                r"(?:[- ](years?|months?|weeks?))?",
                self.flat[b : b + 24],
            )
            if m:
                p.age, p.age_years = _age(m.group(1), m.group(2))
        self.people.append(p)

    def _holds(self, p: _Draft, role: str, lower: str) -> bool:
        """Whether an unnamed role word means this person (the one mother, the partner...)."""
        held = p.role
        if role in ("mother", "father", "stepfather"):
            return held == role or (role == "father" and held == "stepfather" and "step" in lower)
        if role in ("partner", "new-partner"):
            return held in ("partner", "new-partner")
        if role == "grandparent" and held == "grandparent":
            mine = self._grand_kind(lower)
            theirs = self._grand_kind(" ".join(p.forms).lower())
            return all(x == y or "" in (x, y) for x, y in zip(mine, theirs, strict=True))
        return False

    @staticmethod
    def _grand_kind(lower: str) -> tuple[str, str]:
        side = (
            "m"
            if re.search(r"\bmaternal|\bmat\b|^mg", lower)
            else "p"
            if re.search(r"\bpaternal|\bpat\b|^pg", lower)
            else ""
        )
        sex = (
            "f"
            if re.search(r"mother|\bma\b|\bnan|\bgran\b|granny|gm\b|mum|grandma", lower)
            else "m"
            if re.search(r"father|\bpa\b|dad|gf\b|grandpa", lower)
            else ""
        )
        return side, sex

    @staticmethod
    def _gender_from(p: _Draft, lower: str, role: str) -> None:
        if p.gender:
            return
        if role in FEMALE_ROLES or re.search(
            r"mother|mum|sister|daughter|grandma|nan|aunt|girl", lower
        ):
            p.gender = "f"
        elif (
            role in MALE_ROLES
            or re.search(
                r"father|dad|brother|son\b|grandad|uncle|boy|"
                r"husband|boyfriend",
                lower,
            )
            or role in ("partner", "new-partner")
        ):
            p.gender = "m"

    def resolve_deferred(self) -> None:
        """A title and surname shared by two adults, linked by the gender their roles give."""
        for start, end, title, gender, age, years, last in self.deferred:
            same = [
                i
                for i, p in enumerate(self.people)
                if p.last == last and (p.age_years is None or p.age_years >= 18)
            ]

            def sex(p: _Draft) -> str:
                if p.gender:
                    return p.gender
                if p.role in FEMALE_ROLES or p.role == "grandparent" and "mother" in p.forms:
                    return "f"
                return "m" if p.role in MALE_ROLES | {"partner", "new-partner"} else ""

            fits = [i for i in same if sex(self.people[i]) == gender] or [
                i for i in same if sex(self.people[i]) == ""
            ]
            if fits:
                self._attach(fits[0], start, end, title, gender, age, years)
            else:
                self._attach(
                    self._new(last=last, title=title, label=self.flat[start:end]),
                    start,
                    end,
                    title,
                    gender,
                    age,
                    years,
                )

    # -- merge and finish
    def finish_people(self) -> None:
        for p in self.people:
            if not p.roles and p.age_years is not None and p.age_years < 18:
                p.vote("child", 1)
        self._infer_gender()
        self._find_the_mother()
        self.resolve_relations()
        for p in self.people:  # "her partner Lee Gaskell moved in": a new partner
            if p.role == "partner" and any(
                self.cues.new_partner.search(self._sentence_at(s0)) for s0, _e in p.mentions
            ):
                p.vote("new-partner", p.roles.get("partner", 0))
        for p in self.people:
            if p.gender == "" and p.role in FEMALE_ROLES:
                p.gender = "f"
            if p.gender == "" and p.role in MALE_ROLES | {"partner", "new-partner"}:
                p.gender = "m"
        # a child with a sibling word is a sibling only when another child is the subject
        children = [p for p in self.people if p.role in CHILD_ROLES]
        if children and all(p.role == "sibling" for p in children):
            for p in children:
                p.roles.pop("sibling", None)
                p.vote("child", 1)
        for p in self.people:
            p.mentions = sorted(set(p.mentions))
        self.people = [p for p in self.people if p.mentions]
        self.mentions = sorted(
            (
                _Mention(s, e, i, possessive=bool(re.match(r"['’]s\b", self.flat[e : e + 2])))
                for i, p in enumerate(self.people)
                for s, e in p.mentions
            ),
            key=lambda m: m.start,
        )

    def _infer_gender(self) -> None:
        """For a name with no title or role: the pronoun that follows it ("Chantelle and her
        children", "Kieran said he")."""
        for p in self.people:
            if p.gender or not (p.first or p.last):
                continue
            votes = {"f": 0, "m": 0}
            for _s, e in p.mentions:
                after = self.flat[e : e + 48]
                strong = re.match(
                    r"^\s*(?:\(\d{1,2}\)\s*)?(?:,\s*)?(?:and|said|says|told \w+|who|explained|"
                    r"reported)\s+(?:that\s+)?(she|her|he|his)\b",
                    after,
                    re.IGNORECASE,
                )
                # "her" after a name is as often the object of its verb ("Mehmet has been
                # messaging her") as the person's own, so alone it does not count
                weak = strong or re.match(r"^[^.;]{0,40}?\b(she|he|his)\b", after, re.I)
                if weak and not any(
                    e < s2 < e + weak.start(1)
                    for q in self.people
                    for s2, _ in q.mentions
                    if q is not p
                ):
                    g = "f" if weak.group(1).lower() in ("she", "her") else "m"
                    votes[g] += 3 if strong else 1
            if votes["f"] != votes["m"]:
                p.gender = max(votes, key=lambda g: votes[g])

    def _find_the_mother(self) -> None:
        """Drafts often name a parent without the word. A named adult the text gives a child
        to ("Senait's daughter") is that child's parent. The one woman with no other role,
        where there are children, is the mother, and the one such man the father where the
        text also says "father", "dad" or "her husband" unnamed; those words are then him.
        Where no gender is known, the one adult with no role stands in."""
        for p in self.people:
            if p.parent_of and not p.roles and (p.age_years is None or p.age_years >= 18):
                p.vote("father" if p.gender == "m" else "mother", 2)
        children = [p for p in self.people if p.role in CHILD_ROLES]
        for role, sex in (("mother", "f"), ("father", "m")):
            if any(p.role == role and (p.first or p.last) for p in self.people):
                continue
            unnamed = [
                p
                for p in self.people
                if p.descriptor == role and not (p.first or p.last) and not p.bound
            ]
            if not (unnamed if role == "father" else children or unnamed):
                continue
            roleless = [
                p
                for p in self.people
                if (p.first or p.last)
                and not p.roles
                and (p.age_years is None or p.age_years >= 18)
            ]
            exact = [p for p in roleless if p.gender == sex]
            unknown = [p for p in roleless if not p.gender]
            pick = exact if exact else unknown
            if len(pick) != 1:
                continue
            parent = pick[0]
            parent.vote(role, 2)
            if not parent.gender:
                parent.gender = sex
            for u in unnamed:
                if self._own_child(u):
                    continue  # "Tyler's father": another child's father, maybe another man
                for s0, e0 in u.mentions:
                    self._add_mention(parent, s0, e0)
                u.mentions = []

    def _own_child(self, p: _Draft) -> bool:
        """Whether an unnamed parent is described as one named child's ("Tyler's father")."""
        return any(re.match(r"^[A-Z][\w-]+['’]s\s", f) for f in p.forms)


# ----------------------------------------------------------------------------- sentences


def _clauses(sentence: Sentence) -> list[tuple[int, int]]:
    cuts = [sentence.start]
    for m in _CLAUSE_BREAK.finditer(sentence.text):
        cuts.append(sentence.start + m.start())
    cuts.append(sentence.end)
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


#: A sentence in a list that starts with what happened, its subject on the line before it
#: ("- Marie Okafor, 38, mother. Seen at home on 5 March.").
_LINE_START_CUE = re.compile(
    r"\s*(?:not |never |also )?(?:seen|spoken|spoke|visited|met|interviewed|present|alone|pnc|"
    r"police|probation|checks?|disclosure|no checks|dvds|clare)\b",
    re.IGNORECASE,
)


@dataclass
class _Ref:
    pos: int
    person: int
    possessive: bool
    pronoun: bool = False


def _refs_by_sentence(reader: _Reader, sentences: list[Sentence]) -> list[list[_Ref]]:
    """Each sentence's references to people: names and descriptions, then he/she resolved.

    A "He"/"She" opening a sentence is the previous sentence's subject when the gender fits
    ("Oscar told Mrs Rao ... He was seen alone"); any other pronoun is the last person of that
    gender mentioned, else the last of unknown gender. Names inside quoted words ("'daddy
    hurt mummy'") are references but never what a later pronoun means."""
    out: list[list[_Ref]] = []
    last_at: dict[int, int] = {}
    prev_subject: int | None = None
    line_subject: int | None = None
    people = reader.people
    mi = 0
    mentions = reader.mentions

    def gender(i: int) -> str:
        return people[i].gender or _role_gender(people[i].role)

    for s in sentences:
        refs: list[_Ref] = []
        quoted = [(s.start + q.start(), s.start + q.end()) for q in _QUOTED.finditer(s.text)]
        while mi < len(mentions) and mentions[mi].start < s.start:
            mi += 1
        j = mi
        local: list[_Mention] = []
        while j < len(mentions) and mentions[j].start < s.end:
            local.append(mentions[j])
            j += 1
        events = [(m.start, "m", m) for m in local] + [
            (s.start + p.start(), "p", p) for p in _PRONOUN.finditer(s.text)
        ]
        events.sort(key=lambda e: e[0])
        subject: int | None = None
        for pos, kind, obj in events:
            inside = any(q0 < pos < q1 for q0, q1 in quoted)
            if kind == "m":
                m = obj
                refs.append(_Ref(pos, m.person, m.possessive))
                if not inside:
                    last_at[m.person] = pos
                    if subject is None and not m.possessive:
                        subject = m.person
                continue
            if inside:
                continue  # "'he hit mummy'": the child's words, not the note's
            word = obj.group(1).lower()
            g = "m" if word in ("he", "him", "his") else "f"
            cand: int | None = None
            opening = word in ("he", "she") and not s.text[: pos - s.start].strip()
            if opening and prev_subject is not None and gender(prev_subject) in ("", g):
                cand = prev_subject
            else:
                fits = [i for i in last_at if gender(i) == g]
                unknown = [i for i in last_at if gender(i) == ""]
                pool = fits or unknown
                if pool:
                    cand = max(pool, key=lambda i: last_at[i])
            if cand is not None:
                refs.append(_Ref(pos, cand, word in ("his", "her"), pronoun=True))
                if subject is None and word in ("he", "she"):
                    subject = cand
        prev_subject = subject if subject is not None else prev_subject
        gap = reader.text[sentences[len(out) - 1].end : s.start] if out else "\n"
        if "\n" in gap:
            own = [
                r
                for r in refs
                if not r.possessive
                and not r.pronoun
                and not reader.cues.not_check_target.search(reader.flat[max(0, r.pos - 16) : r.pos])
            ]
            line_subject = own[0].person if own else None
        elif (
            line_subject is not None
            and _LINE_START_CUE.match(s.text)
            and (not refs or refs[0].pos > s.start + 12)
        ):
            refs.insert(0, _Ref(s.start, line_subject, False, pronoun=True))
        out.append(refs)
    return out


#: Words in quotation marks (an apostrophe inside a word, as in "mummy's", does not end them).
_QUOTED = re.compile(r"(?<!\w)['‘](?:[^'’\n]|['’](?=\w))+['’](?!\w)|[\"“][^\"”\n]+[\"”]")


def _later(reader: _Reader, a: int, b: int) -> bool:
    pa = reader.people[a].mentions
    pb = reader.people[b].mentions
    return bool(pa and pb and pa[-1][0] > pb[-1][0])


_FUTURE = re.compile(
    r"\b(?:will|shall|should|must|needs? to|going to|to)\s+(?:be\s+)?(?:\w+\s+)?$", re.IGNORECASE
)


_SEEING_VERB = re.compile(
    r"(?:seen|see|spoken|spoke|speak|talked|talk|met|interviewed|visited)\b", re.IGNORECASE
)
#: A seen cue in its base form ("see", "speak to") says what is to happen, not what did.
_BASE_FORM = re.compile(r"(?:see|speak|meet)\b", re.IGNORECASE)
#: A denial that shows the person was there: the worker tried and could not see them alone.
_TRIED = re.compile(
    r"\b(?:could not|couldn't|unable to|not able to|not possible|declined to|refused to|"
    r"would not|wouldn't)\b(?:\s+\w+){0,4}\s*$",
    re.IGNORECASE,
)
#: Cues whose person stands before them ("M arrested, NFA – F would not ...").
_SUBJECT_BEFORE = re.compile(r"(?:(?:was|were) )?arrested\b", re.IGNORECASE)


def _cue_state(flat: str, clause_start: int, cue_start: int, negation: re.Pattern[str]) -> str:
    """"neg" for a cue that is denied ("could not see M alone"), "future" for one still to
    come ("worker to see"), "" for one that happened."""
    if negation.search(flat[max(clause_start, cue_start - 40) : cue_start]):
        return "neg"
    if _FUTURE.search(flat[max(clause_start, cue_start - 20) : cue_start]):
        return "future"
    return ""


def _negated(flat: str, clause_start: int, cue_start: int, negation: re.Pattern[str]) -> bool:
    """A cue that is denied ("has not been seen") or still to come ("worker to see")."""
    window = flat[max(clause_start, cue_start - 40) : cue_start]
    return bool(
        negation.search(window)
        or _FUTURE.search(flat[max(clause_start, cue_start - 20) : cue_start])
    )


def read_status(
    reader: _Reader,
    sentences: list[Sentence],
    refs: list[list[_Ref]],
    plan: frozenset[int] = frozenset(),
) -> None:
    """Seen, seen alone: each person takes the nearest seen or alone cue in their clause."""
    cues = reader.cues
    flat = reader.flat
    seen: dict[int, bool] = {}
    alone: dict[int, bool] = {}
    all_children = [i for i, p in enumerate(reader.people) if p.role in CHILD_ROLES]
    for n, (s, srefs) in enumerate(zip(sentences, refs, strict=True)):
        if n in plan:
            continue  # "see Hannah alone at the clinic" is still to happen
        for a, b in _clauses(s):
            part = flat[a:b]
            if cues.remote.search(part):
                continue  # by phone is not in person
            alone_cues = []
            covered: list[tuple[int, int]] = []
            seen_found = list(cues.seen.finditer(part))
            for m in cues.alone.finditer(part):
                covered.append((a + m.start(), a + m.end()))
                if not _SEEING_VERB.match(m.group(0)) and not any(
                    not _BASE_FORM.match(x.group(0)) for x in seen_found
                ):
                    continue  # "scared to leave him alone with the baby": no one was seen
                state = _cue_state(flat, a, a + m.start(), cues.negation)
                if state == "future" or (state == "" and _BASE_FORM.match(m.group(0))):
                    continue
                if state == "neg" and _TRIED.search(flat[max(a, a + m.start() - 40) : a + m.start()]):
                    state = "tried"  # "HV could not see M alone": M was there
                alone_cues.append((a + m.start(), a + m.end(), state))
            seen_cues = []
            for m in seen_found:
                ca, cb = a + m.start(), a + m.end()
                if any(ca >= s0 and cb <= e0 for s0, e0 in covered):
                    continue
                state = _cue_state(flat, a, ca, cues.negation)
                if state == "" and _BASE_FORM.match(m.group(0)):
                    continue  # "see M & children separately": a plan, not a visit
                seen_cues.append((ca, cb, state == ""))
            if not seen_cues and not alone_cues:
                continue
            people = [r for r in srefs if a <= r.pos < b and not r.possessive]
            for m in _CHILD_GROUP.finditer(part):
                people += [_Ref(a + m.start(), c, False) for c in all_children]
            for r in people:
                if cues.excluded_after.search(flat[max(a, r.pos - 30) : r.pos]):
                    continue
                usable = [
                    c for c in seen_cues if r.pos < c[0] or not _SUBJECT_BEFORE.match(flat[c[0] : c[1]])
                ]
                if usable:
                    ca, cb, pos = min(
                        usable, key=lambda c: min(abs(c[0] - r.pos), abs(c[1] - r.pos))
                    )
                    if pos:
                        seen[r.person] = True
                    else:
                        seen.setdefault(r.person, False)
                if alone_cues:
                    ca, cb, state = min(
                        alone_cues, key=lambda c: min(abs(c[0] - r.pos), abs(c[1] - r.pos))
                    )
                    if state == "":
                        alone[r.person] = True
                        seen[r.person] = True
                    else:
                        # "HV could not see M alone", "not seen alone": seen, but not alone
                        alone.setdefault(r.person, False)
                        if state == "tried" and not seen_cues:
                            seen[r.person] = True
    for i, p in enumerate(reader.people):
        p.seen = seen.get(i, False)
        p.alone = alone.get(i, False)


def read_harm(reader: _Reader, sentences: list[Sentence], refs: list[list[_Ref]]) -> set[int]:
    """The adult(s) whose behaviour the text describes as harmful: the nearest adult before
    each harm word scores most."""
    score: dict[int, float] = {}
    people = reader.people
    for s, srefs in zip(sentences, refs, strict=True):
        for m in reader.cues.harm.finditer(s.text):
            pos = s.start + m.start()
            before = [r for r in srefs if r.pos < pos and people[r.person].is_family()]
            if before:
                score[before[-1].person] = score.get(before[-1].person, 0) + 2
            for r in srefs:
                if people[r.person].is_family():
                    score[r.person] = score.get(r.person, 0) + 0.25
    if not score:
        return set()
    top = max(score.values())
    if top < 2:
        return set()
    return {i for i, v in score.items() if v >= 0.75 * top}


def read_checks(
    reader: _Reader,
    sentences: list[Sentence],
    refs: list[list[_Ref]],
    harm: set[int],
    plan_sentences: set[int],
) -> dict[int, list[str]]:
    """Checks made on each adult: an agency cue and a word that shows something came back,
    not a check still to be made ("requested", "outstanding", "no checks yet")."""
    cues = reader.cues
    flat = reader.flat
    people = reader.people
    done: dict[int, list[str]] = {}
    carry: list[int] = []
    carry_age = 9
    for n, (s, srefs) in enumerate(zip(sentences, refs, strict=True)):
        carry_age += 1
        found_here = False
        for a, b in _clauses(s):
            part = flat[a:b]
            kinds = [k for k, pat in cues.checks.items() if pat.search(part)]
            if not kinds:
                continue
            found_here = True
            family = [r for r in srefs if people[r.person].is_family() and not r.possessive]
            # the person named after "checks on", "re", "Police:" is the one checked
            named = [
                r.person
                for r in family
                if cues.check_target.search(flat[max(s.start, r.pos - 60) : r.pos])
            ] + _parents_named(part, people)
            if named:
                targets = named
            else:
                free = [r for r in family if not cues.not_check_target.search(
                    flat[max(s.start, r.pos - 16) : r.pos]
                ) and not re.match(r"^[\w' -]{0,12}\bas (?:the )?victim", flat[r.pos : r.pos + 30])]
                targets = [r.person for r in free if a <= r.pos < b]
                if not targets:
                    targets = [r.person for r in free]
                if not targets and carry and carry_age <= 2:
                    targets = list(carry)
                if len(set(targets)) > 1 and harm & set(targets):
                    targets = [t for t in targets if t in harm]
            targets = list(dict.fromkeys(targets))
            if not targets:
                continue
            carry, carry_age = targets, 0
            if n in plan_sentences or cues.check_pending.search(part):
                continue
            if not cues.check_done.search(part) and not re.search(
                r"^\W*[A-Za-z]+\s*(?:\([^)]{1,30}\)\s*)?[:–-]\s", part
            ):  # "GP (Dr Hollis): MGM seen 16/09 with a bruised forearm" reports a result
                continue
            for t in targets:
                for k in kinds:
                    if k not in done.setdefault(t, []):
                        done[t].append(k)
        if not found_here and s.text.rstrip().endswith(":") is False and carry_age > 1:
            carry = []
    return done


def _parents_named(part: str, people: list[_Draft]) -> list[int]:
    """"Police checks on both parents": the mother and the father."""
    if not re.search(r"\b(?:on|re|for)\s+(?:both|the)\s+parents\b", part, re.IGNORECASE):
        return []
    return [i for i, p in enumerate(people) if p.role in ("mother", "father", "stepfather")]


# ----------------------------------------------------------------------------- sections


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


# ----------------------------------------------------------------------------- chronology

_ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
]


def _span_words(days: int) -> str:
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''}"
    if days <= 91:
        weeks = round(days / 7)
        return f"{weeks} weeks"
    months = round(days / 30.4)
    return f"{months} months"


def read_chronology(
    text: str, sentences: list[Sentence], cues: Cues, hits: list[_DateHit]
) -> tuple[list[Event], list[Undated]]:
    events: list[Event] = []
    dated_sentences: set[int] = set()
    si = 0
    for h in hits:
        while si < len(sentences) and sentences[si].end <= h.start:
            si += 1
        if si >= len(sentences):
            break
        s = sentences[si]
        if h.kind == "relative" and h.date is None:
            continue  # "last week" with no date of its own to count from: undated
        dated_sentences.add(si)
        source = ""
        if cues.contact_words.search(s.text):
            firsts = [
                (m.start(), name)
                for name, pat in cues.contact_sources.items()
                for m in [pat.search(s.text)]
                if m
            ]
            if firsts:
                source = min(firsts)[1]
        events.append(
            Event(
                date=text[h.start : h.end],
                iso=_iso(h.date, h.precision),
                text=s.text,
                start=s.start,
                end=s.end,
                date_start=h.start,
                date_end=h.end,
                source=source,
            )
        )
    # in date order; a yearless date that found no anchor goes after the rest, by month/day
    hit_of = {(h.start, h.end): h for h in hits}

    def key(e: Event) -> tuple[int, str, int]:
        h = hit_of[(e.date_start, e.date_end)]
        if h.date is not None:
            return (0, h.date.isoformat(), e.date_start)
        return (1, f"{h.month or 0:02d}-{h.day or 0:02d}", e.date_start)

    events.sort(key=key)
    by_source: dict[str, list[Event]] = {}
    for e in events:
        if e.source and e.iso and len(e.iso) == 10:  # a contact has a day, not just a year
            group = by_source.setdefault(e.source, [])
            group.append(e)
            if len(group) > 1:
                first = hit_of[(group[0].date_start, group[0].date_end)].date
                this = hit_of[(e.date_start, e.date_end)].date
                if first and this:
                    days = (this - first).days
                    nth = _ORDINALS[len(group) - 1] if len(group) <= 10 else f"{len(group)}th"
                    e.note = f"{nth} {e.source} contact in {_span_words(days)}"
    undated = [
        Undated(s.text, s.start, s.end)
        for n, s in enumerate(sentences)
        if n not in dated_sentences
        and cues.event_words.search(s.text)
        and not re.search(r"\b(?:will|to be|plan|should|would|could|may)\b", s.text, re.I)
        and len(s.text.split()) >= 4
    ]
    return events, undated


# ----------------------------------------------------------------------------- the whole


def _display_name(p: _Draft) -> str:
    for form in p.forms:
        if len(form.split()) >= 2 and re.match(
            rf"^(?:[A-Z][a-z]+\.?\s+)?{_TOKEN}\s+{_TOKEN}", form
        ):
            return form
    return p.label or (p.forms[0] if p.forms else "someone")


def extract_case(text: str, cues: Cues | None = None) -> CaseFile:
    """The people, the chronology and whose account, from a draft's text alone.

    Never raises on odd text: a draft with no names or no dates gives empty lists and a note.
    """
    if not isinstance(text, str) or not text.strip():
        return CaseFile()
    cues = cues or load_cues()
    sentences = split_sentences(text)
    reader = _Reader(text, cues)
    reader.read_names()
    reader.read_roles()
    reader.resolve_deferred()
    reader.finish_people()
    refs = _refs_by_sentence(reader, sentences)
    harm = read_harm(reader, sentences, refs)
    scope, has_sections = sections(text, sentences, cues)
    plan = {
        n
        for n in scope
        if re.match(
            r"\s*(?:plan|actions?|agreed|next steps|recommendations?)\b",
            _section_name(sentences, n),
            re.IGNORECASE,
        )
    } | {
        n
        for n, s in enumerate(sentences)
        if re.match(
            r"\s*(?:plan|actions?|agreed|next steps|to do|what (?:I|we) will do)\s*[:\-–]",
            s.text,
            re.I,
        )
    }
    read_status(reader, sentences, refs, frozenset(plan))
    checks = read_checks(reader, sentences, refs, harm, plan)
    hits = find_dates(reader.flat)
    note = resolve_dates(text, hits)
    chronology, undated = read_chronology(text, sentences, cues, hits)
    account_scope = scope if has_sections else set(range(len(sentences)))
    accounts = read_accounts(reader, sentences, refs, account_scope)

    people: list[Person] = []
    for i, p in enumerate(reader.people):
        forms = list(dict.fromkeys(p.forms))
        name = _display_name(p)
        person = Person(
            name=name,
            role=p.role,
            age=p.age if p.role in CHILD_ROLES or p.age else None,
            seen=p.seen,
            seen_alone=p.alone,
            checks=[c for c in CHECKS if c in checks.get(i, [])],
            evidence=[Span(s, e) for s, e in sorted(set(p.mentions))],
            aliases=[f for f in forms if f != name],
            causing_harm=i in harm,
        )
        people.append(person)
    people.sort(key=_person_order)
    return CaseFile(
        people=people,
        chronology=chronology,
        undated=undated,
        accounts=accounts,
        note_date=note.isoformat() if note else None,
    )


def _section_name(sentences: list[Sentence], n: int) -> str:
    """The heading or label the sentence sits under (for telling the plan from the analysis)."""
    for s in reversed(sentences[: n + 1]):
        line = s.text.strip()
        if re.match(r"^[A-Za-z' ]{3,40}[:\-–]", line) or (
            len(line) < 40 and not line.endswith(".")
        ):
            return line
    return ""


def _person_order(p: Person) -> tuple[int, int, int]:
    """The adult causing harm and any adult not seen or not checked first, then the rest."""
    first = p.evidence[0].start if p.evidence else 0
    if p.is_family_adult:
        if p.causing_harm:
            return (0, 0, first)
        if not p.seen or not p.checks:
            return (1, 0, first)
        return (2, 0, first)
    if p.role in CHILD_ROLES:
        return (3, 0, first)
    return (4, 0, first)


# ----------------------------------------------------------------------------- corrections


def correct_role(case: CaseFile, index: int, role: str) -> CaseFile:
    """The practitioner's role for one person (held for the session by the app)."""
    if role not in ROLES:
        raise CurioError(f"{role!r} is not a role: use one of {', '.join(ROLES)}.")
    if not 0 <= index < len(case.people):
        raise CurioError("That person is no longer in the table; review the draft again.")
    case.people[index].role = role
    return case


def merge_people(case: CaseFile, keep: int, other: int) -> CaseFile:
    """Two mentions of one person made one: names, evidence, status and checks combined."""
    n = len(case.people)
    if not (0 <= keep < n and 0 <= other < n) or keep == other:
        raise CurioError("Choose two different people to merge.")
    a, b = case.people[keep], case.people[other]
    a.aliases = list(dict.fromkeys(a.aliases + [b.name] + b.aliases))
    a.evidence = sorted(set(a.evidence) | set(b.evidence), key=lambda s: (s.start, s.end))
    a.seen = a.seen or b.seen
    a.seen_alone = a.seen_alone or b.seen_alone
    a.checks = [c for c in CHECKS if c in a.checks or c in b.checks]
    a.causing_harm = a.causing_harm or b.causing_harm
    a.age = a.age or b.age
    del case.people[other]
    return case


# ----------------------------------------------------------------------------- plain text

ROLE_WORDS = {"new-partner": "new partner", "other-adult": "other adult"}
CHECK_WORDS = {
    "disclosure-scheme": "disclosure scheme",
    "previous-authority": "previous authority",
}
SOURCE_WORDS = {
    "parent": "a parent's own account",
    "professional": "a professional's observation",
    "agency": "an agency's check",
    "child": "the child's own words",
}


def role_words(role: str) -> str:
    return ROLE_WORDS.get(role, role)


def check_words(checks: Iterable[str]) -> str:
    return ", ".join(CHECK_WORDS.get(c, c) for c in checks) or "none recorded"


def _short(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render_case(case: CaseFile) -> str:
    """The case at a glance for the terminal, printed after the flags."""
    lines = ["The case at a glance (read from the draft; check it against the record):", ""]
    lines.append(
        "People in the child's life (the adult causing harm and unseen or unchecked adults first):"
    )
    if not case.people:
        lines.append(f"  {NO_PEOPLE}")
    for p in case.people:
        bits = [role_words(p.role)]
        if p.age:
            bits.append(f"age {p.age}")
        if p.role not in CHILD_ROLES and p.role != "professional":
            bits.append(f"seen: {'yes' if p.seen else 'no'}")
            bits.append(f"seen alone: {'yes' if p.seen_alone else 'no'}")
            bits.append(f"checks: {check_words(p.checks)}")
            if p.missing_checks:
                bits.append(f"not recorded: {check_words(p.missing_checks)}")
        elif p.role in CHILD_ROLES:
            bits.append(f"seen: {'yes' if p.seen else 'no'}")
            bits.append(f"seen alone: {'yes' if p.seen_alone else 'no'}")
        harm = " [the adult whose behaviour is the concern]" if p.causing_harm else ""
        lines.append(f"  - {p.name} — {'; '.join(bits)}{harm}")
    lines += ["", "Chronology (date order):"]
    if not case.chronology:
        lines.append(f"  {NO_DATES}")
    for e in case.chronology:
        when = e.iso or "year not known"
        note = f" ({e.note})" if e.note else ""
        lines.append(f"  - {when}  [{e.date}]  {_short(e.text)}{note}")
    if case.undated:
        lines += ["", "Events with no date (listed apart, not guessed):"]
        lines += [f"  - {_short(u.text)}" for u in case.undated]
    if case.accounts:
        lines += ["", "Whose account (analysis and plan):"]
        for a in case.accounts:
            mark = "  ← a conclusion resting only on a parent's account" if a.parent_only else ""
            lines.append(f"  - {a.source}: {_short(a.text, 140)}{mark}")
    return "\n".join(lines)
