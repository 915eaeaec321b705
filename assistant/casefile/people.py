"""The people of a draft settled (parents found, relatives placed) and each sentence's
references to them, pronouns resolved."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.casefile.draft import _CLAUSE_BREAK, _PRONOUN, _UP, _Draft, _Mention, _role_gender
from assistant.casefile.model import CHILD_ROLES, FEMALE_ROLES, MALE_ROLES
from assistant.casefile.roles import _RoleReader
from assistant.review import Sentence

#: A line's label and the lower-case words before the name it introduces ("Suspect: husband ").
_LINE_LABEL = re.compile(
    r"(?m)(?:^|(?<=[.;] ))[ \t]*(?P<label>[A-Z][a-z]+(?:[ \t][a-z]+)?|[A-Z]{2,12}(?:/[A-Z]{2,12})?)"
    # "IP (victim): ...", "Subject (suspect): ...": a second label in brackets
    r"(?:[ \t]*\((?P<inner>[A-Za-z]{2,12}(?:[ \t][a-z]{2,12})?)\))?"
    r"(?:[ \t]*[:–][ \t]*|[ \t]+-[ \t]+)"  # "Victim: ...", "Victim – ...", "Victim - ..."
    rf"(?:[a-z]+[ \t]+){{0,2}}(?=[{_UP}])"
)
#: Labels of a line that say what it is about, not who.
_NOT_A_PERSON_LABEL = re.compile(
    r"date|time|re|ref|subject|venue|address|reason|circumstances|allegation|outcome|note|"
    r"update|decision|concern|sent|to|from|cc|type|location|incident|offence|risk|summary|"
    r"children|people|persons|parties|family|household|others|attendees|present|history",
    re.IGNORECASE,
)


#: Words that report what someone said. In these drafts "he" after them is as often another
#: man as the speaker: over the tuning files, "<name> said / told officers / reported he" follows
#: a mother's name 104 times and a father's 65 ("Ms Nowak told officers he had held her"), while
#: "she" after them follows a mother's 148 times and a father's 6.
_SPEECH = re.compile(
    r"\b(?:said|says|told|tells|reported|reports|explained|explains|stated|states|disclosed|"
    r"discloses|alleged|alleges|claimed|claims|described|describes)\b",
    re.IGNORECASE,
)


class _Reader(_RoleReader):
    """Reads one draft: finds people and their mentions, then status, checks and harm."""

    # -- merge and finish
    def read_label_aliases(self) -> None:
        """A line's label that introduces one person ("Victim: Mrs Gurpreet Sandhu", "IP:
        Yasmin Begum", "Suspect: husband Imran Begum") names them wherever it is used again
        alone ("Victim seen alone by IDVA", "Suspect arrested"). Agency labels ("Police:") and
        headings are not people; "a victim" is someone else."""
        cues = self.cues

        def names_someone(label: str) -> bool:
            return not (
                label.lower().endswith("s")
                or cues.agency.fullmatch(label)
                or cues.heading.match(label)
                or cues.analysis_heading.match(label)
                or _NOT_A_PERSON_LABEL.fullmatch(label)
            )

        for m in _LINE_LABEL.finditer(self.text):
            # "SUBJECT/VICTIM: Shazia BIBI": the part that names a person ("victim")
            labels = m.group("label").split("/")
            parts = [part for part in labels if names_someone(part)]
            inner = m.group("inner")
            # "IP (victim):" names her as the IP and the victim; not "Health (HV): Mrs Cole
            # seen ...", where the label is an agency and the bracket the worker's
            if (
                inner
                and names_someone(inner)
                and not any(cues.agency.fullmatch(x) or cues.heading.match(x) for x in labels)
            ):
                parts.append(inner)
            elif len(parts) != 1:
                continue
            if not parts or len(parts) > 2:
                continue
            at = m.end()
            owner = next(
                (
                    p
                    for p in self.people
                    if (p.first or p.last) and any(s0 == at for s0, _ in p.mentions)
                ),
                None,
            )
            if owner is None:
                continue
            for label in parts:
                word = re.compile(
                    rf"(?<![\w'’-]){re.escape(label)}(?![\w-]|\s*:)",
                    # "IP" as written; "victim" and "VICTIM" in any case
                    0 if label.isupper() and len(label) <= 4 else re.IGNORECASE,
                )
                taken = {s0 for q in self.people for s0, _e in q.mentions}
                for w in word.finditer(self.flat, m.end()):
                    before = self.flat[max(0, w.start() - 4) : w.start()].lower()
                    if w.start() in taken or re.search(r"\b(?:a|an|another)\s$", before):
                        continue
                    self._attach(self.people.index(owner), w.start(), w.end(), "", "", None, None)

    def finish_people(self) -> None:
        for p in self.people:
            if not p.roles and p.age_years is not None and p.age_years < 18:
                p.vote("child", 1)
        self._infer_gender()
        self._find_the_mother()
        self.resolve_relations()
        self.siblings_by_structure()
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
        self.keep_people([p for p in self.people if p.mentions])

    def keep_people(self, kept: list[_Draft]) -> None:
        """Keep only these people (in their order), their mentions indexed again."""
        self.people = kept
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
                if (
                    weak
                    and weak.group(1).lower() in ("he", "his")
                    and _SPEECH.search(after[: weak.start(1)])
                ):
                    continue  # "Agnieszka said he had grabbed her": he is someone else
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
            self._give_words(parent, unnamed)

    def _give_words(self, parent: _Draft, unnamed: list[_Draft]) -> None:
        """The unnamed parent words ("mum", "the father") become the named parent's mentions,
        except another child's parent and the named parent's own parent."""
        owners = {id(x): owner for x, owner, _r in self.relations if owner is not None}
        for u in unnamed:
            if self._own_child(u):
                continue  # "Tyler's father": another child's father, maybe another man
            if owners.get(id(u)) is parent:
                continue  # "Ioana's mother" is not Ioana: her mother, a grandparent
            for s0, e0 in u.mentions:
                self._add_mention(parent, s0, e0)
            u.mentions = []

    def parent_words_to_the_named_parent(self) -> None:
        """Once the learned roles have placed a named parent the rules left without a role
        ("Doyle family (Sarah Doyle 34; ...)"), the unnamed "mum" or "dad" is that parent, as
        when the rules place them: where exactly one named person has the role."""
        for role in ("mother", "father"):
            named = [p for p in self.people if p.role == role and (p.first or p.last)]
            if len(named) != 1:
                continue
            unnamed = [
                p
                for p in self.people
                if p.descriptor == role
                and not (p.first or p.last)
                and not p.bound
                and p.mentions
                # "his mum", "Mr Aziz's mother", "Victim's mother": someone's parent, maybe
                # the named parent's own
                and not any(
                    _POSSESSED.search(self.flat[max(0, s0 - 20) : e0]) for s0, e0 in p.mentions
                )
            ]
            if unnamed:
                self._give_words(named[0], unnamed)
                named[0].mentions = sorted(set(named[0].mentions))  # in text order, as before
        if any(not p.mentions for p in self.people):
            self.keep_people([p for p in self.people if p.mentions])

    def _own_child(self, p: _Draft) -> bool:
        """Whether an unnamed parent is described as one named child's ("Tyler's father")."""
        return any(re.match(r"^[A-Z][\w-]+['’]s\s", f) for f in p.forms)


#: A parent word owned by someone: "his mum", "Mr Aziz's mother", "their father".
_POSSESSED = re.compile(
    r"(?:['’]s|\b(?:his|her|their|whose))\s+(?:own\s+|late\s+|birth\s+)?\w+$", re.IGNORECASE
)


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


#: A line that opens with being seen carries on about the line before ("Patient: Chantelle
#: Burke ...\nSeen alone by ED nurse"); a line of checks does not (it may be about anyone).
_NEW_LINE_SEEN = re.compile(r"\s*(?:not |never |also )?(?:seen|spoken to|visited|met)\b", re.I)


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
        quoted = quoted_spans(s.text, s.start)
        while mi < len(mentions) and mentions[mi].start < s.start:
            mi += 1
        j = mi
        local: list[_Mention] = []
        while j < len(mentions) and mentions[j].start < s.end:
            local.append(mentions[j])
            j += 1
        events: list[tuple[int, _Mention | re.Match[str]]] = [(m.start, m) for m in local]
        events += [(s.start + p.start(), p) for p in _PRONOUN.finditer(s.text)]
        events.sort(key=lambda e: e[0])
        subject: int | None = None
        for pos, obj in events:
            inside = any(q0 < pos < q1 for q0, q1 in quoted)
            if isinstance(obj, _Mention):
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
                if fits:  # a named child of unknown sex mentioned since the last fit is
                    # likelier ("Liam's dad, Michael ... Liam returned ... I saw him alone")
                    latest = max(last_at[f] for f in fits)
                    pool = fits + [
                        i
                        for i in unknown
                        if people[i].role in CHILD_ROLES and people[i].first and last_at[i] > latest
                    ]
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
            if (
                line_subject is not None
                and _NEW_LINE_SEEN.match(s.text)
                and (not refs or refs[0].pos > s.start + 12)
            ):
                # "Patient: Chantelle Burke ...\nSeen alone by ED nurse": the same person
                refs.insert(0, _Ref(s.start, line_subject, False, pronoun=True))
            else:
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


def quoted_spans(text: str, offset: int) -> list[tuple[int, int]]:
    """Where words in quotation marks stand in ``text`` (a sentence or clause starting at
    ``offset`` in the draft): a name inside is someone's words, not the note's reference."""
    return [(offset + q.start(), offset + q.end()) for q in _QUOTED.finditer(text)]


def _later(reader: _Reader, a: int, b: int) -> bool:
    pa = reader.people[a].mentions
    pb = reader.people[b].mentions
    return bool(pa and pb and pa[-1][0] > pb[-1][0])
