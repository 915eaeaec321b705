"""Role words: who is whose mother, partner or social worker, as seen from the child."""

from __future__ import annotations

import re

from assistant.casefile.draft import (
    _APPOSITION_BEFORE,
    _DESCRIBED_CHILD,
    _FEMALE_TITLES,
    _age,
    _Draft,
    _words_gender,
    sex_marker,
)
from assistant.casefile.model import (
    CHILD_ROLES,
    FAMILY_ADULT_ROLES,
    FEMALE_ROLES,
    MALE_ROLES,
    PROFESSIONAL_SYNONYMS,
)
from assistant.casefile.relations import _Relations


class _RolePlacer(_Relations):
    """Role words that stand for a person of their own ("the maternal grandmother", "Tyler's
    father"), placed with the one who holds that role or made a new person."""

    def _place_role(self, a: int, core: int, b: int, role: str) -> None:
        words = self.flat[a:b]
        lower = self.flat[core:b].lower()
        if role.startswith("child:"):
            key = "child:baby" if role == "child:unborn" else role  # one unborn baby
            role = "child"
            if key in ("child:boy", "child:girl") and any(
                p.first and p.role in CHILD_ROLES for p in self.people
            ):
                return  # "the boy" where the children are named: one of them
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
                adj = re.search(r"(?:previous|former|ex-?)\s*$", self.flat[max(0, a - 12) : a])
                if adj:  # shown as "former partner", not "partner"
                    a -= len(adj.group(0))
                    words = self.flat[a:b]
            else:
                role = self._adjust(a, core, role, b)
            key = self._key(role, self.flat[core:b])
            if (
                role == "child"
                and key != "child:baby"
                and any(p.first and p.role in CHILD_ROLES for p in self.people)
            ):
                return  # "her son" where the children are named: the names carry them
        kids = self._children_of(core, b) if role in ("mother", "father") else []
        if kids:
            # "Tyler's father" where the named father is Mia's: maybe another man
            own = {f"{role}:{k}" for k in kids}
            for p in self.people:
                if p.descriptor in own:
                    self._add_mention(p, a, b)
                    return
            holders = [p for p in self.people if p.role == role and (p.first or p.last)]
            theirs = [p for p in holders if own & p.bound]
            if theirs:  # "Ivy's father" where "Father of Ivy: Aaron Shaw"
                self._add_mention(theirs[0], a, b)
                return
            if holders and all(
                any(k.startswith(role + ":") for k in p.bound) and not (own & p.bound)
                for p in holders
            ):
                key = sorted(own)[0]
                lower = ""  # held by no one yet
        kind = self._partner_kind(a, b) if role in ("partner", "new-partner") else ""
        other = {"former": "current", "current": "former"}.get(kind, "")
        for p in self.people:
            if other and f"partner:{other}" in p.bound and f"partner:{kind}" not in p.bound:
                continue  # "her current partner, Dan" is not her former partner
            if key in p.bound or p.descriptor == key or (lower and self._holds(p, role, lower)):
                if role == "new-partner":
                    p.vote("new-partner", 2)
                self._add_mention(p, a, b)
                return
        label = re.sub(r"^(?:the|a|an)\s+", "", words, flags=re.IGNORECASE)
        whose = re.search(r"([A-Z][\w-]*['’]s\s+)$", self.flat[max(0, a - 30) : a])
        if whose and key != role and ":" in key and role in ("mother", "father"):
            label = whose.group(1) + label  # "Tyler's father"
        p = _Draft(label=label, descriptor=key)
        p.vote(role, 2)
        self._relate(p, role)
        self._add_mention(p, a, b)
        self._gender_from(p, lower, role)
        if key.startswith("child:"):
            m = re.match(
                r"^(?:,?\s*(?:is|aged|about|of)\s+(?:aged\s+|about\s+)?|\s*\()(\d{1,2})"
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
        """The grandparent's side ("m", "p") and sex ("f", "m"), "" where not said."""
        return _first_of(lower, _GRAND_SIDES), _first_of(lower, _GRAND_SEXES)

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
        titled: dict[str, set[str]] = {}  # the women's titles the draft uses with each surname
        for _s, _e, title, gender, _a, _y, last in self.deferred:
            if gender == "f":
                titled.setdefault(last, set()).add(title)
        for p in self.people:
            if p.title in _FEMALE_TITLES and p.last:
                titled.setdefault(p.last, set()).add(p.title)
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
            if len(titled.get(last, ())) > 1:
                # "Mrs Grace Adebayo" and "Blessing Adebayo": a writer who calls one "Mrs
                # Adebayo" and the other "Ms Adebayo" keeps the titles apart, so a title goes
                # first to the one who bears it, then to one who bears none
                fits.sort(key=lambda i: self._title_rank(self.people[i].title, title))
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

    @staticmethod
    def _title_rank(borne: str, written: str) -> int:
        """0 for the woman who bears the title written, 1 for one who bears none, 2 else."""
        return 0 if borne == written else 1 + bool(borne)

    def _add_mention(self, p: _Draft, a: int, b: int) -> None:
        p.mentions.append((a, b))
        words = self.flat[a:b]
        if words not in p.forms:
            p.forms.append(words)

    @staticmethod
    def _key(role: str, words: str) -> str:
        lower = re.sub(r"^(?:the|a|an|her|his|their)\s+", "", words.lower().strip())
        lower = PROFESSIONAL_SYNONYMS.get(lower, lower)
        if role == "child" and re.fullmatch(r"(?:unborn )?(?:baby|child)", lower):
            return "child:baby"  # "Unborn baby of Chloe", "the unborn baby", "the baby"
        if role in ("professional", "other-adult", "sibling", "child"):
            return role + ":" + lower
        if role == "grandparent":  # the maternal grandmother is not the paternal grandfather
            side, sex = _RoleReader._grand_kind(lower)
            return f"grandparent:{side}{sex or _words_gender(lower)}"
        return role


class _RoleReader(_RolePlacer):
    """The second pass: role words (kinship, partners, job titles) bound to a name beside them,
    or left to stand for a person of their own (placed by ``_RolePlacer``)."""

    def read_roles(self) -> None:
        """Role words and descriptions: first those beside a name (they give that person a
        role), then the rest (they are that role's holder, or a described person)."""
        cues = self.cues
        found: list[tuple[int, int, str]] = []
        for role, pat in cues.roles:
            for m in pat.finditer(self.flat):
                found.append((m.start(), m.end(), role))
        for m in cues.abbreviation_re.finditer(self.text):
            if not sex_marker(self.text, m.start(), m.end(), cues.sex_marker_line):
                found.append((m.start(), m.end(), cues.abbreviations[m.group(1)]))
        for m in _DESCRIBED_CHILD.finditer(self.flat):
            end = m.end() - len(m.group("age") or m.group("age2") or "")
            which = m.group("which") or m.group("what2")
            found.append((m.start(), end, "child:" + which.lower()))
        found += self._role_of_labels(found)
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
        # owners first ("M's" in "Auntie Sharon (M's sister)"), so relatives can find them;
        # then role words beside a name; then those that stand for someone unnamed
        owners = [c for c in chosen if re.match(r"['’]s\b", self.flat[c[2] : c[2] + 2])]
        first_new = len(self.people)
        for a, core, b, role in owners:
            self._place_role(a, core, b, role)
        placed_early = self.people[first_new:]
        bound = []
        for a, core, b, role in chosen:
            if (a, core, b, role) in owners:
                continue
            named = self._named_near(core, b, role)
            if self.cues.unborn.match(self.flat[core:b]):
                named = None  # "Amaya (3), unborn baby (EDD ...)": a list, not her description
            if named is not None and not role.startswith("child:"):
                self._bind(named, a, core, b, role)
                self._plural_over_names(named, a, b, role)
            else:
                bound.append((a, core, b, role))
        for a, core, b, role in bound:
            self._place_role(a, core, b, role)
        for m in _ROLE_OF_LABEL.finditer(self.text):
            # "Father of unborn baby: Jordan Kemp": the label is his, but the baby not yet born
            # is a person of their own (one already named is not; see _role_of_labels)
            u = self.cues.unborn.search(m.group("label"), m.end("head") - m.start("label"))
            if u:
                at = m.start("label") + u.start()
                self._place_role(at, at, at + len(u.group(0)), "child")
        for p in placed_early:  # "M's" placed before "M (Jade Lewis)" was bound: one person
            self._rehome(p)
        for _a, _core, b, role in chosen:
            self._label_over_list(b, role)

    def _role_of_labels(self, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """A line label whose head is a role word qualified by "of" ("Father of baby: Reece
        Ashworth", "Mother of the children: ...") is that role, as a whole: the words after
        "of" say whose, and are no one of their own."""
        heads = {(a, b): role for a, b, role in found}
        out = []
        for m in _ROLE_OF_LABEL.finditer(self.text):
            role = heads.get((m.start("head"), m.end("head")))
            if role is not None and not role.startswith("child"):
                out.append((m.start("head"), m.end("label"), role))
        return out

    def _plural_over_names(self, idx: int, a: int, b: int, role: str) -> None:
        """A plural role word before names joined by "and" covers each of them: "the
        maternal grandparents, Kofi Osei and Abena Osei", "his brothers Sam and Joe"."""
        if role not in ("grandparent", "sibling") or not self.flat[a:b].endswith("s"):
            return
        starts = {s0: (e0, q) for q in self.people for s0, e0 in q.mentions}
        first = [(s0, e0) for s0, e0 in self.people[idx].mentions if b <= s0 <= b + 4]
        if not first:
            return
        pos = first[0][1]
        for _ in range(3):
            gap = _AND_NEXT.match(self.flat, pos)
            if not gap or gap.end() not in starts:
                return
            end, q = starts[gap.end()]
            if not (q.first or q.last) or q.roles.get(role, 0) >= 3:
                return
            q.vote(role, 3)
            pos = end

    def _label_over_list(self, b: int, role: str) -> None:
        """A plural role label covers its list: "Siblings: Daniel (11), baby Grace"."""
        if role not in ("sibling", "grandparent") or not re.match(r"^\s*:", self.flat[b : b + 3]):
            return
        if not re.search(r"s$", self.flat[b - 1 : b], re.IGNORECASE):
            return
        stop = min(
            [i for i in (self.flat.find(". ", b), self.text.find("\n", b)) if i >= 0]
            or [len(self.flat)]
        )
        for p in self.people:
            if (
                (p.first or p.last)
                and role not in p.roles
                and any(b < s0 < stop for s0, _e in p.mentions)
            ):
                p.vote(role, 3)

    def _rehome(self, p: _Draft) -> None:
        """An unnamed owner ("mummy's") whose role a named person now holds becomes them."""
        if p.first or p.last or not p.mentions:
            return
        lower = " ".join(p.forms).lower()
        for q in self.people:
            if q is p or not (q.first or q.last) or not self._holds(q, p.role, lower):
                continue
            for s0, e0 in p.mentions:
                self._add_mention(q, s0, e0)
            p.mentions = []
            self.relations = [
                (x, q if owner is p else owner, role) for x, owner, role in self.relations
            ]
            return

    def _named(self, adult: bool) -> list[tuple[int, _Draft]]:
        """The named people (only adults, for an adult's role words), with their indexes."""
        return [
            (i, p)
            for i, p in enumerate(self.people)
            if (p.first or p.last) and not (adult and p.age_years is not None and p.age_years < 18)
        ]

    def _named_near(self, a: int, b: int, role: str = "") -> int | None:
        """A named person in apposition with the role words at [a, b): never a child for an
        adult's role, and never across a comma after a bare "M" or "F" ("Present: M, F,
        Jayden (4)" is a list)."""
        short = bool(re.fullmatch(r"[A-Z]{1,4}s?", self.flat[a:b]))
        of_whom = re.match(  # "Father of Kayla and Reuben: Dean Moss"
            r"^\s+of\s+[A-Z][\w'’-]+(?:(?:,\s*|\s+and\s+|\s*[&+]\s*)[A-Z][\w'’-]+){0,4}(?=\s*[:–—(-])"
            # "The father of all three children is Ionut Popescu": the children as a group
            r"|^\s+of\s+(?:the\s+|all\s+|both\s+)*(?:(?:two|three|four|five|six)\s+)?"
            r"(?:children|child|baby|boys|girls)(?=\s*(?:[:–—(-]|is\s|was\s))",
            self.flat[b : b + 80],
        )
        if of_whom:
            b += of_whom.end()
        gap = re.match(
            r"^\s*(?:[:(–—]\s*|-\s+)?(?:is\s+|was\s+)?[\"“‘']?"
            if short
            else r"^\s*(?:[,:(–—]\s*|-\s+)?(?:is\s+|was\s+)?[\"“‘']?",  # new partner "Mike"
            self.flat[b : b + 12],
        )
        pos = b + (gap.end() if gap else 0)
        if (
            gap
            and re.search(r"[:–—]|-\s", gap.group(0))
            and _OBJECT_BEFORE.search(self.flat[max(0, a - 12) : a])
        ):
            return None  # "DVDS disclosure to M: Scott has ...": the mark opens what was said
        adult_role = role in FAMILY_ADULT_ROLES or role == "professional"
        for i, p in self._named(adult_role):
            for s0, e0 in p.mentions:
                if s0 == pos and not re.match(r"['’]s\b", self.flat[e0 : e0 + 2]):
                    if role == "professional" and _REPORT_LABEL.match(self.flat[b:s0]):
                        line = self.text[self.text.rfind("\n", 0, a) + 1 : a]
                        if _LINE_OPENING.fullmatch(line) and _STARTS_CLAUSE.match(
                            self.flat[e0 : e0 + 20]
                        ):
                            return None  # "GP: Jess attended with a hand injury": a report
                    return i
        before = self.flat[max(0, a - 40) : a]
        m = _APPOSITION_BEFORE.search(before)
        if m:
            end_at = a - len(m.group(0))
            words_gender = _words_gender(self.flat[a:b].lower())
            for i, p in self._named(adult_role):
                for s0, e in p.mentions:
                    if e != end_at:
                        continue
                    if (
                        "," in m.group(0)
                        and self._role_right_before(s0)
                        and not self.flat[:s0].rstrip().endswith("(")
                    ):
                        return None  # "father Imran Hussain, paternal grandmother": a list
                    if words_gender and p.gender and words_gender != p.gender:
                        return None
                    return i
        return None

    def _sentence_at(self, pos: int) -> str:
        """The sentence around ``pos``, roughly (to the stops or line ends either side)."""
        a = max(self.flat.rfind(". ", 0, pos), self.text.rfind("\n", 0, pos)) + 1
        ends = [i for i in (self.flat.find(". ", pos), self.text.find("\n", pos)) if i >= 0]
        return self.flat[a : min(ends) if ends else len(self.flat)]

    def _bind(self, idx: int, a: int, core: int, b: int, role: str) -> None:
        role = self._adjust(a, core, role, b)
        p = self.people[idx]
        p.vote(role, 3)
        self._relate(p, role)
        p.bound.add(self._key(role, self.flat[core:b]))
        if role in ("mother", "father"):  # "Craig Mottram (Mia's father)": whose parent
            p.bound.update(f"{role}:{k}" for k in self._children_of(core, b))
        kind = self._partner_kind(a, b) if role in ("partner", "new-partner") else ""
        if kind:
            p.bound.add(f"partner:{kind}")
        self._add_mention(p, a, b)
        self._gender_from(p, self.flat[core:b].lower(), role)


#: Role words after one of these are its object, so a label mark after them opens what was
#: said or done, not the person's name ("disclosure to M: Scott has ...").
_OBJECT_BEFORE = re.compile(
    r"\b(?:to|with|from|by|for|about|against|re)\s+(?:the\s+)?$", re.IGNORECASE
)

#: Between names joined in a list: "Kofi Osei and Abena Osei", "Sam (12), Joe (9) and".
_AND_NEXT = re.compile(r"(?:\s*\([^)]{0,30}\))?\s*(?:,\s*(?:and\s+|&\s+)?|and\s+|&\s+)")

#: A service or job opening a line as its label ("GP:", "Midwife and GP:") ...
_REPORT_LABEL = re.compile(r"^\s*:\s*$")
_LINE_OPENING = re.compile(r"[ \t\W]*(?:[\w/]+\s*(?:and|&|,)\s*){0,3}")
#: ... followed by a name that starts a clause ("GP: Ms Grant prescribed fluoxetine"): the
#: line is that service's report about the person, not the person's job ("HV: Siobhan
#: Healy" or "Social worker: Jo Lane, Team 2" name the professional).
_STARTS_CLAUSE = re.compile(r"^\s+(?!and\b|or\b|&)[a-z]")


_GRAND_SIDES = (("m", r"\bmaternal|\bmat\b|^mg"), ("p", r"\bpaternal|\bpat\b|^pg"))
_GRAND_SEXES = (
    ("f", r"mother|\bma\b|\bnan|\bgran\b|granny|gm\b|mum|grandma"),
    ("m", r"father|\bpa\b|dad|gf\b|grandpa"),
)


def _first_of(lower: str, options: tuple[tuple[str, str], ...]) -> str:
    return next((value for value, pattern in options if re.search(pattern, lower)), "")


#: A line's label: a head word, "of", whose ("Father of baby:", "Mother of all three:").
_ROLE_OF_LABEL = re.compile(
    r"(?m)^[ \t\W]*(?P<label>(?P<head>[A-Za-z][\w'’-]*(?:\s+[A-Za-z][\w'’-]*)?)"
    r"\s+of\s+[^:\n]{1,40}?)[ \t]*:"
)
