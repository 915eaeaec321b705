"""Reading a draft as text: input checks, sentences with offsets, headings, names and ages.

These are exact facts (an age, a heading, a name written beside an age), so they are plain
code; what a sentence *means* for a lens is the learned model's job (``model.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.not_names import load_not_names

NOT_CASE_MATERIAL = "this does not look like case material, so no lenses were checked"
NO_FAMILY_NAMED = (
    "no child, parent or other family member is named or described here, so no lenses were checked"
)
EMPTY_TEXT = "there is no text to review: paste or upload a draft assessment, plan or case note"
NOT_TEXT = "this does not look like text (it may be a binary file), so no lenses were checked"
NOT_ENGLISH = (
    "this does not look like English, and Curio's lenses only work on English text, "
    "so no lenses were checked"
)
#: Longer texts are refused, not truncated: a silently truncated review would read as complete.
DEFAULT_MAX_CHARS = 200_000

_AGE_PATTERNS = (
    re.compile(r"\b(?:aged|age)\s+(\d{1,2})\b(?!\s*(?:months?|weeks?))", re.I),
    re.compile(r"\b(\d{1,2})[- ]years?[- ]old\b", re.I),
    re.compile(r"\b[A-Z][a-z]+\s*\((\d{1,2})\)"),
    re.compile(r"\b[A-Z][a-z]+,\s*(\d{1,2})\b(?![,.]?\d)(?!\s*(?:weeks?|months?|years? ago))"),
    re.compile(r"\b[A-Z][a-z]+ (?:is|was) (?:now )?(\d{1,2})\b(?!\s*(?:weeks?|months?))"),
    re.compile(r"\((\d{1,2})\s*(?:years?|yrs?)\)", re.I),
)

_TEEN_WORDS = re.compile(
    r"\b(teenager|teenage|adolescent|young person|secondary school|year (7|8|9|10|11|12|13)|"
    r"college|GCSEs?|sixth form)\b",
    re.I,
)


#: A heading: all in capitals, or up to six words with no full stop and no common verb.
_HEADING = re.compile(
    r"^(?:[^a-z0-9.!?]{3,60}|(?![^.!?]*\b(?i:is|are|was|were|has|have|had|will|would|to|made|seen|"
    r"said|says|agreed|completed|done|shared|asked|told|given|referred|accepted)\b)"
    r"(?:\S+\s+){0,5}\S+(?<![.!?]))$"
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


def _not_names() -> frozenset[str]:
    """Capitalised words that are not names: ``prompts/not_names.yaml``, shared with the case
    file and `curio ask`."""
    return load_not_names("review")


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
    return m.group(1) if m and m.group(1) not in _not_names() else None


def child_names(text: str) -> list[str]:
    """Names written with an age, e.g. "Kayla (4)", "Tyler Grant is 14", "Poppy (4 months)"."""
    out: list[str] = []
    for pat in (_CHILD_NAME, _CHILD_NAME2, _CHILD_NAME3):
        for m in pat.finditer(text):
            name = m.group(1)
            if name in _not_names() or int(m.group(2)) > 17:
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
            if name in _not_names() or age > 17:
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
            if name.split()[-1] not in _not_names() and name not in [c[0] for c in children]:
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
    if any(m.group(1) not in _not_names() for m in after):
        return word  # "Carl Brennan" somewhere: Carl is a first name
    for m in re.finditer(r"\b([A-Z][a-z]{1,15})\s+" + re.escape(word) + r"\b", text):
        if m.group(1) not in _not_names():
            return m.group(1)
    return f"{title.group(1)} {word}" if title else word


_PLACEHOLDER = re.compile(r"\{(\w+)\|([^{}]*)\}")


def fill_question(question: str, names: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        return names.get(m.group(1)) or m.group(2)

    out = _PLACEHOLDER.sub(sub, question)
    return out[:1].upper() + out[1:]


# --- the reviewer ---------------------------------------------------------------------------


def check_input(text: Any, max_chars: int = DEFAULT_MAX_CHARS) -> str | None:
    """A one-line reason when the input cannot be reviewed, else None."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            return NOT_TEXT
    if not isinstance(text, str):
        return NOT_TEXT
    if not text.strip():
        return EMPTY_TEXT
    if len(text) > max_chars:
        return (
            f"this text is {len(text):,} characters long and Curio reviews at most "
            f"{max_chars:,} at a time, so no lenses were checked: review the draft a "
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
        if english < 0.08:
            return NOT_ENGLISH
    return None


def is_heading(text: str) -> bool:
    """A heading names a topic ("RETURN HOME INTERVIEW", "Plan"); it covers nothing itself."""
    return bool(_HEADING.match(" ".join(text.split())))


def ages(text: str) -> list[int]:
    """Children's ages in years written in the text ("Kayla (4)", "aged 15", "14-year-old")."""
    return [int(a) for p in _AGE_PATTERNS for a in p.findall(text) if int(a) <= 17]


_INFANT = re.compile(
    r"\b(?:pregnan\w*|unborn|bab(?:y|ies)|newborn|new-born|neonat\w*|infant|toddler|due date|"
    r"expecting|EDD|gestation|weeks pregnant|antenatal|postnatal|pre-birth|prebirth)\b"
    # an age in weeks or months: "9-month-old", "6 wks old", "(7 months)", ", 7 months",
    # "aged 18 months", "DOB 6 wks" (not "moved out 3 months ago")
    r"|\b\d{1,2}[- ]?(?:weeks?|wks?|months?|mths?)[- ]old\b"
    r"|(?:\(|,|\baged?|\bDOB|\bd\.o\.b\.?)\s*\d{1,2}\s?(?:weeks?|wks?|months?|mths?)\b"
    r"(?!\s+(?:ago|later|before|after|since|of|on|in)\b)",
    re.I,
)


def infant_facts(text: str) -> bool:
    """An unborn baby, a baby or a child under three written in the text (an exact fact)."""
    return bool(_INFANT.search(text)) or any(a <= 2 for a in ages(text))
