"""People in a draft, by name: the working record of each person and how names are read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.casefile.cues import Cues
from assistant.casefile.model import (
    CHILD_ROLES,
    FAMILY_ADULT_ROLES,
    FEMALE_ROLES,
    MALE_ROLES,
    ROLE_RANK,
)

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


def _words_gender(lower: str) -> str:
    """The gender role words carry ("paternal grandmother" is a woman), or ""."""
    for word in reversed(re.findall(r"[a-z]+", lower)):
        if word in _MALE_WORDS or word in ("grandfather", "grandad", "grandpa"):
            return "m"
        if word in _FEMALE_WORDS or word in ("grandmother", "grandma", "nan", "nana"):
            return "f"
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


class _NameReader:
    """The first pass over a draft: names (full, titled, single, in capitals) become people,
    with an age, a gender and a professional's label where the text gives them."""

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
        run = re.compile(
            rf"(?:{_TOKEN}|{_CAPS}|[A-Z]{{2}})(?:[ \t]+(?:{_TOKEN}|{_CAPS}|[A-Z]{{2}}))*"
        )
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

            def usable(k: int, toks: list[tuple[str, int, int]] = toks) -> bool:
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
                if (
                    i < j < len(toks)
                    and cues.org_after.match(" " + toks[j][0])
                    and self._role_apposition(toks[j][2])
                ):
                    j += 1  # "Sophie Lane, Social Worker": a surname that is also a place word
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

    def _caps_as_names(self, toks: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
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
        """A surname written alone in capitals, as police notices do ("RASHID arrested"): the
        adult of that surname (a child is named by first name), the first named if several."""
        taken = [m for p in self.people for m in p.mentions]
        done: set[str] = set()
        for p in self.people:
            if not p.last or len(p.last) < 3 or p.last in done:
                continue
            same = [
                i
                for i, q in enumerate(self.people)
                if q.last == p.last and not (q.age_years is not None and q.age_years < 18)
            ]
            if not same:
                continue
            done.add(p.last)
            for m in re.finditer(rf"(?<![\w'’-]){re.escape(p.last.upper())}(?![\w-])", self.flat):
                if not any(m.start() < e and s0 < m.end() for s0, e in taken):
                    self._attach(same[0], m.start(), m.end(), "", "", None, None)
                    taken.append(m.span())

    def _looks_like_person(self, start: int, end: int, age: str | None) -> bool:
        if age:
            return True
        enclosed = re.search(r",\s*$", self.flat[max(0, start - 3) : start]) and re.match(
            r"^\s*[,(]", self.flat[end : end + 3]
        )
        if enclosed and self._role_right_before(
            start - len(self.flat[:start]) + len(self.flat[:start].rstrip().rstrip(","))
        ):
            return True  # "Ms Reid's current partner, Dan, stays"
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
        if (
            self.cues.professional_label.search(before)
            or re.search(
                rf"(?:{self.cues.agency.pattern})\s*\(\s*(?:[A-Z][\w-]*\s+)?$",
                before,
                re.IGNORECASE,
            )
            and re.match(r"^\s*[),]", self.flat[end : end + 3])
        ):
            p.vote("professional", 2)
        elif self.cues.meeting_list.match(before):
            p.vote("professional", 1)
