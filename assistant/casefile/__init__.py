"""The case at a glance: who is in the child's life, what happened when, and whose account.

A supervisor reading a draft wants to see in seconds who has not been seen or checked, the
events in date order, and which conclusions rest on a parent's word alone. This package reads
those from the draft's text alone (a pure function: no model, no index, nothing written), so
it can run beside any review engine and later move into the engine's case model.

How it reads, in order: names become people (``names``); role words are bound to the name
beside them or stand for a person of their own, seen from the child (``roles``); parents and
relatives are settled and pronouns resolved (``people``); seen, seen alone and checks are
given to the person each clause is about (``status``); dates are resolved from the note's own
date into a chronology (``dates``); statements are tagged by whose account they rest on
(``accounts``). The cue words are data (``prompts/casefile.yaml``, ``cues``), loaded and
checked at start-up. Everything is best effort and says so: the practitioner corrects roles
and merges people in the app.
"""

from assistant.casefile.cues import DEFAULT_CUES, REQUIRED_KEYS, Cues, load_cues
from assistant.casefile.dates import find_dates, read_chronology, resolve_dates
from assistant.casefile.extract import (
    CHECK_WORDS,
    ROLE_WORDS,
    SOURCE_WORDS,
    case_for_review,
    check_words,
    correct_role,
    extract_case,
    merge_people,
    render_case,
    role_words,
)
from assistant.casefile.model import (
    CHECKS,
    CHILD_ROLES,
    FAMILY_ADULT_ROLES,
    KEY_CHECKS,
    NO_DATES,
    NO_PEOPLE,
    NOT_A_FAMILY,
    ROLE_RANK,
    ROLES,
    SOURCES,
    Account,
    CaseFile,
    Event,
    Person,
    Span,
    Undated,
)

__all__ = [
    "CHECKS",
    "CHECK_WORDS",
    "CHILD_ROLES",
    "DEFAULT_CUES",
    "FAMILY_ADULT_ROLES",
    "KEY_CHECKS",
    "NO_DATES",
    "NO_PEOPLE",
    "NOT_A_FAMILY",
    "REQUIRED_KEYS",
    "ROLES",
    "ROLE_RANK",
    "ROLE_WORDS",
    "SOURCES",
    "SOURCE_WORDS",
    "Account",
    "CaseFile",
    "Cues",
    "Event",
    "Person",
    "Span",
    "Undated",
    "case_for_review",
    "check_words",
    "correct_role",
    "extract_case",
    "find_dates",
    "load_cues",
    "merge_people",
    "read_chronology",
    "render_case",
    "resolve_dates",
    "role_words",
]
