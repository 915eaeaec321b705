"""The curiosity review: which of the fifteen lenses a draft falls short on, and why.

The method is meant to be explained to a practitioner flag by flag:

1. The text is checked (not empty, not too long, looks like English prose, looks like case
   material about a particular child or family: a bulletin or agenda that speaks of
   "fathers" and "practitioners" in general is not). If not, the result carries a message
   and no flags.
2. The text is split into sentences with character offsets; every sentence is embedded once.
3. For each lens, each sentence is tested for the *shortfall* ("present") and for *coverage*:
   - rules: the catalogue's regular expressions (e.g. "engaged well", "has insight",
     "will not let him in", "no longer lives ... so the risk is reduced"); a coverage phrase
     preceded by a negation ("no chronology", "not seen alone") does not count as coverage;
   - meaning: a small logistic-regression classifier over sentence embeddings, trained on the
     catalogue's exemplars plus ``prompts/labelled_sentences.jsonl``, and the cosine
     similarity to the nearest exemplar. Both must agree before a sentence counts without a rule.
   - the classifier may overrule a rule in the rule's own sentence when it is more confident of
     the other side: "low mood; her GP has started treatment" is not a shortfall, and a
     coverage word used to fall short ("consent was talked about") is not coverage. A
     shortfall phrase the plan turns round ("the plan does not ask her to keep him away")
     does not count.
4. A lens is raised as **present** when shortfall sentences exist and the text does not also
   cover the ground (a rule hit, or a meaning-only hit with probability >= ``strong_present``,
   is excused only by coverage in its own or the next sentence; a weaker meaning-only hit by
   coverage anywhere); it is raised as **absent** when the lens is relevant (its gates hold: e.g.
   a baby or pregnancy for the infant lens, a child of 10 or over with exploitation signs for
   exploitation), nothing covers it, and no shortfall sentence was found. Good practice written
   in other words also counts against an absent flag: a sentence close in meaning to a covered
   example (cosine >= ``similarity_soft``) with some classifier support (``soft_covered``),
   unless it is only a parent's word or promise ("she says she will keep to the bail
   conditions"). A coverage rule needs some classifier support in its sentence
   (``rule_covered_floor``): "police attended" names an agency but is not yet a check.
   A **thorough** text (coverage found for ``thorough`` or more lenses) raises no absent flags,
   and a shortfall found on meaning alone must be very probable (``thorough_present``) there:
   what Curio looks for in one set of words is likely there in others.
5. Each flag gets the catalogue's questions (names filled in where found) and citations from
   the retriever, preferring passages tagged with the lens. Flags are ordered most serious
   first (the lens's severity, present before absent, then confidence).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.lenses import Catalogue, Lens, expand_child
from assistant.types import Citation, Evidence, Flag, Hit, ReviewResult

NOT_CASE_MATERIAL = "this does not look like case material, so no lenses were checked"
EMPTY_TEXT = "there is no text to review: paste or upload a draft assessment, plan or case note"
NOT_TEXT = "this does not look like text (it may be a binary file), so no lenses were checked"
NOT_ENGLISH = (
    "this does not look like English, and Curio's lenses only work on English text, "
    "so no lenses were checked"
)
#: Longer texts are refused, not truncated: a silently truncated review would read as complete.
DEFAULT_MAX_CHARS = 200_000


class SupportsEncode(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class SupportsSearch(Protocol):
    def search(self, query: str, k: int = 5, prefer_lens: str | None = None) -> list[Hit]: ...


# --- relevance gates ------------------------------------------------------------------------

_AGE_PATTERNS = (
    re.compile(r"\b(?:aged|age)\s+(\d{1,2})\b(?!\s*(?:months?|weeks?))", re.I),
    re.compile(r"\b(\d{1,2})[- ]years?[- ]old\b", re.I),
    re.compile(r"\b[A-Z][a-z]+\s*\((\d{1,2})\)"),
    re.compile(r"\b[A-Z][a-z]+,\s*(\d{1,2})\b(?![,.]?\d)(?!\s*(?:weeks?|months?|years? ago))"),
    re.compile(r"\b[A-Z][a-z]+ (?:is|was) (?:now )?(\d{1,2})\b(?!\s*(?:weeks?|months?))"),
    re.compile(r"\((\d{1,2})\s*(?:years?|yrs?)\)", re.I),
)

_GATE_WORDS: dict[str, tuple[str, ...]] = {
    "child": (
        r"child|children|son|daughter|bab(y|ies)|unborn|infant|toddler|boy",
        r"girl|young (person|people)",
        r"pupil|siblings?|kids?|newborn|step(son|daughter)|teenager|nursery|school|pregnan\w*",
        r"aged \d|\d+[- ]years?[- ]old|\d{1,2} (weeks|months)(?=\))|[A-Z][a-z]+ \(\d{1,2}",
    ),
    "infant": (
        r"pregnan\w*|unborn|bab(y|ies)|newborn|infant|toddler|due date|expecting",
        r"\d{1,2}[- ](weeks?|months?)[- ]old|aged \d{1,2} (weeks|months)",
        r"\d{1,2} (weeks|months)(?=\))",
        r"[0-2][- ]years?[- ]old|aged [0-2]\b|[A-Z][a-z]+ \([0-2]",
    ),
    "domestic_abuse": (
        r"domestic (abuse|violence)|assault\w*|hit|hitting|punch\w*|slap\w*|kick\w*|strangl\w*",
        r"chok\w*|push(ed)?|shov\w*|coerci\w*|controlling|threat\w*|violen\w*|abus\w*|argument\w*",
        r"row|rows|incidents?|injur\w*|bruis\w*|MARAC|DASH|call-?outs?|PPN",
        r"police (were |was )?(called|attended|notification)|officers attended",
        r"non-molestation|shout\w*|scream\w*|grabb\w*|grab|threw|throw\w*|smash\w*|pinned",
        r"by the hair|violent|frightened of (him|her)|scared of (him|her)|restraining order",
        r"hurt|broke|broken|breaking|jaw|nose|black eye|cut lip|let him (in|back)",
        r"keep him (out|away)|prison|served|served time|convicted|conviction",
    ),
    "separation": (
        r"left the (family )?(home|house|address)|moved out",
        r"no longer (lives|living|resides|resident)",
        r"separat(ed|ion|ing|e)|split up|relationship (is|has) (now )?(over|ended)",
        r"ended the relationship",
        r"out of the picture|kipping|at a (mate|friend)'s|released under investigation|on remand",
        r"in custody|in prison|hostel|no longer together|living apart|broken up|split",
        r"on licence|not living with|not allowed (near|to)|released from (prison|custody)",
        r"bail\w*|excluded from the (home|address)|occupation order|staying with|has left",
        r"living elsewhere|lives elsewhere|isn.t living|is not living|not living there",
        r"DVPO|DVPN|protection (order|notice)|non-molestation",
    ),
    "safety_plan": (
        r"safety plan|protective plan|written agreement|contingency|the plan|plan is|must not",
        r"will (call|ring|phone|contact) the police|will not (let|allow)",
        r"will ensure|has agreed|agreed to",
    ),
    # Claims of change from engagement: not every "agreed" or "attended" (see the lens).
    "engagement": (
        r"engag\w*|insight|programme|course|sessions|counselling|cooperat\w*|co-operat\w*",
        r"complian\w*|complied|promis\w*|remorse\w*|willing\w*|motivat\w*|apologis\w*",
        r"committed|commitment|gone along|went along|going along|receptive",
        r"changed (man|person)|AA|works well|proud of (him|her)",
        r"going to (AA|counselling|sessions|a group)",
    ),
    "male_adult": (
        r"father|dad|stepfather|step-father|partner|boyfriend|husband|mr|male|uncle|grandfather",
        r"he|him|his",
    ),
    "history": (
        r"previous\w*|earlier|prior|history|historic\w*|again|repeat\w*|re-?referr\w*|second|third",
        r"fourth|fifth|last year|before|known to|closed|chronology",
        r"notifications|referrals|callouts",
        r"incidents|20[0-2]\d",
    ),
    "neglect_signs": (
        r"home conditions|untidy|messy|clutter\w*|dirty|grubby|unkempt|hygiene|smell\w*|head lice",
        r"dental|teeth|missed (\w+ )?appointments?|(poor|low) (school )?attendance|\d+%",
        r"attendance (is|was) (low|poor|\d+%)|hungry|hunger|nappy|nappies",
        r"unwashed|bedding|mattress|without a coat|no coat|uniform|lost property|no lunch",
        r"neglect\w*|lateness|late to school|little food|no food|weight|squalor|infestation",
    ),
    "info_sharing": (
        r"referr\w*|MASH|checks?|information|contacted|strategy|police|GP|school|health visitor",
        r"midwife|probation|consent",
    ),
    # Consent is worth asking about when the text records checks, a referral or sharing
    # information between agencies, not whenever a school or the police are mentioned.
    "checks_made": (
        r"checks? (were |was |have been |has been )?(made|completed|done|carried out|undertaken)",
        r"(agency|police|background|health|PNC|MASH|partner) checks|checks (with|on)",
        r"information (was |were |has been |will be )?(shared|passed on|requested|sought)",
        r"share (the )?information|information[- ]sharing|MASH|PPN|police (referral|notification)",
        r"referral (was |has been )?(made|received|sent)|referred (to|by)|consent",
        r"(contacted|spoke to|asked) the (GP|school|police|health visitor|midwife|nursery)",
        r"contact (the )?(GP|school|police|health visitor|midwife|nursery)",
        r"happy for (me|us) to (contact|speak|share|check)",
    ),
    "exploitation_signs": (
        r"missing|older (boys|men|males|friends|associates|man|youths|peers)",
        r"new (phone|clothes|trainers)",
        r"unexplained (money|cash|items)|cash|out of area|another (town|city)|county lines",
        r"excluded from school|exclusion|online|snapchat|instagram|tiktok|gifts|taxis?|found in",
        r"out late|staying out|exploit\w*|groom\w*",
        r"£\d+|two phones|second (phone|mobile)|burner|designer|sneak\w*|in their twenties|lads",
        r"unauthorised absences?|into a car|snapchat|money (through|via|on) an app",
        r"stay(s|ed|ing)? out|not come home|didn.t come home|miles from home",
        r"(boyfriend|girlfriend) (who is|aged|of) (1[89]|[2-9]\d)|her (own )?choice",
        r"(1[89]|[2-9]\d)[- ]years?[- ]old (boyfriend|man|men|male)",
    ),
    "mh_substance": (
        r"depress\w*|anxiety|anxious|mental (health|ill\w*)|alcohol",
        r"drink\w*|drunk|cannabis|cocaine",
        r"heroin|drugs?|substance|overdose|self-harm\w*|suicid\w*|psychosis|bipolar|CAMHS|PTSD",
        r"personality disorder|postnatal|perinatal|low mood|medication",
        r"tablets|antidepressants?|sertraline|citalopram|fluoxetine|mirtazapine|methadone|nerves",
    ),
}
#: Relevance gates: does the text mention the circumstances that make a lens worth checking?
GATES: dict[str, re.Pattern[str]] = {
    name: re.compile(r"\b(" + "|".join(parts) + r")\b", re.I) for name, parts in _GATE_WORDS.items()
}
_TEEN_WORDS = re.compile(
    r"\b(teenager|teenage|adolescent|young person|secondary school|year (7|8|9|10|11|12|13)|"
    r"college|GCSEs?|sixth form)\b",
    re.I,
)

_NEGATION = re.compile(
    r"\b(not|no|never|nothing|without|nor|yet to|unable|declined|refused|lack\w*|absence of)\b"
    r"|n't\b",
    re.I,
)

#: A heading: all in capitals, or up to six words with no full stop and no common verb.
_HEADING = re.compile(
    r"^(?:[^a-z0-9.!?]{3,60}|(?![^.!?]*\b(?i:is|are|was|were|has|have|had|will|would|to|made|seen|"
    r"said|says|agreed|completed|done|shared|asked|told|given|referred|accepted)\b)"
    r"(?:\S+\s+){0,5}\S+(?<![.!?]))$"
)

#: Words that turn a shortfall phrase round: the plan does *not* ask, expect or rely on it.
_NOT_ASKED = re.compile(
    r"\b(does not|doesn.t|do not|don.t|will not|won.t|is not|isn.t|no longer|not) "
    r"(ask|asking|expect|expecting|rely|relying|require|requiring|depend|place|put)\b"
    r"|\bnot (up|down) to (her|mum|mother)\b",
    re.I,
)

#: A parent's own word or promise ("she says she will keep to the bail conditions"): close in
#: meaning to good practice, but not coverage.
_PROMISE = re.compile(
    r"\b(she|he|they|mum|dad|mother|father|parents?)\s+(says|said|states|stated|will|agrees|"
    r"agreed|promised|promises|assures|assured)\b",
    re.I,
)

# Signals that a text is about a particular child or family (case material) or is not.
_CASE_CUES = re.compile(
    r"\b(mother|mum|mummy|mam|father|dad|daddy|stepfather|step-father|stepdad|stepmum|"
    r"grandmother|grandad|grandfather|nan|nanna|gran|aunt|uncle|boyfriend|girlfriend|partner|"
    r"ex-partner|husband|wife|the children|the child|the kids|kids|son|daughter|the baby|baby|"
    r"unborn|toddler|teenager|young person|home visit|seen alone|was seen|were seen|disclosed|"
    r"told me|told her|told him|referral|police (were |was )?called|incident|assessment|"
    r"safety plan|MASH|visit|visited|school|nursery|health visitor|midwife|social worker|"
    r"family home|at home|the house)\b",
    re.I,
)
#: Words for particular people in a family. Policy, bulletins and agendas speak of "fathers",
#: "practitioners" and "families" in general; case material speaks of a mother, her son, he, she.
_FAMILY_CUES = re.compile(
    r"\b(mother|mum|mummy|mam|father|dad|daddy|stepfather|step-father|stepdad|stepmum|"
    r"grandmother|grandad|grandfather|nan|nanna|gran|aunt|uncle|boyfriend|girlfriend|partner|"
    r"ex-partner|husband|wife|the children|the child|the kids|son|daughter|the baby|unborn|"
    r"toddler|her|his|she|he)\b",
    re.I,
)
_NON_CASE_CUES = re.compile(
    r"\b(agenda|apologies|AOB|any other business|minutes of|learning outcomes?|objectives?|"
    r"session \d|module|workshop|delegates|participants|trainees|facilitator|coffee|lunch|"
    r"break|slides|pre-reading|room booking|venue|timetable|item \d|action log|terms of "
    r"reference|quorate|budget|recruitment|training plan|course outline|quarter \d|Q[1-4]|"
    r"bulletin|newsletter|practitioners are reminded|all staff|annual leave|learning portal|"
    r"forum|drop-in|nominate)\b",
    re.I,
)
_ENGLISH_WORDS = frozenset(
    [
        "the",
        "and",
        "to",
        "of",
        "a",
        "in",
        "is",
        "was",
        "that",
        "he",
        "she",
        "her",
        "his",
        "with",
        "for",
        "on",
        "not",
        "at",
        "by",
        "be",
        "has",
        "have",
        "they",
        "it",
        "this",
        "are",
        "were",
        "said",
        "mother",
        "father",
        "children",
        "child",
        "had",
        "from",
        "as",
        "but",
        "will",
        "been",
        "an",
        "or",
        "who",
        "which",
        "their",
        "there",
        "when",
        "would",
        "what",
        "we",
        "i",
    ]
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def _affirmed(pattern: re.Pattern[str], text: str) -> bool:
    """Does ``pattern`` match somewhere not negated just before, within the same sentence?"""
    for m in pattern.finditer(text):
        before = text[max(0, m.start() - 30) : m.start()]
        before = re.split(r"[.;:!?]", before)[-1]
        if not _NEGATION.search(before):
            return True
    return False


# --- sentences ------------------------------------------------------------------------------

_ABBREVIATIONS = ("mr", "mrs", "ms", "dr", "e.g", "i.e", "etc", "no", "st", "approx", "dob", "ref")
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s)|\n")
_BULLET = re.compile(r"\s*(?:[-*\u2022]|\d+[.)]|[a-z][.)])\s")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Split into sentences, list items and headings, keeping character offsets into ``text``.

    A single line break inside a paragraph is a wrapped line, not a sentence end (pasted
    e-mails and text files are often hard-wrapped); a blank line, a bullet, or a short line
    with no full stop (a heading) does end one.
    """
    out: list[Sentence] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.group(0) == "\n":
            line_start = text.rfind("\n", 0, m.start()) + 1
            line = text[line_start : m.start()].strip()
            rest = text[m.end() :]
            next_line = rest.split("\n", 1)[0]
            breaks = (
                not line
                or not next_line.strip()
                or bool(_BULLET.match(next_line))
                or line.endswith((":", ";"))
                or (
                    len(line) < 60 and not line.endswith((",", "and", "or")) and line_start >= start
                )
            )
            if not breaks:
                continue
            stop = m.start()
        else:
            stop = m.end()
            last = re.search(r"(\w+(?:\.\w+)*)\.$", text[start:stop])
            if last and last.group(1).lower() in _ABBREVIATIONS:
                continue  # "Mr. Hale" is not the end of a sentence
        _append(out, text, start, stop)
        start = m.end()
    _append(out, text, start, len(text))
    return out


def _append(out: list[Sentence], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped or not re.search(r"\w", stripped):
        return
    lead = len(piece) - len(piece.lstrip())
    s = start + lead
    e = s + len(stripped)
    out.append(Sentence(s, e, text[s:e]))


# --- names for questions --------------------------------------------------------------------

_NOT_NAMES = frozenset(
    [
        "The",
        "A",
        "An",
        "He",
        "She",
        "They",
        "It",
        "This",
        "That",
        "There",
        "Mother",
        "Father",
        "Mum",
        "Dad",
        "Baby",
        "Child",
        "Children",
        "School",
        "Police",
        "Social",
        "Worker",
        "MASH",
        "Ms",
        "Mr",
        "Mrs",
        "Miss",
        "Dr",
        "Unborn",
        "Both",
        "His",
        "Her",
        "Their",
        "Our",
        "We",
        "I",
        "On",
        "In",
        "At",
        "After",
        "Before",
        "When",
        "While",
        "During",
        "Since",
        "Following",
        "Today",
        "Yesterday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Year",
        "Health",
        "Visitor",
        "GP",
        "Nursery",
    ]
)
_CHILD_NAME = re.compile(
    r"\b([A-Z][a-z]{1,15})\s*(?:\(|,\s*)(?:aged\s+)?(\d{1,2})(?:\s*(years?|yrs?|months?|weeks?))?"
    r"(?:\s*old)?\s*(?:[),;]|\.(?!\d))"
)
_CHILD_NAME2 = re.compile(
    r"\b([A-Z][a-z]{1,15}),?\s+(?:is\s+|who is\s+)?(?:aged\s+)?(\d{1,2})[- ](years?|months?|weeks?)"
    r"(?:[- ]old)?"
)
_CHILD_NAME3 = re.compile(r"\b([A-Z][a-z]{1,15})(?: [A-Z][a-z]+)? is (?:aged )?(\d{1,2})\b")
_ADULT_NAME = re.compile(
    r"\b(?i:father|dad|stepfather|step-father|partner|boyfriend|ex-partner|husband)\s*[,:]?\s+"
    r"((?:Mr\.?\s+)?[A-Z][a-z]{1,15})\b|\b([A-Z][a-z]{1,15})\s*\((?:the\s+)?(?:children's\s+)?"
    r"(?:father|dad|stepfather|mother's partner|partner|boyfriend|ex-partner)\)"
    r"|\b(Mr\.?\s+[A-Z][a-z]+)"
)
_MOTHER_NAME = re.compile(
    r"\b(?i:mother|mum)\s*[,:]?\s+([A-Z][a-z]{1,15})\b|\b([A-Z][a-z]{1,15})\s*\((?:the\s+)?"
    r"(?:children's\s+)?(?:mother|mum)\)|\b((?:Ms|Mrs|Miss)\.?\s+[A-Z][a-z]+)"
)


def _flat(text: str) -> str:
    """Line breaks as spaces, so patterns match across wrapped lines."""
    return re.sub(r"\s", " ", text)


def _first_name_before(text: str, start: int) -> str | None:
    """The capitalised word just before ``start`` ("Nia" before "Roberts, 15"), if any."""
    m = re.search(r"\b([A-Z][a-z]{1,15})[ \t]+$", text[max(0, start - 20) : start])
    return m.group(1) if m and m.group(1) not in _NOT_NAMES else None


def child_names(text: str) -> list[str]:
    """Names written with an age, e.g. "Kayla (4)", "Tyler Grant is 14", "Poppy (4 months)"."""
    out: list[str] = []
    for pat in (_CHILD_NAME, _CHILD_NAME2, _CHILD_NAME3):
        for m in pat.finditer(text):
            name = m.group(1)
            if name in _NOT_NAMES or int(m.group(2)) > 17:
                continue
            # "Nia Roberts, 15": the first name is what the text will use for her
            first = _first_name_before(text, m.start())
            # ... and only the first name: a surname would match the parents too
            for n in (first,) if first else (name,):
                if n not in out:
                    out.append(n)
    return out


def find_names(text: str) -> dict[str, str]:
    """Best-effort names to fill question placeholders; a missing name uses the fallback words."""
    names: dict[str, str] = {}
    children: list[tuple[str, int, str]] = []
    for pat in (_CHILD_NAME, _CHILD_NAME2):
        for m in pat.finditer(text):
            name, age, unit = m.group(1), int(m.group(2)), (m.group(3) or "years").lower()
            if name in _NOT_NAMES or age > 17:
                continue
            name = _first_name_before(text, m.start()) or name
            months = age if unit.startswith("month") else 0 if unit.startswith("week") else age * 12
            if name not in [c[0] for c in children]:
                children.append((name, months, unit))
    if len(children) == 1:
        names["child"] = children[0][0]
    infants = [c for c in children if c[1] < 36]
    if len(infants) == 1:
        names["infant"] = infants[0][0]
    teens = [c for c in children if c[1] >= 120]
    if len(teens) == 1:
        names["teen"] = teens[0][0]
    for key, pat in (("adult", _ADULT_NAME), ("mother", _MOTHER_NAME)):
        for m in pat.finditer(text):
            name = next(g for g in m.groups() if g)
            if name.split()[-1] not in _NOT_NAMES and name not in [c[0] for c in children]:
                names[key] = _tidy_name(name, text)
                break
    return names


_TITLE = re.compile(r"^(Mr|Mrs|Ms|Miss|Dr)\.?\s+")
_CAPITALISED = re.compile(r"\s+([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")


def _tidy_name(name: str, text: str) -> str:
    """A name as a supervisor would say it: "Carl" or "Mr Brennan", never "Mr Carl".

    A word followed by a capitalised word somewhere in the text ("Carl Brennan") is a first
    name and is used alone; a surname ("Mr Brennan", "Brennan (father)") becomes the first name
    written with it elsewhere, else keeps its title.
    """
    title = _TITLE.match(name)
    word = name[title.end() :] if title else name
    after = re.finditer(r"\b" + re.escape(word) + _CAPITALISED.pattern, text)
    if any(m.group(1) not in _NOT_NAMES for m in after):
        return word  # "Carl Brennan" somewhere: Carl is a first name
    for m in re.finditer(r"\b([A-Z][a-z]{1,15})\s+" + re.escape(word) + r"\b", text):
        if m.group(1) not in _NOT_NAMES:
            return m.group(1)
    return f"{title.group(1)} {word}" if title else word


_PLACEHOLDER = re.compile(r"\{(\w+)\|([^{}]*)\}")


def fill_question(question: str, names: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        return names.get(m.group(1)) or m.group(2)

    out = _PLACEHOLDER.sub(sub, question)
    return out[:1].upper() + out[1:]


# --- the reviewer ---------------------------------------------------------------------------


def load_labelled_sentences(path: Path) -> list[tuple[str, str]]:
    """(text, label) pairs; label is ``present:<lens>``, ``covered:<lens>`` or ``neutral``."""
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows.append((row["text"], row["label"]))
    return rows


@dataclass
class Thresholds:
    """Defaults and bounds for the meaning-based detector.

    The classifier threshold for each label (``present:<lens>``, ``covered:<lens>``) is chosen by
    cross-validation on the labelled sentences (the one that maximises F1 on sentences the
    classifier did not train on), clamped to ``[floor, ceiling]``; ``classifier_present`` and
    ``classifier_covered`` are used for a label with too few sentences to tune. The cosine
    floors stop the classifier from claiming a sentence that resembles no example at all.
    """

    classifier_present: float = 0.55
    similarity_present: float = 0.55
    classifier_covered: float = 0.55
    similarity_covered: float = 0.45
    #: An absent flag is also withheld when some sentence is this close to a covered example
    #: and the classifier gives it at least ``soft_covered`` (good practice in other words).
    similarity_soft: float = 0.72
    soft_covered: float = 0.2
    #: A coverage rule needs at least this much classifier support in its sentence: the words
    #: alone ("police attended") are not yet an analysis.
    rule_covered_floor: float = 0.3
    #: The classifier overrules a rule in the same sentence when its probability for the other
    #: side is at least ``veto_margin`` higher.
    veto: bool = True
    veto_margin: float = 0.0
    #: Added to every cross-validated shortfall threshold. Negative: missing a shortfall costs
    #: more than a question too many, now that thorough texts are recognised.
    present_shift: float = -0.1
    #: A text with coverage found for at least this many lenses raises no absent flags.
    thorough: int = 5
    #: In a thorough text, a meaning-only shortfall needs at least this probability.
    thorough_present: float = 0.9
    #: A meaning-only shortfall at least this probable is treated like a rule hit: excused only
    #: by coverage in the same or the next sentence, not anywhere in the text.
    strong_present: float = 0.7
    floor: float = 0.4
    ceiling: float = 0.85
    folds: int = 5


@dataclass(frozen=True)
class ExplainedEvidence(Evidence):
    """Evidence with the reason it was picked: which rule, or which classifier and exemplar."""

    why: str = ""


@dataclass
class LensSignals:
    """Everything the rules and the classifier found for one lens in one text."""

    evidence: list[Evidence]
    strengths: list[float]
    score: float
    covered: bool
    soft_covered: bool
    #: Coverage words or meaning anywhere, before the classifier's floor and vetoes: a looser
    #: sign that the writer addressed the lens, used to tell a thorough text.
    touched: bool
    any_present: bool
    gates_hold: bool
    rule_present: int = 0
    rule_covered: int = 0
    semantic_present: int = 0
    semantic_covered: int = 0
    max_p_present: float = 0.0
    max_p_covered: float = 0.0
    max_s_present: float = 0.0
    max_s_covered: float = 0.0
    threshold_present: float = 0.0
    threshold_covered: float = 0.0


class Reviewer:
    """Reviews case text against the lens catalogue. Build once per process; ``review`` is cheap."""

    def __init__(
        self,
        embedder: SupportsEncode,
        catalogue: Catalogue,
        retriever: SupportsSearch | None = None,
        *,
        labelled_path: Path | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        thresholds: Thresholds | None = None,
        citations_per_flag: int = 3,
        cache_dir: Path | None = None,
    ) -> None:
        self.embedder = embedder
        self.catalogue = catalogue
        self.retriever = retriever
        self.max_chars = max_chars
        self.thresholds = thresholds or Thresholds()
        self.citations_per_flag = citations_per_flag
        self._citation_cache: dict[str, list[Citation]] = {}
        self._citation_edition = ""
        self._pattern_cache: dict[tuple[str, str, tuple[str, ...]], list[re.Pattern[str]]] = {}
        self._lock = threading.Lock()
        if labelled_path is None and catalogue.path is not None:
            labelled_path = catalogue.path.parent / "labelled_sentences.jsonl"
        extra = load_labelled_sentences(labelled_path) if labelled_path else []
        self.cache_dir = cache_dir
        self._train(extra)

    # Exemplar embeddings and the classifier are built once, since they depend only on data;
    # with a cache folder they are kept on disk, keyed by model and data, so a restart reuses them.
    def _train(self, extra: list[tuple[str, str]]) -> None:
        texts: list[str] = []
        labels: list[str] = []
        for lens in self.catalogue:
            for t in lens.present_examples:
                texts.append(t)
                labels.append(f"present:{lens.id}")
            for t in lens.covered_examples:
                texts.append(t)
                labels.append(f"covered:{lens.id}")
        for t, label in extra:
            texts.append(t)
            labels.append(label)
        self._ex_texts = texts
        self._ex_labels = np.array(labels)
        cache = self._cache_path(texts, labels)
        loaded = _load_trained(cache) if cache else None
        if loaded is not None:
            self._ex_vectors, self._clf, self.label_thresholds = loaded
            self._classes = {c: i for i, c in enumerate(self._clf.classes_)}
        else:
            vectors = np.asarray(self.embedder.encode(texts), dtype=np.float32)
            # One BLAS thread: these fits are small, and OpenBLAS's spinning threads made them
            # take 4-25 s instead of 0.2 s on two busy cores (the cold start in evals/bench).
            from threadpoolctl import threadpool_limits

            with threadpool_limits(limits=1, user_api="blas"):
                fitted = _classifier().fit(vectors, labels)
                self._clf = SoftmaxModel(fitted.coef_, fitted.intercept_, fitted.classes_)
                self._classes = {c: i for i, c in enumerate(self._clf.classes_)}
                self.label_thresholds = self._calibrate(vectors, np.array(labels))
            self._ex_vectors = vectors
            if cache:
                _save_trained(cache, vectors, self._clf, self.label_thresholds)

    def _cache_path(self, texts: list[str], labels: list[str]) -> Path | None:
        """Where this model's training on this data is kept; None when there is no cache folder
        or the embedder cannot say which model it is (a fake in tests)."""
        fingerprint = getattr(self.embedder, "fingerprint", None)
        if self.cache_dir is None or not isinstance(fingerprint, str):
            return None
        h = hashlib.sha256()
        for part in (CACHE_VERSION, fingerprint, repr(self.thresholds), repr(_classifier())):
            h.update(part.encode() + b"\0")
        for t, label in zip(texts, labels, strict=True):
            h.update(t.encode() + b"\0" + label.encode() + b"\0")
        return Path(self.cache_dir) / f"review-{h.hexdigest()[:24]}.npz"

    def _calibrate(self, vectors: np.ndarray, labels: np.ndarray) -> dict[str, float]:
        """Per-label probability thresholds by k-fold cross-validation (see Thresholds)."""
        from sklearn.model_selection import StratifiedKFold

        t = self.thresholds
        counts = {c: int((labels == c).sum()) for c in self._classes}
        usable = np.array([counts[x] >= t.folds for x in labels])
        out: dict[str, float] = {}
        if usable.sum() < 50:
            return out
        xs, ys = vectors[usable], labels[usable]
        oof = np.zeros((len(ys), len(self._classes)), dtype=np.float32)
        folds = StratifiedKFold(n_splits=t.folds, shuffle=True, random_state=0)
        for train, held in folds.split(xs, ys):
            clf = _classifier().fit(xs[train], ys[train])
            cols = [self._classes[c] for c in clf.classes_]
            oof[np.ix_(held, cols)] = clf.predict_proba(xs[held])
        grid = np.arange(t.floor, t.ceiling + 1e-9, 0.025)
        for label, col in self._classes.items():
            if label == "neutral" or counts[label] < t.folds:
                continue
            truth = ys == label
            best, best_f = None, -1.0
            for thr in grid:
                pred = oof[:, col] >= thr
                tp = float((pred & truth).sum())
                f1 = 2 * tp / max(1.0, float(pred.sum() + truth.sum()))
                if f1 > best_f + 1e-9:
                    best, best_f = float(thr), f1
            if best is not None:
                out[label] = round(best, 3)
        return out

    # --- input checks ---
    def check_input(self, text: Any) -> str | None:
        """A message when the input cannot be reviewed, else None."""
        if isinstance(text, bytes | bytearray):
            try:
                text = bytes(text).decode("utf-8")
            except UnicodeDecodeError:
                return NOT_TEXT
        if not isinstance(text, str):
            return NOT_TEXT
        if not text.strip():
            return EMPTY_TEXT
        if len(text) > self.max_chars:
            return (
                f"this text is {len(text):,} characters long and Curio reviews at most "
                f"{self.max_chars:,} at a time, so no lenses were checked: review the draft a "
                "section at a time"
            )
        sample = text[:20000]
        control = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\n\r\t") or ch == "\ufffd")
        if control > max(3, len(sample) // 200):
            return NOT_TEXT
        words = _WORD.findall(sample.lower())
        letters = [ch for ch in sample if ch.isalpha()]
        if len(letters) >= 20 and sum(ch.isascii() for ch in letters) / len(letters) < 0.8:
            return NOT_ENGLISH
        if len(words) >= 12:
            english = sum(1 for w in words if w in _ENGLISH_WORDS) / len(words)
            letters = [ch for ch in sample if ch.isalpha()]
            ascii_share = sum(1 for ch in letters if ch.isascii()) / max(1, len(letters))
            if english < 0.08 or ascii_share < 0.8:
                return NOT_ENGLISH
        return None

    @staticmethod
    def is_case_material(text: str) -> bool:
        """About a particular child or family, rather than a plan, agenda or policy?

        Short conversational notes ("saw mum today, she says he's been round again and the kids
        were upset") count: the bar is two case cues for a note under 60 words, three above.
        """
        case = len(_CASE_CUES.findall(text))
        ages = sum(len(p.findall(text)) for p in _AGE_PATTERNS)
        non_case = len(_NON_CASE_CUES.findall(text))
        words = max(1, len(_WORD.findall(text)))
        score = case + 2 * ages + (1 if GATES["domestic_abuse"].search(text) else 0)
        if words < 6 or score < (2 if words < 60 else 3):
            return False
        if len(_FAMILY_CUES.findall(text)) + ages < 3:
            return False
        return non_case * 2 < score and non_case / words < 0.03

    @staticmethod
    def gates(text: str) -> dict[str, bool]:
        """Which circumstances the text mentions; a negated mention ("no reports of violence",
        "no concerns about drinking") does not open a gate."""
        text = " ".join(text.split())
        g = {
            name: (bool(p.search(text)) if name in ("child", "male_adult") else _affirmed(p, text))
            for name, p in GATES.items()
        }
        ages = [int(a) for p in _AGE_PATTERNS for a in p.findall(text)]
        g["older_child"] = any(10 <= a <= 17 for a in ages) or bool(_TEEN_WORDS.search(text))
        return g

    # --- detection ---
    def _patterns(
        self,
        lens: Lens,
        kind: str,
        names: tuple[str, ...],
        people: tuple[tuple[str, ...], ...] = (),
    ) -> list[re.Pattern[str]]:
        """The lens's patterns with ``{child}``, ``{mother}`` and ``{adult}`` standing for the
        children, mother and father or partner named in this text (``people`` is
        ``(mothers, adults)``)."""
        sources = lens.present_sources if kind == "present" else lens.covered_sources
        compiled = lens.present_patterns if kind == "present" else lens.covered_patterns
        mothers, adults = people if people else ((), ())
        placeholders = ("{child}", "{mother}", "{adult}")
        named = names or mothers or adults
        if not named or not any(p in src for src in sources for p in placeholders):
            return list(compiled)
        key = (lens.id, kind, names + ("|",) + mothers + ("|",) + adults)
        if key not in self._pattern_cache:
            if len(self._pattern_cache) > 500:
                self._pattern_cache.clear()
            self._pattern_cache[key] = [
                re.compile(expand_child(src, names, mothers, adults), re.I)
                if any(p in src for p in placeholders)
                else pat
                for src, pat in zip(sources, compiled, strict=True)
            ]
        return self._pattern_cache[key]

    @staticmethod
    def _rule_present(patterns: list[re.Pattern[str]], sentence: str) -> str | None:
        """The words a shortfall rule matched, or None.

        Patterns marked ``(?#indicator)`` name a sign (a missing episode, strangulation, a
        bottle of wine): a negation just before it ("no missing episodes") cancels the match.
        """
        for p in patterns:
            for m in p.finditer(sentence):
                # "The plan does not ask Agnieszka to keep Marek away" says the opposite.
                if _NOT_ASKED.search(sentence[max(0, m.start() - 40) : m.start()]):
                    continue
                if "(?#indicator)" in p.pattern:
                    before = re.split(r"[.;:!?]", sentence[max(0, m.start() - 30) : m.start()])[-1]
                    if _NEGATION.search(before):
                        continue
                return " ".join(m.group(0).split())[:80]
        return None

    @staticmethod
    def _rule_covered(patterns: list[re.Pattern[str]], sentence: str) -> bool:
        """A coverage phrase not negated just before it ("no chronology" is not coverage).

        Patterns marked ``(?#negation-ok)`` carry their own negation ("attendance is not the
        same as change") and skip the check.
        """
        for p in patterns:
            if "(?#negation-ok)" in p.pattern:
                if p.search(sentence):
                    return True
                continue
            for m in p.finditer(sentence):
                before = sentence[max(0, m.start() - 25) : m.start()]
                if not _NEGATION.search(before) and not _NEGATION.search(m.group(0)[:12]):
                    return True
        return False

    def review(self, text: Any) -> ReviewResult:
        """Review one draft. Never raises on bad input: the message says what was wrong."""
        try:
            problem = self.check_input(text)
        except Exception:  # defensive: odd objects must not crash the caller
            problem = NOT_TEXT
        if problem:
            return ReviewResult(flags=[], message=problem, is_case_material=False)
        if isinstance(text, bytes | bytearray):
            text = bytes(text).decode("utf-8")
        if not self.is_case_material(text):
            return ReviewResult(flags=[], message=NOT_CASE_MATERIAL, is_case_material=False)
        sentences = split_sentences(text)
        if not sentences:
            return ReviewResult(flags=[], message=NOT_CASE_MATERIAL, is_case_material=False)
        names = find_names(text)
        signals = self.signals(text, sentences, names)
        # A draft that already covers the ground for many lenses is a thorough one: what Curio
        # looks for in one set of words is likely there in others, so it raises no "absent"
        # flags on it, and a shortfall found on meaning alone needs a confident classifier.
        # Shortfalls found by a rule are still shown.
        thorough = sum(1 for s in signals.values() if s and s.touched) >= self.thresholds.thorough
        flags = [
            f
            for lens in self.catalogue
            if (f := self._decide(lens, signals[lens.id], thorough)) is not None
        ]
        edition = self._guidance_edition() if flags and self.retriever is not None else ""
        for f in flags:
            lens = self.catalogue[f.lens]
            f.name = lens.name
            f.questions = [fill_question(q, names) for q in lens.questions]
            f.citations = self.citations_for(lens, edition)
        flags.sort(
            key=lambda f: (self.catalogue[f.lens].severity, f.kind != "present", -f.score, f.lens)
        )
        msg = (
            "" if flags else "no lens flags were raised; the questions still stand for supervision"
        )
        return ReviewResult(flags=flags, message=msg, is_case_material=True)

    def _semantic(
        self, lens: Lens, kind: str, probs: np.ndarray, sims: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Classifier probability, best cosine, nearest exemplar and threshold for one label."""
        label = f"{kind}:{lens.id}"
        idx = self._classes.get(label)
        n = probs.shape[0]
        p = probs[:, idx] if idx is not None else np.zeros(n)
        cols = np.flatnonzero(self._ex_labels == label)
        if len(cols):
            sub = sims[:, cols]
            nearest = cols[sub.argmax(axis=1)]
            s = sub.max(axis=1)
        else:
            nearest, s = np.zeros(n, dtype=int), np.zeros(n)
        t = self.thresholds
        default = t.classifier_present if kind == "present" else t.classifier_covered
        threshold = self.label_thresholds.get(label, default)
        if kind == "present":
            threshold += t.present_shift
        return p, s, nearest, threshold

    def signals(
        self, text: str, sentences: list[Sentence], names: dict[str, str] | None = None
    ) -> dict[str, LensSignals | None]:
        """Every lens's signals for one text (case material, already split into sentences)."""
        # Each distinct sentence is embedded once, in one batched call (the main cost).
        flat = [" ".join(s.text.split()) for s in sentences]
        unique = list(dict.fromkeys(flat))
        where = {t: i for i, t in enumerate(unique)}
        encoded = np.asarray(self.embedder.encode(unique), dtype=np.float32)
        vectors = encoded[[where[t] for t in flat]]
        probs = self._clf.predict_proba(vectors)
        sims = vectors @ self._ex_vectors.T  # (n_sentences, n_exemplars)
        gates = self.gates(text)
        names = find_names(text) if names is None else names
        kids = tuple(child_names(text))
        people = tuple(
            tuple(n for n in (names.get(k, ""),) if n and " " not in n and n not in kids)
            for k in ("mother", "adult")
        )
        return {
            lens.id: self._signals(lens, sentences, probs, sims, gates, kids, people)
            for lens in self.catalogue
        }

    def _decide(self, lens: Lens, sig: LensSignals | None, thorough: bool = False) -> Flag | None:
        if sig is None:
            return None
        evidence = sig.evidence
        if thorough:
            floor = self.thresholds.thorough_present
            evidence = [e for e, p in zip(evidence, sig.strengths, strict=True) if p >= floor]
        if evidence:
            return Flag(lens=lens.id, kind="present", evidence=evidence, score=sig.score)
        if thorough or sig.covered or sig.any_present or not lens.absent_check:
            return None
        # Softer coverage for absent flags only: a sentence close in meaning to a covered example
        # (good practice in other words), unless it is only a parent's word or promise.
        if sig.soft_covered or not sig.gates_hold:
            return None
        return Flag(lens=lens.id, kind="absent", looked_for=lens.looked_for, score=0.5)

    def _signals(
        self,
        lens: Lens,
        sentences: list[Sentence],
        probs: np.ndarray,
        sims: np.ndarray,
        gates: dict[str, bool],
        kids: tuple[str, ...] = (),
        people: tuple[tuple[str, ...], ...] = (),
    ) -> LensSignals | None:
        """What the rules and the classifier found for one lens; None when an age gate rules
        the lens out (no exploitation flag for a toddler, present or absent)."""
        t = self.thresholds
        if any(not gates.get(g, True) for g in lens.requires if g in ("infant", "older_child")):
            return None
        p_pres, s_pres, near_pres, thr_pres = self._semantic(lens, "present", probs, sims)
        p_cov, s_cov, _, thr_cov = self._semantic(lens, "covered", probs, sims)
        n = len(sentences)
        cov = np.zeros(n, dtype=bool)
        loose = np.zeros(n, dtype=bool)  # coverage words or meaning, before the floor and vetoes
        heading = np.zeros(n, dtype=bool)
        rule_cov = np.zeros(n, dtype=bool)
        rule_pres: list[str | None] = [None] * n
        sem_pres = np.zeros(n, dtype=bool)
        pres_patterns = self._patterns(lens, "present", kids, people)
        cov_patterns = self._patterns(lens, "covered", kids, people)
        for i, s in enumerate(sentences):
            flat = _flat(s.text)
            # Within one sentence the specific shortfall phrase wins over a coverage word
            # ("He gave consent on behalf of the family" is not consent covered).
            rule_pres[i] = self._rule_present(pres_patterns, flat)
            sem_cov = p_cov[i] >= thr_cov and s_cov[i] >= t.similarity_covered
            meaning_pres = p_pres[i] >= thr_pres and s_pres[i] >= t.similarity_present
            # The classifier may overrule a rule in its own sentence when it is confident the
            # other way: a shortfall word answered in the same breath ("low mood; her GP has
            # started treatment"), or a coverage word used to fall short ("consent not sought").
            if rule_pres[i] and t.veto and sem_cov and p_cov[i] >= p_pres[i] + t.veto_margin:
                rule_pres[i] = None
            if rule_pres[i]:
                continue
            words_cover = self._rule_covered(cov_patterns, flat)
            loose[i] = sem_cov or words_cover or any(p.search(flat) for p in lens.mention_patterns)
            if _HEADING.match(flat):  # "RETURN HOME INTERVIEW" names a topic, covers nothing
                heading[i] = True
                continue
            rule_cov[i] = words_cover and p_cov[i] >= t.rule_covered_floor
            if (
                rule_cov[i]
                and t.veto
                and not sem_cov
                and meaning_pres
                and p_pres[i] >= p_cov[i] + t.veto_margin
            ):
                rule_cov[i] = False
            cov[i] = sem_cov or rule_cov[i]
            if not cov[i]:
                sem_pres[i] = meaning_pres
        covered = bool(cov.any())
        evidence: list[Evidence] = []
        strengths: list[float] = []  # 1.0 for a rule hit, else the classifier's probability
        score = 0.0
        for i, s in enumerate(sentences):
            # A rule hit is excused only by coverage in the same or the next sentence
            # ("He engaged well. Attendance alone does not show change..."); a meaning-only
            # hit is excused by coverage anywhere, since it is the weaker signal.
            matched = rule_pres[i]
            if matched and lens.coverage_scope == "text":
                excused = covered  # markers (e.g. strangulation) answered anywhere in the text
            elif matched:
                excused = bool(cov[i + 1]) if i + 1 < n else False
            elif sem_pres[i] and p_pres[i] >= t.strong_present:
                excused = bool(cov[i] or (i + 1 < n and cov[i + 1]))
            elif sem_pres[i]:
                excused = covered
            else:
                continue
            if excused:
                continue
            p = float(p_pres[i])
            if matched:
                why = f'rule: the words "{matched}"'
                score = max(score, 0.6 + 0.4 * p)
            else:
                example = self._ex_texts[int(near_pres[i])]
                why = (
                    f"classifier: p={p:.2f} (threshold {thr_pres:.2f}); nearest example "
                    f'(cosine {float(s_pres[i]):.2f}): "{example}"'
                )
                score = max(score, p)
            evidence.append(ExplainedEvidence(s.start, s.end, s.text, why=why))
            strengths.append(1.0 if matched else p)
        soft = (s_cov >= t.similarity_soft) & (p_cov >= t.soft_covered) & ~heading
        return LensSignals(
            evidence=evidence,
            strengths=strengths,
            score=score,
            covered=covered,
            touched=bool(loose.any()),
            soft_covered=any(soft[i] and not _PROMISE.search(sentences[i].text) for i in range(n)),
            any_present=bool(sem_pres.any() or any(rule_pres)),
            gates_hold=all(gates.get(g, False) for g in lens.requires),
            rule_present=sum(1 for r in rule_pres if r),
            rule_covered=int(rule_cov.sum()),
            semantic_present=int(sem_pres.sum()),
            semantic_covered=int((cov & ~rule_cov).sum()),
            max_p_present=float(p_pres.max()) if n else 0.0,
            max_p_covered=float(p_cov.max()) if n else 0.0,
            max_s_present=float(s_pres.max()) if n else 0.0,
            max_s_covered=float(s_cov.max()) if n else 0.0,
            threshold_present=float(thr_pres),
            threshold_covered=float(thr_cov),
        )

    # --- citations ---
    def _guidance_edition(self) -> str:
        """Which generation of the guidance index the retriever reads ("" if it cannot say):
        citations are cached per generation, so a new `curio ingest` shows in the next review."""
        index = getattr(self.retriever, "index", None)
        try:
            return str(getattr(index, "fingerprint", ""))
        except Exception:  # a broken index must not stop the review
            return ""

    def citations_for(self, lens: Lens, edition: str | None = None) -> list[Citation]:
        """Passages for the lens's fixed guidance queries; cached, as the queries never change.
        ``edition`` is the index generation when the caller has read it already."""
        if self.retriever is None:
            return []
        if edition is None:
            edition = self._guidance_edition()
        with self._lock:
            if edition != self._citation_edition:
                self._citation_cache.clear()
                self._citation_edition = edition
            if lens.id in self._citation_cache:
                return list(self._citation_cache[lens.id])
        hits: list[Hit] = []
        for q in lens.guidance_queries:
            try:
                hits.extend(self.retriever.search(q, k=4, prefer_lens=lens.id))
            except Exception:  # a broken index must not stop the review; flags still stand
                continue
        # One citation per (source, section): two chunks of the same section read as a repeat.
        best: dict[tuple[str, str], Hit] = {}
        for h in hits:
            key = (h.chunk.source, h.chunk.section)
            if key not in best or h.score > best[key].score:
                best[key] = h
        ranked = sorted(best.values(), key=lambda h: (lens.id not in h.chunk.lenses, -h.score))
        cites = [Citation.from_hit(h) for h in ranked[: self.citations_per_flag]]
        with self._lock:
            self._citation_cache[lens.id] = cites
        return list(cites)


class SoftmaxModel:
    """The fitted multinomial logistic regression as plain arrays: probabilities are a softmax of
    ``x @ coef.T + intercept``. Kept as arrays so it can be cached with ``np.savez`` (no pickle)."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: Sequence[str]) -> None:
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.classes_ = np.asarray(classes, dtype=str)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        z = np.asarray(x, dtype=np.float32) @ self.coef.T + self.intercept
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


#: Bump when what is cached, or how it is computed, changes in ways the data key cannot see.
CACHE_VERSION = "review-cache-1"


def _load_trained(path: Path) -> tuple[np.ndarray, SoftmaxModel, dict[str, float]] | None:
    """A cached training, or None when absent or unreadable (then it is simply redone)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            model = SoftmaxModel(z["coef"], z["intercept"], [str(c) for c in z["classes"]])
            thresholds = dict(
                zip(
                    [str(x) for x in z["thr_labels"]],
                    [float(x) for x in z["thr_values"]],
                    strict=True,
                )
            )
            return np.asarray(z["vectors"], dtype=np.float32), model, thresholds
    except (OSError, KeyError, ValueError):
        return None


def _save_trained(
    path: Path, vectors: np.ndarray, model: SoftmaxModel, thresholds: dict[str, float]
) -> None:
    """Write atomically and drop older trainings; a read-only or full disk only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(
            tmp,
            vectors=vectors,
            coef=model.coef,
            intercept=model.intercept,
            classes=model.classes_,
            thr_labels=np.array(list(thresholds), dtype=str),
            thr_values=np.array(list(thresholds.values()), dtype=np.float64),
        )
        os.replace(tmp, path)
        for old in path.parent.glob("review-*.npz"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        return


def _classifier():  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=2000, C=4.0, class_weight="balanced")


_default: Reviewer | None = None
_default_lock = threading.Lock()


def get_reviewer(retriever: SupportsSearch | None = None) -> Reviewer:
    """The process-wide reviewer with the bundled model and catalogue (built on first use)."""
    global _default
    from assistant.embed import get_embedder
    from assistant.lenses import load_catalogue
    from assistant.settings import get_settings

    with _default_lock:
        if _default is None:
            cache = get_settings().cache_dir
            _default = Reviewer(get_embedder(), load_catalogue(), retriever, cache_dir=cache)
        elif retriever is not None and _default.retriever is not retriever:
            _default.retriever = retriever
            _default._citation_cache.clear()
        return _default


def render_review(result: ReviewResult, text: str = "") -> str:
    """A readable terminal rendering: flags most serious first, with evidence and questions."""
    if not result.flags:
        return result.message or "No lens flags were raised."
    lines = [f"{len(result.flags)} lens flag(s), most serious first. Questions, not verdicts.", ""]
    for n, f in enumerate(result.flags, start=1):
        kind = "in the text" if f.kind == "present" else "missing"
        lines.append(f"{n}. {f.name or f.lens} [{f.lens}] ({kind})")
        for e in f.evidence[:3]:
            snippet = " ".join(e.text.split())
            lines.append(f'   > "{snippet[:200]}" (chars {e.start}-{e.end})')
            why = getattr(e, "why", "")
            if why:
                lines.append(f"     why: {why[:160]}")
        if f.kind == "absent" and f.looked_for:
            lines.append(f"   Looked for: {f.looked_for}")
        for q in f.questions:
            lines.append(f"   - {q}")
        for c in f.citations:
            note = f" ({c.caveat})" if c.caveat else ""
            lines.append(f"   See: {c.title}, {c.section} [{c.source}]{note}")
        lines.append("")
    return "\n".join(lines).rstrip()
