"""Whose relative a role word names ("Sophie's mother", "his sister"), and relatives
seen from the child once the parents are known."""

from __future__ import annotations

import re

from assistant.casefile.draft import _UP, _Draft, _role_gender
from assistant.casefile.model import CHILD_ROLES, FAMILY_ADULT_ROLES, PARENT_ROLES
from assistant.casefile.names import _NameReader


class _Relations(_NameReader):
    """Owners of role words and the relations they make, read as the child would."""

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

    def _of_owner(self, b: int) -> int | None:
        """The person named just after the role words and "of": "baby of Senait Tesfaye",
        "mother of suspect" (a police form's label for the father), "sister of the victim"."""
        m = re.match(r"\s+of\s+(?:the\s+)?", self.flat[b : b + 12])
        if not m:
            return None
        at = b + m.end()
        for i, p in enumerate(self.people):
            if any(s0 == at for s0, _e in p.mentions):
                return i
        return None

    def _adjust(self, a: int, core: int, role: str, b: int | None = None) -> str:
        """The role as seen from the child (``_adjusted``), the words' place kept for
        ``_relate``: an owner named but not yet known ("Mrs Okonkwo's sister" before "Mrs
        Okonkwo" is attached to Emeka Okonkwo, "F's mother" before "F" is placed) is looked
        for again once everyone is placed."""
        new = self._adjusted(a, core, role, b)
        self._last_span = (a, core, b if b is not None else core, new)
        return new

    def _adjusted(self, a: int, core: int, role: str, b: int | None = None) -> str:
        """A role as seen from the child: the mother's mother is a grandparent, the father's
        sister an aunt (another adult), the father's partner his new partner, and a parent's
        son another child's sibling."""
        possessor = self._owner(a, core, b if b is not None else core, role)
        self._last_owner = possessor
        if (
            possessor is None
            and role == "child"
            and re.search(
                r"\b(?:their|his|her|[\w-]+['’]s)\s+$", self.flat[max(0, core - 20) : core], re.I
            )
        ):
            self._last_owner = -1  # "their son Tyler-James": someone's child, maybe a sibling
        if possessor is not None:
            owner = self.people[possessor]
            adult = (
                (bool(owner.roles) and owner.role in FAMILY_ADULT_ROLES)
                or (owner.age_years is not None and owner.age_years >= 18)
                or _titled(owner)
            )
            if owner.role in ("mother", "father", "stepfather", "partner", "new-partner"):
                if role in ("mother", "father") and not re.search(
                    r"\bwife|husband", self.flat[core : b or core]
                ):
                    return "grandparent"
                if role == "partner" and owner.role in ("father", "stepfather"):
                    return "new-partner"  # "Rhys now lives with his partner"
            if owner.role == "grandparent" and role in ("mother", "father"):
                return "grandparent"  # "Andreas Georgiou and his wife Maria"
            if role == "sibling" and adult:
                return "other-adult"  # "F staying with his brother"
            if role == "child":
                owner.parent_of += 1
            if (
                role == "sibling"
                and not owner.roles
                and not adult
                and self._possessor(core) is not None
            ):
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
        named = self._of_owner(b)
        if named is not None:
            return named
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
                if (
                    sentence <= s0
                    and e <= at
                    and (first is None or s0 < first[0])
                    and not re.match(r"['’]s\b", self.flat[e : e + 2])
                ):
                    first = (s0, i)
        if first is not None:
            return first[1]
        return best[1] if best else None

    def _children_of(self, core: int, b: int) -> list[int]:
        """The named children whose parent the role words name: "Tyler's father", "father of
        Mary and Josie"."""
        out = []
        owner = self._possessor(core)
        if owner is not None:
            out.append(owner)
        m = re.match(
            rf"^\s+of\s+((?:[{_UP}][\w'’-]+(?:,\s+|\s+and\s+|\s*[&+]\s*)?){{1,4}})",
            self.flat[b : b + 60],
        )
        if m:
            for n in re.finditer(rf"[{_UP}][\w'’-]+", m.group(1)):
                out += [
                    i
                    for i, p in enumerate(self.people)
                    if any(s0 == b + m.start(1) + n.start() for s0, _e in p.mentions)
                ]
        return [i for i in out if _is_minor(self.people[i]) or self.people[i].roles.get("child")]

    def _relate(self, p: _Draft, role: str) -> None:
        owner = self._last_owner
        self._last_owner = None
        span, self._last_span = self._last_span, None
        if owner is None and span is not None and span[3] == role:
            self.unowned.append((p, span[0], span[1], span[2], role))
        if owner == -1:
            self.relations.append((p, None, role))
        elif owner is not None and self.people[owner] is not p:
            self.relations.append((p, self.people[owner], role))

    def resolve_relations(self) -> None:
        """Relatives seen from the child once the parents are known: the mother's mother is a
        grandparent, an adult's sister another adult, the father's partner his new partner,
        and a parent's son, written after the subject child, that child's sibling."""
        for p, _a, core, b, role in self.unowned:  # owners now known: "Mrs X's sister"
            i = self._possessor(core)  # a name only: "his" may now find someone else
            if i is None:
                i = self._of_owner(b)  # "mother of suspect", once the label names him
            if i is not None and self.people[i] is not p:
                self.relations.append((p, self.people[i], role))
        self.unowned = []
        for p, owner, role in self.relations:
            if role not in p.roles:
                continue
            owner_adult = owner is not None and (
                (bool(owner.roles) and owner.role in FAMILY_ADULT_ROLES)
                or (owner.age_years is not None and owner.age_years >= 18)
                or _titled(owner)
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

    def siblings_by_structure(self) -> None:
        """Two facts of the form of such documents that make a child a sibling.

        A singular line label naming one child ("Child: Zara Hussain, 9", "Pupil: ...")
        says whose record it is: every other child in it is a sibling. Children introduced as
        an adult's own ("Marcus has two children, Tyler (6) and Ava (4)", "Roxanne's first
        child, Alfie") after another child was already written of (the unborn baby, the
        child the note is about) are that child's siblings; children listed together are
        alike."""
        children = [p for p in self.people if p.role in CHILD_ROLES]
        for m in _SUBJECT_LABEL.finditer(self.text):
            subject = [p for p in children if any(s0 == m.end() for s0, _e in p.mentions)]
            stop = _FIELD_END.search(self.flat, m.end())
            line_end = stop.start() if stop else len(self.flat)
            on_line = [
                p for p in children if any(m.end() <= s0 < line_end for s0, _e in p.mentions)
            ]
            if len(subject) == 1 and len(on_line) == 1 and (subject[0].first or subject[0].last):
                for p in children:
                    if p is not subject[0] and "child" in p.roles:
                        p.vote("sibling", max(p.roles.pop("child") + 1, 3))
                return
        starts = {s0: p for p in self.people for s0, _e in p.mentions}
        ends = {e0: p for p in self.people for _s, e0 in p.mentions}
        for m in _OWN_CHILDREN_INTRO.finditer(self.flat):
            owner = ends.get(m.start())
            if owner is None or owner.role in CHILD_ROLES or _is_minor(owner):
                continue
            listed: list[_Draft] = []
            pos = m.end()
            while len(listed) < 5:
                gap = _LIST_GAP.match(self.flat, pos)
                pos = gap.end() if gap else pos
                kid = starts.get(pos)
                if kid is None or kid in listed:
                    break
                listed.append(kid)
                pos = max(e0 for s0, e0 in kid.mentions if s0 == pos)
                age = _LIST_AGE.match(self.flat, pos)
                pos = age.end() if age else pos
            listed = [p for p in listed if p.role == "child" and not _titled(p)]
            if not listed:
                continue
            first = min(s0 for p in listed for s0, _e in p.mentions)
            if any(
                q not in listed
                and q is not owner
                and q.role in CHILD_ROLES
                and q.mentions
                and min(s0 for s0, _e in q.mentions) < first
                for q in self.people
            ):
                for p in listed:
                    p.vote("sibling", max(p.roles.pop("child", 0) + 1, 3))

    def _partner_kind(self, a: int, b: int) -> str:
        """The kind of partner: "former" (ex, previous), "current" (current, new) or ""."""
        words = self.flat[max(0, a - 14) : b].lower()
        if re.search(r"\b(?:ex-?|former|previous)\b", words):
            return "former"
        if re.search(r"\b(?:current|new|present)\b", words):
            return "current"
        return ""


#: A line label naming the one child a record is about ("Child: Zara Hussain, 9").
_SUBJECT_LABEL = re.compile(
    r"(?im)^[ \t\W]*(?:subject child|child(?:['’]s name)?|name of child|pupil|young person)"
    r"[ \t]*[:–][ \t]*"
)
#: Where a label's field ends: a full stop, a semicolon, the line's end, the next label.
_FIELD_END = re.compile(r"\.\s|;|\n|\s[A-Z][\w ]{0,20}:\s")
#: An adult's own children introduced: "Reece has a son, Kai (5)", "Roxanne's first child,
#: Alfie", "Marcus has two children, Tyler (6) and Ava (4)" (matched after the adult's name).
_OWN_CHILDREN_INTRO = re.compile(
    r"(?:['’]s\s+|,?\s+has\s+(?:a|an|one|two|three|four|five|\d)\s+)"
    r"(?:(?:first|older|oldest|eldest|elder|other|previous|younger|little|young)\s+)?"
    r"(?:child|children|kids|sons?|daughters?)\b"
)
_LIST_GAP = re.compile(r"[ \t]*(?:,|\(|:|–|—|-(?=\s))?[ \t]*(?:(?:and|&)[ \t]+)?")
_LIST_AGE = re.compile(
    r"(?:,?[ \t]*\(?(?:aged[ \t]+)?\d{1,2}(?:[ \t]*(?:yrs?|years?|months?))?\)?)?"
)


#: Titles only an adult is written with: "Mrs Okonkwo's sister" is the child's aunt.
_ADULT_TITLES = frozenset({"Mr", "Mrs", "Ms", "Mx", "Dr"})


def _titled(p: _Draft) -> bool:
    """Whether the text gives the person an adult's title (a title, not an age, says so)."""
    return p.title.rstrip(".") in _ADULT_TITLES and not (
        p.age_years is not None and p.age_years < 18
    )


def _is_minor(p: _Draft) -> bool:
    return p.age_years is not None and p.age_years < 18
