"""People in a draft, by name: where names stand, and how they become people."""

from __future__ import annotations

import re
from typing import Any

from assistant.casefile.cues import Cues
from assistant.casefile.draft import (
    _AGE_AFTER,
    _AGE_BEFORE,
    _AGE_IN_APPOSITION,
    _APPOSITION_AFTER,
    _CAPS,
    _FEMALE_TITLES,
    _FEMALE_WORDS,
    _MALE_WORDS,
    _TOKEN,
    _age,
    _Draft,
    _Mention,
    sex_marker,
)

#: A name as it stands: (start, end, title, name tokens, age as written, age in years).
_Record = tuple[int, int, str, list[str], str | None, float | None]

#: A house number right before a name ending in a place word makes it an address.
_HOUSE_NUMBER = re.compile(r"\b\d+[A-Za-z]?,?[ \t]*$")
#: A code a terse note gives a person: one to three capitals, perhaps a digit ("GF", "V1").
_CODE = re.compile(r"(?<![\w/&'’.-])([A-Z]{1,3}[0-9]?)(?![\w/&'’-])")
#: A code defined just after a name: "Stuart Haig (SH)", "Grace Wanjiru (GW), 34".
_CODE_AFTER = re.compile(r"[ \t]*\([ \t]*([A-Z]{1,3}[0-9]?)[ \t]*[),]")
#: A code defined just before a name: "GF = Gary Fenwick", "V1 (victim): LACATUS, Florentina",
#: "Victim (V): Natalie Fox", "V - Agnieszka".
_CODE_BEFORE = re.compile(
    r"(?<![\w/&'’.-])(?:[A-Z][a-z]+[ \t]*\(([A-Z]{1,3}[0-9]?)\)"
    r"|([A-Z]{1,3}[0-9]?)(?:[ \t]*\([^)\n]{1,20}\))?)[ \t]*(?:=|:|-|–)[ \t]*$"
)
#: Words after which a lone capital is a label, not a person ("Part C", "Flat B").
_LABEL_BEFORE = re.compile(
    r"(?i)\b(?:section|part|appendix|annex|schedule|plan|grade|band|level|tier|option|type|"
    r"class|form|block|flat|house|room|vitamin|year|stage|category|point|item|step|wing|ward|"
    r"unit|zone|box|column|row|table|figure|page|route|bus|junction|platform|group)[ \t]*$"
)


class _NameSpans:
    """Where names stand in a draft: runs of capitalised words that are not role words,
    places or organisations, and where role words stand beside them."""

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
        #: Role words whose owner was not known when they were read (see ``_adjust``).
        self.unowned: list[tuple[_Draft, int, int, int, str]] = []
        self._last_span: tuple[int, int, int, str] | None = None
        self._nicks: dict[int, str] = {}
        #: the professional's vote each person has had from the context (id -> weight)
        self._context_voted: dict[int, int] = {}

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
        maybe_people: list[tuple[int, int, str, list[str]]] = []
        people_with_place_words: set[str] = set()
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
                last = toks[j - 1]
                i = j
                person_after = self._role_apposition(end) and not self._bracket_points_away(end)
                place_word = len(kept) > 1 and cues.org_after.match(" " + kept[-1])
                if place_word and _HOUSE_NUMBER.search(self.flat[max(0, a - 8) : a]):
                    continue  # 7 Coldharbour Lane (mother's home)
                if place_word and not person_after:
                    # Birch Rd, but Kirsty Lane and Freya Green are people when the text says
                    # so beside them (and every other time the same two words are written)
                    if cues.surname_place.fullmatch(kept[-1]) and self._place_word_person(
                        a, end, title, self.text[last[1] : last[2]]
                    ):
                        people_with_place_words.add(" ".join(kept))
                    else:
                        maybe_people.append((a, end, title, kept))
                        continue
                if cues.org_after.match(self.flat[end:]):
                    continue  # Cedar Close, Northshire Police, St Mary's Primary
                if not title and cues.named_days.fullmatch(self.flat[a:end]):
                    continue  # Boxing Day, Christmas Eve: dates, never people
                out.append((a, end, title, kept))
        out += [span for span in maybe_people if " ".join(span[3]) in people_with_place_words]
        return out

    def _bracket_after(self, end: int) -> int | None:
        """Where the words inside a bracket right after ``end`` begin, if one opens there."""
        m = re.match(r"[ \t]*\([ \t]*", self.flat[end : end + 8])
        return end + m.end() if m else None

    def _bracket_points_away(self, end: int) -> bool:
        """Whether a bracket after ``end`` opens with role words about someone else: a worker
        it names ("Oakfield Academy (DSL Mrs H. Brennan)", "Westmere Borough Council (SW Grace
        Oduya)") or whose place it is ("Linden Road (MGM's home)"). The words before it are an
        organisation or a place, not a person the bracket describes."""
        q = self._bracket_after(end)
        if q is None:
            return False
        titles = "|".join(re.escape(t) for t in (*self.cues.titles, *self.cues.professional_titles))
        for _role, pat in self.cues.roles:
            hit = pat.match(self.flat, q)
            if hit and re.match(
                rf"[ \t]+(?:(?:{titles})\.?[ \t]+)?[A-Z][a-z]|['’]s\b",
                self.flat[hit.end() : hit.end() + 16],
            ):
                return True
        return False

    def _place_word_person(self, start: int, end: int, title: str, last: str) -> bool:
        """Whether a name ending in a place word that is also a surname ("Lane", "Green") is a
        person: a title ("Ms Kirsty Lane"), the surname in capitals ("Danielle LANE"), role
        words right before ("midwife Sophie Lane", "HV - Lindsey Park", "his former partner,
        Kirsty Lane"), or a bracket after that holds only an age, a family code or role words
        ("Freya Green (13)", "Kirsty Lane (SW)", "Gillian Park (DSL, ...)"). A bracket that
        names someone ("Hollins Park (DSL Mr Doyle)") or a home ("(mother's home)") is not
        enough."""
        if title or (len(last) > 1 and last.isupper()):
            return True
        if self._role_right_before(start):
            return True
        gap = re.search(r"[ \t]+[-–][ \t]*$|,[ \t]*$", self.flat[max(0, start - 6) : start])
        if gap:
            e = start - len(gap.group(0))
            for c in self._role_ends.get(e, []):
                words = self.flat[c:e]
                if gap.group(0).strip() != "," or not any(
                    role == "professional" and pat.fullmatch(words) for role, pat in self.cues.roles
                ):
                    return True  # a worker's title before a comma is often an organisation's
        q = self._bracket_after(end)
        if q is None:
            return False
        code = re.match(r"(\d|[A-Z][A-Za-z]{0,3}(?=[ \t]*[),;:]))", self.flat[q : q + 8])
        if code and (code.group(1).isdigit() or code.group(1) in self.cues.abbreviations):
            return True
        for _role, pat in self.cues.roles:
            hit = pat.match(self.flat, q)
            if hit and re.match(r"[ \t]*[),;:]", self.flat[hit.end() : hit.end() + 3]):
                return True
        return False

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
        # "SAIMA AKHTAR (M) - NTR", "KEITH COYLE (PGF, SGO carer)", "STATEMENT OF HELEN MARSH,
        # SOCIAL WORKER": the last two words of a run in capitals that the words after describe
        # as a person (an age, a family code, a role word)
        caps = [k for k, t in enumerate(toks) if re.fullmatch(_CAPS, t[0])]
        if len(caps) >= 2 and caps[-2:] == [len(toks) - 2, len(toks) - 1]:
            pair = [
                k
                for k in caps[-2:]
                if toks[k][0] not in self.cues.not_names and re.search("[AEIOUY]", toks[k][0])
            ]
            if len(pair) == 2 and self._described_after(toks[-1][2]):
                for k in pair:
                    out[k] = (toks[k][0].title(), toks[k][1], toks[k][2])
        return out

    def _described_after(self, end: int) -> bool:
        """Whether the words right after ``end`` describe a family member or a worker: a
        bracket opening with an age, a family code or family role words ("(14)", "(AGE 4)",
        "(PGF, SGO carer)", "(stepfather to Harvey)"), or role words after a comma (", SOCIAL
        WORKER"). A bracket naming a worker ("POLICE CHECKS (DS Finnegan)") is not enough:
        it is who did something, and the capitals before it are a heading."""
        q = self._bracket_after(end)
        if q is None:
            return bool(re.match(r"[ \t]*,", self.flat[end : end + 4])) and self._role_apposition(
                end
            )
        word = re.match(
            r"(\d|AGE\b|aged\b|[A-Z][A-Za-z]{0,3}(?=[ \t]*[),;:–-]))", self.flat[q : q + 8]
        )
        if word and (word.group(1)[0].isdigit() or word.group(1) in ("AGE", "aged")):
            return True
        if word and word.group(1) in self.cues.abbreviations:
            return True
        return any(
            role != "professional" and pat.match(self.flat, q) for role, pat in self.cues.roles
        )

    @staticmethod
    def _possessive_prefix(words: str) -> int:
        m = re.match(r"^(?:.*['’]s\s+|her\s+)", words, re.IGNORECASE)
        return m.end() if m else 0

    def _role_right_before(self, start: int) -> bool:
        """Whether role words introduce the name at ``start`` ("father Imran Hussain")."""
        self._role_cores()
        gap = re.search(r"\s*[:(]?\s*[\"“‘']?$", self.flat[max(0, start - 6) : start])
        e = start - len(gap.group(0)) if gap else start
        return any(
            not re.search(r"\b(?:with|to|of)$", self.flat[c:e]) for c in self._role_ends.get(e, [])
        )


class _NameReader(_NameSpans):
    """The first pass over a draft: names (full, titled, single, in capitals) become people,
    with an age, a gender and a professional's label where the text gives them."""

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
        if n and len(n.group(1)) == 1:
            at = end + n.start(1)
            sex = sex_marker(self.text, at, at + 1, self.cues.sex_marker_line)
            if sex:
                return sex  # "Victim: Nasreen AKHTAR (F, 31)": female, not the father
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
        records = self._shared_surnames(records)
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
                    idx = self._given_names(tokens)
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
        self._nicks_in_brackets()
        # single words: a new person when the text shows one is meant, then every mention
        for i in pending_single:
            start, end, _title, tokens, age, _years = records[i]
            tok = tokens[0]
            looks = self._looks_like_person(start, end, age)
            # "Ravi" for Ravinder Sandhu, where the word is used as a person ("Ravi said"), not
            # "Will attend" beside a William
            short = self._short_form(tok) if looks else None
            if short is not None:
                self.people[short].nicks.add(tok)
            known = (
                self._find(first=tok) is not None
                or any(p.last == tok and not p.first for p in self.people)
                or self._only_surname(tok) is not None
            )
            if not known and looks:
                self._new(first=tok, label=tok)
            nick = self._nick_after(end)
            if nick and nick != tok:  # "Jade's partner Kieran (known as Kez)"
                idx = self._find(first=tok)
                if idx is not None:
                    self.people[idx].nicks.add(nick)
        for i in pending_single:
            start, end, title, tokens, age, years = records[i]
            tok = tokens[0]
            idx = self._find(first=tok)
            if idx is None:
                idx = next(
                    (j for j, p in enumerate(self.people) if p.last == tok and not p.first), None
                )
            if idx is None:
                idx = self._only_surname(tok)
            if idx is None:
                if not self._looks_like_person(start, end, age):
                    continue
                idx = self._new(first=tok, label=tok)
            self._attach(idx, start, end, "", self._local_gender(start, end), age, years)
        self._surnames_in_capitals()
        self._initials()

    def _shared_surnames(self, records: list[_Record]) -> list[_Record]:
        """ "Maureen and Keith Sutcliffe": the first given name shares the surname after the
        second (English writes a couple or siblings this way), so Maureen is a person even
        where nothing else in the text marks the lone word as a name. Not where the given
        name has a surname of its own elsewhere in the text."""
        by_start = {r[0]: r for r in records}
        full_firsts = {r[3][0] for r in records if len(r[3]) >= 2}
        out = []
        for r in records:
            start, end, title, tokens, age, years = r
            if len(tokens) == 1 and not title and tokens[0] not in full_firsts:
                m = re.match(r"[ \t]+(?:and|&)[ \t]+", self.flat[end : end + 8])
                nxt = by_start.get(end + m.end()) if m else None
                if nxt is not None and len(nxt[3]) >= 2 and not nxt[2]:
                    r = (start, end, title, [tokens[0], nxt[3][-1]], age, years)
            out.append(r)
        return out

    def _given_names(self, tokens: list[str]) -> int | None:
        """The person a name of two or more words is part of, or who is part of it: a given
        name of two words ("Mei Ling" for Mei Ling Tan) or a middle name left out or added."""
        for i, p in enumerate(self.people):
            known = p.label.split()
            if len(known) < 2 or known == tokens:
                continue
            shorter, longer = sorted((known, tokens), key=len)
            if len(shorter) >= 2 and longer[: len(shorter)] == shorter:
                return i
        return None

    def _short_form(self, tok: str) -> int | None:
        """The one person whose given name a lone word shortens ("Ravi" for Ravinder, "Bev" for
        Beverley, "Funmi" for Funmilayo): a short form of three letters or more, when no one
        else's given name begins so and no one is called by the word itself."""
        if len(tok) < 3 or not tok[0].isupper() or not tok[1:].islower():
            return None
        if any(pat.fullmatch(tok) for _role, pat in self.cues.roles):
            return None  # "Mum", "Nan": a relative's word, not a name
        if any(p.first == tok or tok in p.nicks for p in self.people):
            return None
        longer = [
            i
            for i, p in enumerate(self.people)
            if p.first and len(p.first) > len(tok) and p.first.startswith(tok)
        ]
        return longer[0] if len(longer) == 1 else None

    def _only_surname(self, tok: str) -> int | None:
        """A surname written alone ("PNC shows Doyle has ...") is the one person who bears it;
        where several do (a mother and her children) it stays undecided."""
        bearers = [i for i, p in enumerate(self.people) if p.last == tok and p.first]
        if len(bearers) != 1 or any(p.first == tok for p in self.people):
            return None
        return bearers[0]

    def _nick_after(self, end: int) -> str | None:
        """The name a person goes by, written right after their name at ``end``: a quoted
        name in brackets ("Oluwaseun Adebayo ("Seun")") or one after a cue word ("Kieran
        (known as Kez)", "Darren, called Daz by the children,")."""
        m = self.cues.nickname.match(self.text, end)
        if m is None:
            return None
        return next((v for v in m.groupdict().values() if v), None)

    def _nicks_in_brackets(self) -> None:
        """What the text calls a named person later, from the words right after their name."""
        for p in self.people:
            if not p.first:
                continue
            for _s, e in p.mentions:
                nick = self._nick_after(e)
                if nick and nick != p.first:
                    p.nicks.add(nick)

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

    def _initials(self) -> None:
        """Codes and initials a terse note uses for a named person: defined beside the name
        ("Stuart Haig (SH)", "GF = Gary Fenwick", "V1 (victim): LACATUS, Florentina"), or a
        lone capital that is the initial of one named person only and recurs ("N says R
        punched her", with Natasha and Reece the only N and R). Role abbreviations ("M",
        "MGM"), titles and words that are never names are left to their own readers; a lone
        capital with two people of that initial stays no one's."""
        cues = self.cues
        reserved = set(cues.abbreviations) | set(cues.titles) | set(cues.professional_titles)
        reserved |= set(cues.not_names)
        codes: dict[str, int] = {}

        def fits(code: str, p: _Draft, word: str = "") -> bool:
            # a numbered code ("V1", "C2") is whatever the note says it is, but "Y8" is a
            # school year; letters are the person's initials, or a label's ("Victim (V)")
            if code[-1].isdigit():
                return code[0] != "Y"
            words = [w for w in (p.first, p.last) if w] or p.label.split()
            initials = "".join(w[0] for w in words).upper()
            return code in (initials, initials[:1]) or (word[:1] == code and len(code) == 1)

        for i, p in enumerate(self.people):
            for s0, e0 in p.mentions:
                m = _CODE_AFTER.match(self.flat, e0)
                if m and m.group(1) not in reserved and fits(m.group(1), p):
                    codes.setdefault(m.group(1), i)
                line_start = self.flat.rfind("\n", 0, s0) + 1
                m = _CODE_BEFORE.search(self.flat[max(line_start, s0 - 40) : s0])
                code = m and (m.group(1) or m.group(2))
                word = m.group(0).split("(")[0].strip() if m and m.group(1) else ""
                if code and code not in reserved and fits(code, p, word):
                    codes.setdefault(code, i)
        taken = [m for p in self.people for m in p.mentions]
        found = [m for m in _CODE.finditer(self.flat) if m.group(1) not in reserved]
        counts: dict[str, int] = {}
        for m in found:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
        for letter, n in counts.items():
            if letter in codes or n < 2 or letter in cues.not_initials or letter[-1].isdigit():
                continue
            if len(letter) == 1:
                owners = [i for i, p in enumerate(self.people) if (p.first or "")[:1] == letter]
            elif len(letter) == 2:  # "DR" for Dwayne Reid, "TW" for Tomasz WÓJCIK: one person's
                owners = [
                    i
                    for i, p in enumerate(self.people)
                    if p.first and p.last and (p.first[0] + p.last[0]).upper() == letter
                ]
            else:
                continue
            if len(owners) == 1 and self.people[owners[0]].role != "professional":
                codes[letter] = owners[0]
        for m in found:
            idx = codes.get(m.group(1))
            if idx is None or any(m.start() < e and s0 < m.end() for s0, e in taken):
                continue
            if _LABEL_BEFORE.search(self.flat[max(0, m.start() - 16) : m.start()]):
                continue
            self._attach(idx, m.start(), m.end(), "", "", None, None)
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
            self._context_vote(p, 2)
        elif self.cues.meeting_list.match(before):
            self._context_vote(p, 1)

    def _context_vote(self, p: _Draft, weight: int) -> None:
        """A professional's vote from the context, counted once a person: repeated ("police
        (Duc) ...; probation (Duc) ...") it would outvote the family role written beside
        their name, which is meant to win."""
        had = self._context_voted.get(id(p), 0)
        if had < weight:
            p.vote("professional", weight - had)
            self._context_voted[id(p)] = weight
