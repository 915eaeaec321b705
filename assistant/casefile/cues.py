"""The cue words from prompts/casefile.yaml, compiled and checked at start-up."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from assistant.casefile.draft import _TOKEN
from assistant.casefile.model import CHECKS, ROLES
from assistant.errors import CurioError
from assistant.not_names import load_not_names

DEFAULT_CUES = Path(__file__).resolve().parents[2] / "prompts" / "casefile.yaml"


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
    police_record_stated: re.Pattern[str]
    stated_as_account: re.Pattern[str]
    unverified: re.Pattern[str]
    not_check_target: re.Pattern[str]
    check_pending: re.Pattern[str]
    check_nil: re.Pattern[str]
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
    #: Each kind of check's agencies named alone ("GP", "probation", "Lambeth children's
    #: services"), with or without an answer: a feature for the learned status reader.
    agency_kinds: dict[str, re.Pattern[str]] = field(default_factory=dict)
    #: A letter's opening that shows it answers a request for information: an agency's reply.
    letter_reply: re.Pattern[str] = re.compile(r"(?!)")
    #: The sender of a message who asks, not answers: the social worker's own service.
    letter_asker: re.Pattern[str] = re.compile(r"(?!)")
    #: Coming in person to where a professional is ("arrived", "came to the door"): seen.
    presence: re.Pattern[str] = re.compile(r"(?!)")
    #: An injury seen on someone, right after their name ("had red marks to her neck").
    injury: re.Pattern[str] = re.compile(r"(?!)")
    #: Right after a name, the name the person goes by: "(known as Kez)", ', called Daz,' or a
    #: quoted name in brackets; the nickname is the one group that matched.
    nickname: re.Pattern[str] = re.compile(r"(?!)")
    #: A child not yet born, written as such ("unborn baby", "the unborn child"): a person of
    #: their own, never the description of the named child listed before.
    unborn: re.Pattern[str] = re.compile(r"(?!)")
    #: Days of the year known by name ("Boxing Day", "Easter"), each alternative a group
    #: whose name keys ``named_day_dates``.
    named_days: re.Pattern[str] = re.compile(r"(?!)")
    #: Group name -> "MM-DD" or "easter+N", with "/month" where as coarse as its month.
    named_day_dates: dict[str, str] = field(default_factory=dict)
    #: After an ordinal, the nouns it counts rather than dates ("the 3rd floor").
    ordinal_nouns: re.Pattern[str] = re.compile(r"(?!)")
    #: When the learned role classifier may decide (``role_thresholds``: ROLE_THRESHOLDS).
    role_thresholds: dict[str, float] = field(default_factory=dict)
    #: When the learned status readers overrule the rules (``status_thresholds``).
    status_thresholds: dict[str, float] = field(default_factory=dict)
    #: Single capitals never taken for one person's initial unless the note defines them
    #: beside a name (``not_initials``: a note's "C" is the child; "A" and "I" are words).
    not_initials: frozenset[str] = frozenset()
    #: A police form's line about the victim or the suspect ("Victim:", "Subject (suspect):",
    #: "IP:", "S1"), where an M or F right after the name is their sex, not mother or father.
    sex_marker_line: re.Pattern[str] = re.compile(r"(?!)")
    #: Place words that are also surnames ("Lane", "Green"): a name ending in one is a person
    #: only when the text says so beside it (``surname_place_words``).
    surname_place: re.Pattern[str] = re.compile(r"(?!)")


REQUIRED_KEYS = (
    "roles",
    "role_abbreviations",
    "titles",
    "professional_titles",
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
    "police_record_stated",
    "stated_as_account",
    "unverified",
    "not_check_target_after",
    "check_pending",
    "check_agencies",
    "check_answers",
    "check_nil_result",
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
    "letter_reply",
    "letter_asker",
    "presence_cues",
    "injury_cues",
    "named_days",
    "ordinal_nouns",
    "nickname_cues",
    "unborn_cues",
    "sex_marker_lines",
    "surname_place_words",
)
#: The learned role classifier's thresholds in ``role_thresholds``, each from 0 to 1.
ROLE_THRESHOLDS = (
    "min_probability",
    "min_margin",
    "min_probability_professional",
    "min_probability_grandparent",
    "word_min_probability",
    "word_min_margin",
    "context_min_probability",
    "context_min_margin",
    "not_a_person",
)
#: The learned status readers' thresholds in ``status_thresholds``, each from 0 to 1.
STATUS_THRESHOLDS = ("keep", "add", "drop_seen")
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


def _line_opening(value: Any, where: str) -> re.Pattern[str]:
    """How a line opens (after any bullet or bracket), in any case."""
    try:
        return re.compile(rf"^\W*(?:{_alternatives(value, where)})(?![\w-])", re.IGNORECASE)
    except re.error as exc:
        raise CurioError(f"prompts/casefile.yaml: {where} is not a valid pattern ({exc}).") from exc


def _alternatives(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return "|".join(f"(?:{x})" for x in value)
    raise CurioError(f"prompts/casefile.yaml: {where} must be a pattern or a list of patterns.")


def _check_patterns(data: dict[str, Any], p: Path) -> dict[str, re.Pattern[str]]:
    """Each check's pattern: its own phrases, or one of its agencies followed by a label mark
    or an answer word (the table in check_agencies, read with check_answers)."""
    for key in ("checks", "check_agencies"):
        if not isinstance(data[key], dict):
            raise CurioError(f"{p}: {key} must map each check to patterns.")
    answers = _alternatives(data["check_answers"], "check_answers")
    # agencies joined before one answer share it: "Police and probation checks on Mr Sinclair
    # are complete", "PNC, probation and GP checks returned"
    any_agency = "|".join(
        f"(?:{_alternatives(v, f'check_agencies.{k}')})" for k, v in data["check_agencies"].items()
    )
    joined = rf"(?:(?:\s*[,/&]\s*|,?\s+and\s+)(?:{any_agency})(?:\s*\([^)]{{1,30}}\))?)*"
    out: dict[str, re.Pattern[str]] = {}
    for name in dict.fromkeys([*data["checks"], *data["check_agencies"]]):
        if name not in CHECKS:
            raise CurioError(f"{p}: checks has {name!r}, not one of {', '.join(CHECKS)}.")
        parts = []
        if name in data["checks"]:
            parts.append(_alternatives(data["checks"][name], f"checks.{name}"))
        if name in data["check_agencies"]:
            agency = _alternatives(data["check_agencies"][name], f"check_agencies.{name}")
            parts.append(
                rf"(?:{agency})(?:\s*\([^)]{{1,30}}\))?{joined}"
                rf"(?:\s*[:–-](?=\s)|\s+(?:\w+\s+)?(?:{answers})(?![\w-]))"
            )
        out[name] = _words("|".join(f"(?:{x})" for x in parts), f"checks.{name}")
    return out


def _named_days(value: Any, p: Path) -> tuple[re.Pattern[str], dict[str, str]]:
    """Days known by name, each alternative a named group so a hit says which day it is."""
    if not isinstance(value, dict):
        raise CurioError(f"{p}: named_days must map each pattern to MM-DD or easter+N.")
    dates: dict[str, str] = {}
    parts = []
    for i, (pattern, when) in enumerate(value.items()):
        if not re.fullmatch(r"(?:\d\d-\d\d|easter(?:[+-]\d+)?)(?:/month)?", str(when)):
            raise CurioError(f"{p}: named_days {pattern!r} needs MM-DD or easter+N, not {when!r}.")
        dates[f"n{i}"] = str(when)
        parts.append(f"(?P<n{i}>{pattern})")
    parts.sort(key=lambda x: -len(x))  # longest first, so "Christmas Day" beats "Christmas"
    try:
        pattern_ = re.compile(rf"(?<![\w'’])(?:{'|'.join(parts) or '(?!)'})(?![\w'’])", re.I)
    except re.error as exc:
        raise CurioError(f"{p}: named_days is not a valid pattern ({exc}).") from exc
    return pattern_, dates


def _nickname(words: str, p: Path) -> re.Pattern[str]:
    """The name a person goes by, right after their name: in brackets, quoted or after one of
    the cue words ("(known as Kez)", "(called Daz by the children)"), or after a comma and a
    cue word (", known as Kez,"). The nickname must end the brackets or the clause, or be
    followed by who uses it ("by the children"): "Sarah, called Dean and asked him to leave"
    is a phone call, not a nickname."""
    quoted = rf"['‘\"“](?P<q>{_TOKEN})['’\"”]"
    cued = rf"(?i:{words})\s+(?:['‘\"“](?P<c>{_TOKEN})['’\"”]|(?P<b>{_TOKEN})(?![\w-]))"
    by = r"(?:\s+by\b[^()\n]{0,40})?"
    try:
        return re.compile(
            rf"[ \t]*(?:\(\s*(?:{quoted}|{cued}{by})\s*\)"
            rf"|,[ \t]*(?i:{words})\s+(?:['‘\"“](?P<d>{_TOKEN})['’\"”]|(?P<e>{_TOKEN})(?![\w-]))"
            rf"(?={by}\s*(?:[,;.)]|$)))",
            re.MULTILINE,
        )
    except re.error as exc:
        raise CurioError(f"{p}: nickname_cues is not a valid pattern ({exc}).") from exc


def _thresholds(
    value: Any, p: Path, name: str = "role_thresholds", keys: tuple[str, ...] = ROLE_THRESHOLDS
) -> dict[str, float]:
    """Each threshold of a learned reader: a number from 0 to 1."""
    value = value if isinstance(value, dict) else {}
    out: dict[str, float] = {}
    for key in keys:
        x = value.get(key)
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 <= x <= 1:
            raise CurioError(f"{p}: {name}.{key} must be a number from 0 to 1.")
        out[key] = float(x)
    return out


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
    checks = _check_patterns(data, p)
    sources = {
        str(k): _words(_alternatives(v, f"contact_sources.{k}"), f"contact_sources.{k}")
        for k, v in (data["contact_sources"] or {}).items()
    }
    not_names = load_not_names("case_file", p.parent)  # prompts/not_names.yaml, beside this file

    def w(key: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
        return _words(_alternatives(data[key], key), key, flags)

    named_days, named_day_dates = _named_days(data["named_days"], p)
    try:
        ordinal_nouns = re.compile(
            rf"\s+(?:{_alternatives(data['ordinal_nouns'], 'ordinal_nouns')})\b", re.I
        )
    except re.error as exc:
        raise CurioError(f"{p}: ordinal_nouns is not a valid pattern ({exc}).") from exc
    titles = tuple(str(t) for t in data["titles"])
    prof_titles = tuple(str(t) for t in data["professional_titles"])
    try:
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
                r"(?:^|[.;|–]\s*|[)\t]\s*|\S\s{2,})(?:"  # a line's first field, or one after
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
            police_record_stated=w("police_record_stated"),
            stated_as_account=re.compile(
                _alternatives(data["stated_as_account"], "stated_as_account"), re.I
            ),
            unverified=w("unverified"),
            check_target=re.compile(
                r"(?:" + _alternatives(data["check_target_before"], "check_target_before") + r")"
                r"\s*(?:(?:both|the|his|her|their)\s+)?$",
                re.IGNORECASE,
            ),
            not_check_target=re.compile(
                r"\b(?:"
                + _alternatives(data["not_check_target_after"], "not_check_target_after")
                + r")\s+(?:(?:his|her|their|the|a|an|previous|former|ex)\s+){0,2}$",
                re.IGNORECASE,
            ),
            check_pending=w("check_pending"),
            check_nil=w("check_nil_result"),
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
            letter_reply=w("letter_reply"),
            letter_asker=w("letter_asker", 0),
            presence=w("presence_cues"),
            injury=w("injury_cues"),
            nickname=_nickname(_alternatives(data["nickname_cues"], "nickname_cues"), p),
            unborn=_words(_alternatives(data["unborn_cues"], "unborn_cues"), "unborn_cues"),
            named_days=named_days,
            named_day_dates=named_day_dates,
            ordinal_nouns=ordinal_nouns,
            role_thresholds=_thresholds(data.get("role_thresholds"), p),
            status_thresholds=_thresholds(
                data.get("status_thresholds"), p, "status_thresholds", STATUS_THRESHOLDS
            ),
            not_initials=_capitals(data.get("not_initials"), p),
            sex_marker_line=_line_opening(data["sex_marker_lines"], "sex_marker_lines"),
            surname_place=re.compile(
                r"(?:" + _alternatives(data["surname_place_words"], "surname_place_words") + r")",
                re.IGNORECASE,
            ),
            agency_kinds={
                str(k): _words(_alternatives(v, f"check_agencies.{k}"), f"check_agencies.{k}")
                for k, v in data["check_agencies"].items()
            },
        )
    except re.error as exc:  # a pattern built in place above, not checked key by key
        pattern = str(exc.pattern)[:60] if exc.pattern is not None else ""
        raise CurioError(f"{p}: a pattern does not compile ({exc}) in {pattern!r}.") from exc


def _capitals(value: Any, p: Path) -> frozenset[str]:
    """``not_initials``: a list of codes of one or two capital letters (checked, so a typo
    is caught at start-up rather than read as no one's initials)."""
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(
        isinstance(v, str) and re.fullmatch(r"[A-Z]{1,2}", v) for v in value
    ):
        raise CurioError(f"{p}: not_initials must be a list of codes of one or two capitals.")
    return frozenset(value)
