"""Seen, seen alone and checks, attributed to the right person clause by clause, and the
adult whose behaviour is the concern."""

from __future__ import annotations

import re

from assistant.casefile.cues import Cues
from assistant.casefile.draft import _CHILD_GROUP, _UP, _Draft
from assistant.casefile.model import CHILD_ROLES, PARENT_ROLES
from assistant.casefile.people import _NOT_A_PERSON_LABEL, _clauses, _Reader, _Ref, quoted_spans
from assistant.review import Sentence

_FUTURE = re.compile(
    r"\b(?:will|shall|should|must|may|might|needs? to|going to|to)\s+(?:be\s+)?(?:\w+\s+)?$",
    re.IGNORECASE,
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
    """ "neg" for a cue that is denied ("could not see M alone"), "future" for one still to
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
    own_refs = refs
    refs, label_ends = _with_label_refs(reader, sentences, refs)
    seen: dict[int, bool] = {}
    alone: dict[int, bool] = {}
    all_children = [i for i, p in enumerate(reader.people) if p.role in CHILD_ROLES]
    ends = {m.start: m.end for m in reader.mentions} | label_ends
    for n, (s, srefs) in enumerate(zip(sentences, refs, strict=True)):
        if n in plan:
            continue  # "see Hannah alone at the clinic" is still to happen
        for a, b in _clauses(s):
            part = flat[a:b]
            remote = _remote_at(cues, part, a)
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
                if state == "neg" and _TRIED.search(
                    flat[max(a, a + m.start() - 40) : a + m.start()]
                ):
                    state = "tried"  # "HV could not see M alone": M was there
                alone_cues.append((a + m.start(), a + m.end(), state))
            seen_cues = []
            for m in seen_found:
                ca, cb = a + m.start(), a + m.end()
                if any(ca >= s0 and cb <= e0 for s0, e0 in covered):
                    continue
                if (
                    _AGENCY_CAME.match(flat[ca:cb])
                    and _AGENCY_SUBJECT.search(flat[a:ca])
                    and not _FOUND_MARK.match(flat[cb : cb + 12])
                ):
                    continue  # "police attended a DA incident between M and F": no one seen
                state = _cue_state(flat, a, ca, cues.negation)
                if state == "" and _BASE_FORM.match(m.group(0)):
                    continue  # "see M & children separately": a plan, not a visit
                seen_cues.append((ca, cb, state == ""))
            if remote:
                # by phone is not in person: the cue the remote words follow or stand just
                # before ("seen at home 17/2 and spoken to by phone 21/2": seen once in person)
                starts = sorted(c[0] for c in seen_cues + alone_cues) + [b]
                far = {
                    c0
                    for c0, nxt in zip(starts, starts[1:], strict=False)
                    if any(c0 - 25 <= x < nxt for x in remote)
                }
                # a denied cue stays denied ("Not present: Dad - invited by letter")
                seen_cues = [c for c in seen_cues if c[0] not in far or not c[2]]
                alone_cues = [c for c in alone_cues if c[0] not in far or c[2] != ""]
            if not seen_cues and not alone_cues:
                continue
            quoted = quoted_spans(part, a)
            people = [
                r
                for r in srefs
                if a <= r.pos < b
                and not r.possessive
                and not any(q0 < r.pos < q1 for q0, q1 in quoted)  # their words, not the note's
            ]
            if _lay_seer(reader, part, a, seen_cues, people):
                seen_cues = []  # "Caller says ... she saw bruising on mum's arm": no professional
            for m in _CHILD_GROUP.finditer(part):
                people += [_Ref(a + m.start(), c, False) for c in all_children]
            owner = _cue_owners(flat, ends, people, [c[0] for c in seen_cues + alone_cues])
            subjects = {c: _subjects(flat, ends, people, o, c) for c, o in owner.items()}
            for r in people:
                if cues.excluded_after.search(flat[max(a, r.pos - 30) : r.pos]):
                    continue
                end = ends.get(r.pos, r.pos + 3 if r.pronoun else r.pos)
                gone = _ABSENT.match(flat[end : end + 40])
                # "On arrival the suspect had left", "Partner gone on arrival"; not what
                # happened next ("had left before police arrived and was arrested")
                gone_at = end + gone.end() if gone else -1
                companion = bool(_COMPANION.search(flat[max(a, r.pos - 12) : r.pos]))
                usable = [
                    c
                    for c in seen_cues
                    if (r.pos < c[0] or not _SUBJECT_BEFORE.match(flat[c[0] : c[1]]))
                    and not (c[0] in owner and r.pos > c[0] and not companion)
                    and not (c[0] in owner and r.pos < c[0] and r.person not in subjects[c[0]])
                    and not (gone and (c[0] < gone_at or not _NEXT.search(flat[gone_at : c[0]])))
                ]
                if usable:
                    ca, cb, pos = min(
                        usable, key=lambda c: min(abs(c[0] - r.pos), abs(c[1] - r.pos))
                    )
                    if pos:
                        seen[r.person] = True
                    else:
                        seen.setdefault(r.person, False)
                # a professional between them is not the one seen alone ("seen ... with a
                # Lithuanian interpreter, and seen alone at the office")
                lay = [q for q in people if reader.people[q.person].role != "professional"]
                # an alone cue is not the person's when another cue stands between them
                # ("Leah and Finley were seen together ... and Leah was seen on her own")
                others = [o[0] for o in seen_cues + alone_cues]
                reach = [
                    c
                    for c in alone_cues
                    if not _blocked(r.pos, c[0], others, lay)
                    and not (c[0] in owner and r.pos > c[0])
                ]
                if _COMPANION.search(flat[max(a, r.pos - 12) : r.pos]) and any(
                    q.pos < r.pos for q in people
                ):
                    reach = []  # "I saw Ellie-Rose at home with Mrs Quinn and separately ..."
                if reach:
                    ca, cb, state = min(
                        reach, key=lambda c: min(abs(c[0] - r.pos), abs(c[1] - r.pos))
                    )
                    if state == "":
                        alone[r.person] = True
                        seen[r.person] = True
                    else:
                        # "HV could not see M alone", "not seen alone": seen, but not alone
                        alone.setdefault(r.person, False)
                        if state == "tried" and not seen_cues:
                            seen[r.person] = True
    for i in _arrived(reader, sentences, own_refs, plan):
        seen[i] = True  # "F arrived partway through", "Mum collected both children at 15:15"
    for i in _present_at_meeting(reader):
        seen[i] = True  # on the list of those there: a denial read across lines is not theirs
    for i, p in enumerate(reader.people):
        p.seen = seen.get(i, False)
        p.alone = alone.get(i, False)


#: Cues that say an agency came ("police attended", "officers attend"), not whom it saw.
_AGENCY_CAME = re.compile(r"(?:attend(?:ed)?|on arrival)\b", re.IGNORECASE)
#: An agency as the subject right before such a cue.
_AGENCY_SUBJECT = re.compile(
    r"\b(?:police|officers?|ambulance|paramedics|fire service|(?:PC|DC|PS|DS)(?: \w+)?)"
    r"(?:\s+(?:had|have|has|then|later|again|also))?\s*$",
    re.IGNORECASE,
)


#: A mark after an agency's attendance introduces what it found there ("Police attend -
#: Wayne and Kelly arguing in street"): those are seen.
_FOUND_MARK = re.compile(r"(?:\s+(?:the\s+)?(?:home|address|property|house|flat))?\s*[:–-]\s")


#: Said of a person right after their name: they were not there to be seen.
_ABSENT = re.compile(
    r"^\s*(?:\([^)]{0,30}\)\s*)?(?:(?:had|has|have|was|were|is|are)\s+)?(?:already\s+)?"
    r"(?:left|gone|absent|not (?:present|there|home|at home|in|located|found)|out\b)",
    re.IGNORECASE,
)


_NEXT = re.compile(r"\b(?:and|then|later|but)\b", re.IGNORECASE)


#: Between a subject and its verb: "F (Harpreet Gill) arrived", "Mum has collected".
_SUBJECT_GAP = re.compile(
    r"^\s*(?:\([^)]{0,40}\)\s*)?(?:,[^,]{0,40},\s*)?"
    r"(?:(?:has|had|have|then|later|also|finally|eventually|always|usually)\s+){0,2}$",
    re.IGNORECASE,
)


def _arrived(
    reader: _Reader, sentences: list[Sentence], refs: list[list[_Ref]], plan: frozenset[int]
) -> set[int]:
    """Family adults who are the subject of coming in person ("Kyle arrived 20 mins into the
    visit", "Mum collected both children"): seen by whoever was there. Only the subject: the
    child collected or the person named after the verb is not."""
    out: set[int] = set()
    flat, cues = reader.flat, reader.cues
    ends = {m.start: m.end for m in reader.mentions}
    for n, (s, srefs) in enumerate(zip(sentences, refs, strict=True)):
        if n in plan:
            continue
        for a, b in _clauses(s):
            part = flat[a:b]
            if _remote(cues, part):
                continue
            found = [(m, False) for m in cues.presence.finditer(part)]
            found += [(m, True) for m in cues.injury.finditer(part)]
            for m, injury in found:
                c = a + m.start()
                if _cue_state(flat, a, c, cues.negation):
                    continue
                if cues.stated_as_account.search(flat[s.start : c]):
                    continue  # "MGM reports M arrived at the house with her ex": not seen
                if injury and _lay_witness(reader, flat[s.start : c], srefs):
                    continue  # "MGM visited yesterday: M had a black eye"
                for r in srefs:
                    end = ends.get(r.pos, r.pos + 3 if r.pronoun else r.pos)
                    if (
                        a <= r.pos < c
                        and not r.possessive
                        and _SUBJECT_GAP.match(flat[end:c])
                        and reader.people[r.person].is_family()
                    ):
                        out.add(r.person)
    return out


#: A family member or lay person who saw or visited: what they saw is not a professional's.
_FAMILY_SAW = re.compile(
    r"^\s*(?:\([^)]{0,30}\)\s*)?(?:visited|saw|noticed|noted|seen|went)\b", re.I
)


def _lay_witness(reader: _Reader, before: str, srefs: list[_Ref]) -> bool:
    """Whether the words before an injury name a lay witness ("MGM visited yesterday: ...",
    "a neighbour saw ...")."""
    if _LAY_SEER.search(before):
        return True
    ends = {m.start: m.end for m in reader.mentions}
    start = reader.flat.find(before) if before else -1
    for r in srefs:
        end = ends.get(r.pos)
        if end is None or not reader.people[r.person].is_family() or start < 0:
            continue
        if start <= r.pos < start + len(before) and _FAMILY_SAW.match(reader.flat[end:]):
            return True
    return False


#: Someone else on the phone: "M seen alone at home, Kurdish Sorani interpreter by phone".
_REMOTE_OTHER = re.compile(r"\b(?:interpret(?:er|ers|ing|ed)|Language Line|translat\w+)\s*$", re.I)


def _remote_at(cues: Cues, part: str, a: int) -> list[int]:
    """Where the clause says a contact was not in person (by phone, video, letter), but not
    an interpreter on the phone."""
    return [
        a + m.start()
        for m in cues.remote.finditer(part)
        if not _REMOTE_OTHER.search(part[max(0, m.start() - 30) : m.start()])
    ]


def _remote(cues: Cues, part: str) -> bool:
    """Whether the clause says the contact was not in person (by phone, video, letter); an
    interpreter on the phone does not make the person seen by phone."""
    return bool(_remote_at(cues, part, 0))


#: A line listing who was at a meeting ("Present: Sophie Moran (mum); Dawn Moran ...",
#: "Attendees: Kian; Michelle Walsh (mother)"); not those sent apologies or not there.
_PRESENT_LINE = re.compile(
    r"(?im)^[ \t\W]*(?:present|attendees|attending|in attendance|attended by)[ \t]*:"
    r"[^\n]*?(?=\.\s+[A-Z]|\.?[ \t]*$)"  # to the end of its first sentence
)


def _present_at_meeting(reader: _Reader) -> list[int]:
    """The family members named on a line of those present at a meeting: seen in person."""
    out = []
    for m in _PRESENT_LINE.finditer(reader.text):
        for r in reader.mentions:
            if m.start() <= r.start < m.end() and reader.people[r.person].is_family():
                out.append(r.person)
    return out


#: A person named after "with" in a seeing clause was there, beside the one seen.
_COMPANION = re.compile(r"\bwith\s+(?:(?:her|his|their|the)\s+)?$", re.IGNORECASE)
#: A seeing verb in the active voice, whose subject did the seeing.
_ACTIVE_SEEING = re.compile(r"(?:saw|visited|met|spoke|talked)\b", re.IGNORECASE)
#: Who counts as a professional seer when written as a word, not a named person.
_PROFESSIONAL_SEER = re.compile(
    r"\b(?:I|we|SW|HV|DSL|GP|police|officers?|worker|nurse|midwife|teacher|staff|school|"
    r"nursery|PC|DC|DS|social worker|health visitor|practitioner|the team)\b",
    re.IGNORECASE,
)
#: Lay people who may see someone: what they saw is not a professional's seeing.
_LAY_SEER = re.compile(
    r"\b(?:caller|neighbou?rs?|friend|relative|member of the public|anonymous|referrer)\b",
    re.IGNORECASE,
)


def _lay_seer(
    reader: _Reader, part: str, a: int, seen_cues: list[tuple[int, int, bool]], people: list[_Ref]
) -> bool:
    """Whether every active seeing verb in the clause has a lay subject (a family member, a
    caller, a neighbour) and none has a professional one: then no one was seen by a
    professional ("she saw bruising on mum's arm", said by a caller)."""
    if not seen_cues:
        return False
    for ca, cb, _ok in seen_cues:
        if not _ACTIVE_SEEING.match(reader.flat[ca:cb]):
            return False
        before = reader.flat[a:ca]
        subject = [r for r in people if r.pos < ca]
        if _PROFESSIONAL_SEER.search(before):
            return False
        if _MUTUAL_SEEING.match(reader.flat[ca:cb]) and _professional_after(reader, cb, people):
            return False  # "Bridget spoke to officers": talking is both ways; she was seen
        lay_person = subject and reader.people[subject[-1].person].role != "professional"
        if not (lay_person or _LAY_SEER.search(before)):
            return False
    return True


#: Seeing verbs that go both ways: to speak to or meet a professional is to be seen by one.
_MUTUAL_SEEING = re.compile(r"(?:spoke|talked|met)\b", re.IGNORECASE)
_OBJECT_LEAD = re.compile(r"^\s*(?:to |with )?(?:the |an? |two |both )?", re.IGNORECASE)


def _professional_after(reader: _Reader, cb: int, people: list[_Ref]) -> bool:
    """Whether the object right after a seeing verb is a professional ("spoke to officers",
    "met with the SW", "talked to Ms Achebe (HV)")."""
    after = _OBJECT_LEAD.sub("", reader.flat[cb : cb + 25])
    if _PROFESSIONAL_SEER.match(after):
        return True
    nxt = [r for r in people if cb <= r.pos <= cb + 12]
    return bool(nxt) and reader.people[nxt[0].person].role == "professional"


#: Between a subject and its passive seeing cue: "F seen alone", "M was seen", "Jo has been seen".
_PASSIVE_GAP = re.compile(
    r"^\s*(?:\([^)]{0,20}\)\s*)?(?:(?:was|were|is|are|has been|have been|had been)\s+)?"
    r"(?:(?:last|also|only|first|briefly|then|later|since|recently|just)\s+)?$"
)


def _cue_owners(
    flat: str, ends: dict[int, int], people: list[_Ref], cue_starts: list[int]
) -> dict[int, int]:
    """Cues whose subject stands right before them ("F seen alone 17/07: described M hitting
    him"): the cue is theirs (and their fellow subjects'), not a person's named after it,
    unless that one is with them ("Kayden was seen by officers with Ashley")."""
    owner: dict[int, int] = {}
    for c in cue_starts:
        for r in people:
            end = ends.get(r.pos, r.pos + 3 if r.pronoun else r.pos)
            if r.pos < c and _PASSIVE_GAP.match(flat[end:c]):
                owner[c] = r.person
    return owner


#: Between two subjects of one verb: "M and F were seen", "Leah, Finley & Mia seen".
_SUBJECT_JOIN = re.compile(r"\s*(?:\([^)]{0,30}\)\s*)?(?:,|,?\s*(?:and|&|\+))\s*", re.IGNORECASE)


def _subjects(
    flat: str, ends: dict[int, int], people: list[_Ref], owner: int, cue: int
) -> set[int]:
    """The subject of a passive cue and those joined to it before it ("M and F seen"): the
    people earlier in the clause are not ("checks on M, and to ask HV when Tia was seen")."""
    out = {owner}
    before = sorted((r for r in people if r.pos < cue), key=lambda r: r.pos)
    mine = [r.pos for r in before if r.person == owner]
    if not mine:
        return out
    first = mine[-1]
    for r in reversed([r for r in before if r.pos < first]):
        end = ends.get(r.pos, r.pos + 3 if r.pronoun else r.pos)
        if not _SUBJECT_JOIN.fullmatch(flat[end:first]):
            break
        out.add(r.person)
        first = r.pos
    return out


def _blocked(pos: int, cue: int, cues_at: list[int], people: list[_Ref]) -> bool:
    """Whether another cue and another person stand between a person and a cue."""
    lo, hi = min(pos, cue), max(pos, cue)
    return any(lo < o < hi for o in cues_at) and any(lo < q.pos < hi for q in people)


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
    refs, label_ends = _with_label_refs(reader, sentences, refs)
    done: dict[int, list[str]] = {}
    carry: list[int] = []
    carry_kinds: list[str] = []
    carry_age = 9
    labelled = _labels(reader)
    sections = _person_sections(reader)
    for n, (s, srefs) in enumerate(zip(sentences, refs, strict=True)):
        carry_age += 1
        found_here = False
        for a, b in _clauses(s):
            part = flat[a:b]
            kinds = [k for k, pat in cues.checks.items() if pat.search(part)]
            nil = (
                not kinds
                and carry_kinds
                and carry_age <= 2
                and _nil_answer(reader, part, a, label_ends)
            )
            if nil:
                # "Police: Craig – two call-outs. Nothing recorded for Danielle.": the same
                # agency's answer about the next person
                kinds = list(carry_kinds)
            stated = cues.police_record_stated.search(part)
            if stated and "police" not in kinds:
                before = flat[s.start : a + stated.start()]
                if not cues.stated_as_account.search(before) and not cues.unverified.search(s.text):
                    kinds.append("police")  # "Mr Hart has a previous conviction for assault"
            if not kinds:
                continue
            found_here = True
            family = [r for r in srefs if people[r.person].is_family() and not r.possessive]
            # the person named after "checks on", "re", "Police:" is the one checked
            named = [
                r.person
                for r in family
                if cues.check_target.search(flat[max(s.start, r.pos - 60) : r.pos])
            ]
            named += (
                _coordinated(reader, family, named)
                + _parents_named(part, people)
                + _shared_title(part, people)
            )
            if not named and (_BOTH.search(part) or _COUPLE.search(part)):
                named = _the_two(people, refs, n)  # "Police checks on both were clear"
            if not named:
                # "Perpetrator checks: PNC - ..." after "Perpetrator: Gary Pratt"
                named = [i for lab, i in labelled.items() if _labelled_check(lab).search(s.text)]
            if named:
                targets = named
            else:
                free = [
                    r
                    for r in family
                    if not cues.not_check_target.search(flat[max(s.start, r.pos - 16) : r.pos])
                    and not re.match(
                        r"^[\w' -]{0,12}\bas (?:the )?victim", flat[r.pos : r.pos + 30]
                    )
                ]
                targets = [r.person for r in free if a <= r.pos < b]
                if not targets:
                    targets = [r.person for r in free]
                others = [r for r in srefs if a <= r.pos < b and not people[r.person].is_family()]
                if not targets:
                    # "Probation: Callum's community order has ended": the record is his (not
                    # "Amy's mother", someone else)
                    targets = [
                        r.person
                        for r in srefs
                        if a <= r.pos < b
                        and r.possessive
                        and people[r.person].is_family()
                        and (
                            not _KIN_AFTER.match(flat[r.pos : r.pos + 40])
                            # children's services hold records of families: "Jordan's son
                            # was made subject to a care order" is a record on Jordan
                            or kinds == ["previous-authority"]
                        )
                    ][:1]
                about_children = bool(_CHILD_GROUP.search(part))  # "about both children"
                if not targets and carry and carry_age <= 2 and not others and not about_children:
                    # "No record for her." after a police line; not "Health: Tyler seen ..."
                    targets = list(carry)
                if not targets and not about_children:
                    # "2. Adrian" on a line of its own, then "Police checks back: ...": the
                    # section's person
                    targets = [p for x, y, p in sections if x <= s.start < y][:1]
                if (
                    not targets
                    and not srefs
                    and not about_children
                    and len(harm) == 1
                    and people[min(harm)].role in _HARM_CHECKED
                ):
                    # "Checks: PNC shows two cautions ..." in a text about one man's harm:
                    # checks with no one named are on him (not on a mother, most often the
                    # one harmed)
                    targets = list(harm)
                if len(set(targets)) > 1 and harm & set(targets):
                    targets = [t for t in targets if t in harm]
            targets = list(dict.fromkeys(targets))
            if not targets:
                continue
            carry, carry_age, carry_kinds = targets, 0, kinds
            answer = _after_mark(part)
            answered = bool(answer) and bool(cues.check_done.search(answer))
            if answered and not cues.check_pending.search(answer) and n not in plan_sentences:
                pass  # "PNC update requested on Mr Reid: police confirm ...": it came back
            elif n in plan_sentences or _pending(cues, part):
                carry_kinds = []  # a check still to come gives no answer to carry on
                continue
            if (
                not nil and not cues.check_done.search(part) and not _RESULT_LINE.search(part)
            ):  # "GP (Dr Hollis): MGM seen 16/09 with a bruised forearm" reports a result
                continue
            for t in targets:
                for k in kinds:
                    if k == "school" and not named:
                        continue  # a school reports on its pupils: an adult only when named
                    if k not in done.setdefault(t, []):
                        done[t].append(k)
        if not found_here and s.text.rstrip().endswith(":") is False and carry_age > 1:
            carry, carry_kinds = [], []
    found = _letter_checks(reader)
    for t, kinds in _table_checks(reader).items():
        found.setdefault(t, []).extend(kinds)
    for t, kinds in _answer_blocks(reader, sentences, refs, plan_sentences).items():
        found.setdefault(t, []).extend(kinds)
    for t, kinds in found.items():
        for k in kinds:
            if k not in done.setdefault(t, []):
                done[t].append(k)
    return done


_ANOTHER = re.compile(r"\b(?:a|an|another|any|each|every)\s+$", re.IGNORECASE)


def _with_label_refs(
    reader: _Reader, sentences: list[Sentence], refs: list[list[_Ref]]
) -> tuple[list[list[_Ref]], dict[int, int]]:
    """Each sentence's references, plus the field labels that name one family person used
    again as words ("Victim: Hollie Barker" ... "PNC on suspect: ...", "No trace on
    VICTIM", "victim spoken to alone"): in any case, and before a colon in running text,
    which the people's reader leaves to the label itself. Not "a victim", someone else."""
    cues = reader.cues
    labels = {
        w: p
        for w, p in _labels(reader).items()
        if len(w.split()) <= 2
        and not w.endswith("s")  # "Updates:", "Parents:"
        # a meeting's list, a heading, a status, a role word read already: not a person's
        and not any(
            pat.search(w)
            for pat in (cues.meeting_list, cues.seen, cues.alone, cues.professional_label)
        )
        and not any(
            pat.fullmatch(w)
            for pat in (_NOT_A_PERSON_LABEL, cues.agency, cues.heading, cues.analysis_heading)
        )
        and not any(pat.fullmatch(w) for _role, pat in cues.roles)
    }
    ends: dict[int, int] = {}
    if not labels:
        return refs, ends
    taken = {m.start for m in reader.mentions}
    flat = reader.flat
    extra: list[_Ref] = []
    for word, person in labels.items():
        pat = re.compile(rf"(?<![\w'’-]){re.escape(word)}(?![\w-])", re.IGNORECASE)
        for w in pat.finditer(flat):
            if w.start() in taken:
                continue
            if _ANOTHER.search(flat[max(0, w.start() - 9) : w.start()]):
                continue
            line_start = reader.text.rfind("\n", 0, w.start()) + 1
            if re.match(r"[\W\d]*$", flat[line_start : w.start()]) and re.match(
                r"\s*:", flat[w.end() : w.end() + 3]
            ):
                continue  # the label itself
            poss = bool(re.match(r"['’]s\b", flat[w.end() : w.end() + 2]))
            extra.append(_Ref(w.start(), person, poss))
            ends[w.start()] = w.end()
    if not extra:
        return refs, ends
    out = []
    for s, srefs in zip(sentences, refs, strict=True):
        more = [r for r in extra if s.start <= r.pos < s.end]
        out.append(sorted(srefs + more, key=lambda r: r.pos) if more else srefs)
    return out, ends


#: A heading that is one person: "2. Adrian", "Mr Kowalski (father):", "- Nan -".
_PERSON_HEADING = re.compile(r"^[ \t]*(?:\d{1,2}[.)]|[-•*#])?[ \t]*$")
_HEADING_TAIL = re.compile(r"^[ \t]*(?:\([^)\n]{0,40}\))?[ \t]*[:–—-]?[ \t]*$")


def _person_sections(reader: _Reader) -> list[tuple[int, int, int]]:
    """Paragraphs headed by one family person's name on a line of its own ("2. Adrian",
    "F (Ionut)"): (start, end, person). What they say with no one named is about them."""
    flat = reader.text  # its lines
    out: list[tuple[int, int, int]] = []
    for m in reader.mentions:
        if m.possessive or not reader.people[m.person].is_family():
            continue
        line_start = flat.rfind("\n", 0, m.start) + 1
        line_end = flat.find("\n", m.end)
        line_end = len(flat) if line_end < 0 else line_end
        if not _PERSON_HEADING.match(flat[line_start : m.start]):
            continue
        if not _HEADING_TAIL.match(flat[m.end : line_end]):
            continue
        stop = flat.find("\n\n", line_end)
        out.append((line_end, len(flat) if stop < 0 else stop, m.person))
    return out


#: A field's label right before a name: "Perpetrator: Gary Pratt", "   Victim: Justyna ...".
_LABEL = re.compile(r"(?m)(?:^|\t|\s{2,}|;\s*)[ \t]*([A-Za-z][A-Za-z -]{1,24}?)[ \t]*:[ \t]*$")


def _labels(reader: _Reader) -> dict[str, int]:
    """Field labels each naming one family person ("Perpetrator: Gary Pratt"), by label: a
    check on "the perpetrator" is a check on him. Agencies' labels ("Police: ...") are not."""
    found: dict[str, set[int]] = {}
    for m in reader.mentions:
        lab = _LABEL.search(reader.text[max(0, m.start - 40) : m.start])
        if not lab or not reader.people[m.person].is_family():
            continue
        word = lab.group(1).strip().lower()
        if any(p.search(word) for p in reader.cues.checks.values()) or any(
            p.search(word) for p in reader.cues.agency_kinds.values()
        ):
            continue
        found.setdefault(word, set()).add(m.person)
    return {w: min(ps) for w, ps in found.items() if len(ps) == 1 and len(w) > 2}


def _labelled_check(label: str) -> re.Pattern[str]:
    """A check written on a label ("Perpetrator checks:", "checks on the perpetrator")."""
    w = re.escape(label)
    return re.compile(
        rf"\b{w}(?:['’]s)?\s+(?:checks?|records?|history)\b|"
        rf"\bchecks?\s+(?:on|re|for|regarding)\s+(?:the\s+)?{w}\b",
        re.IGNORECASE,
    )


#: The roles of an adult whose harm makes them the one an unnamed check is about.
_HARM_CHECKED = frozenset({"father", "stepfather", "partner", "new-partner"})


#: A letter's or e-mail's header lines: who it is from, and whom it is about.
_FROM_LINE = re.compile(r"(?im)^[ \t]*from[ \t]*:([^\n]*)$")
_ABOUT_LINE = re.compile(r"(?im)^[ \t]*(?:re|subject)[ \t]*:([^\n]*)$")


def _letter_checks(reader: _Reader) -> dict[int, list[str]]:
    """An agency's letter or reply about a named person ("From: Probation Service ... Re:
    Information request - Jordan Pike") is that agency's check on them: it came back."""
    head = reader.text[:600]
    frm = _FROM_LINE.search(head)
    about = _ABOUT_LINE.search(head)
    if not frm or not about or not reader.cues.letter_reply.search(head):
        return {}  # a referral from a health visitor is not a reply to checks
    kinds = [k for k, pat in reader.cues.agency_kinds.items() if pat.search(frm.group(1))]
    if not kinds:
        return {}
    out: dict[int, list[str]] = {}
    a, b = about.start(1), about.end(1)
    for m in sorted(reader.mentions, key=lambda m: m.start):
        if a <= m.start < b and reader.people[m.person].is_family() and not m.possessive:
            # the one it is about comes first ("Re: Jordan Pike, new partner of Ms Wilde")
            out[m.person] = list(kinds)
            break
    # the agency's own search, in its own words, answers for whoever it names ("I've checked
    # our systems and we hold nothing on Jade")
    for own in _OWN_SEARCH.finditer(reader.text):
        for m in reader.mentions:
            if (
                own.start() <= m.start < own.end()
                and reader.people[m.person].is_family()
                and not m.possessive
            ):
                out.setdefault(m.person, list(kinds))
    return out


#: An agency's reply about its own records: "we hold nothing on Jade", "our records show ...".
_OWN_SEARCH = re.compile(
    r"\b(?:we hold (?:nothing|no \w+(?: \w+)?)|our (?:records|systems) show|"
    r"(?:checked|searched) our (?:systems|records)[^.\n]*?(?:nothing|no \w+))"
    r"[^.\n]{0,12}?\b(?:on|for|about|regarding)\s+[^.\n]{1,40}",
    re.IGNORECASE,
)


#: A check written as a label and its result: "GP (Dr Hollis): ...", and with the person it is
#: on, "PNC on Karwan Hassan: one harassment offence" (what follows the mark is the answer).
_RESULT_LINE = re.compile(
    r"^\W*[A-Za-z]+\s*(?:\([^)]{1,30}\)\s*)?"
    r"(?:(?:checks?\s+)?(?:on|re|for|regarding|about)\s+[^:;–\n]{1,40}?\s*)?[:–-]\s"
)


#: Words that give an agency's answer: what follows is its content.
_ANSWER_VERB = re.compile(
    r"\b(?:confirm(?:s|ed)|show(?:s|ed)|report(?:s|ed)|advis(?:es|ed)|stat(?:es|ed)|notes|noted)\b",
    re.IGNORECASE,
)
#: Negations that say a check is not done only when they are not part of its answer.
_CONTENT_NEGATION = re.compile(
    r"^(?:ha(?:ve|s|d) not|ha(?:ve|s|d)n['’]t|not been|cannot|can['’]t|could not|unable to)$",
    re.IGNORECASE,
)


def _pending(cues: Cues, part: str) -> bool:
    """A check still to come ("PNC requested", "no checks yet"); a negation inside what the
    agency said is its answer, not a pending check ("GP confirmed she has not attended"); a
    request the clause then says came back is answered ("requested 04/10, returned 07/10")."""
    for m in cues.check_pending.finditer(part):
        answer = _ANSWER_VERB.search(part, 0, m.start())
        if answer and _CONTENT_NEGATION.match(m.group(0)):
            continue
        back = _CAME_BACK.search(part, m.end()) if _REQUEST.fullmatch(m.group(0)) else None
        if back and not _NOT_YET.search(part[max(0, back.start() - 16) : back.start()]):
            continue
        return True
    return False


#: A request, and the word that says it was answered later in the same clause.
_REQUEST = re.compile(r"request(?:ed)?", re.IGNORECASE)
_CAME_BACK = re.compile(r"\b(?:returned|received|came back|replied)\b", re.IGNORECASE)
_NOT_YET = re.compile(r"\b(?:not|yet|be|when|once|if|until)\s+$", re.IGNORECASE)


def _after_mark(part: str) -> str:
    """What follows a check's label mark ("...: police confirm bail expired"): its answer."""
    m = re.search(r"[:–]\s|\s-\s", part)
    return part[m.end() :].strip() if m else ""


#: A possessive naming a relative ("Amy's mother", "his ex-partner"), not a record of one's own.
_KIN_AFTER = re.compile(
    r"^\S*?['’]s\s+(?:\w+[\s-]+)?(?:mother|mum|father|dad|partner|boyfriend|girlfriend|husband|"
    r"wife|son|daughter|child|children|baby|brother|sister|sibling|nan|gran\w*|aunt\w*|uncle|"
    r"cousin|friend|family|carer)\b",
    re.IGNORECASE,
)


def _nil_answer(reader: _Reader, part: str, a: int, more: dict[int, int]) -> bool:
    """A clause that is an answer with no agency of its own, at its start ("Nothing held on
    Amy.", "No convictions.") or straight after the one name it is about ("Kwame Antwi not
    known."); not "his immigration status is not known"."""
    rest = part.lstrip(" -–•:;,.\t\n")
    if reader.cues.check_nil.match(rest):
        return True
    start = a + len(part) - len(rest)
    ends = {m.start: m.end for m in reader.mentions} | more
    if start in ends:
        tail = reader.flat[ends[start] : a + len(part)]
        tail = re.sub(r"^\s*(?:[:–-]\s*)?(?:is |was )?", "", tail)
        return bool(reader.cues.check_nil.match(tail))
    return False


def _coordinated(reader: _Reader, family: list[_Ref], named: list[int]) -> list[int]:
    """Those joined by "and" or "or" to a person a check names ("police and DBS on Denise and
    Keith", "nothing recorded on Seun or Mei Ling"): checked too."""
    ends = {m.start: m.end for m in reader.mentions}
    out: list[int] = []
    last_end: int | None = None
    for r in sorted(family, key=lambda r: r.pos):
        if r.person in named or r.person in out:
            last_end = ends.get(r.pos)
            continue
        if last_end is not None and _JOINED.fullmatch(reader.flat[last_end : r.pos]):
            out.append(r.person)
            last_end = ends.get(r.pos)
        else:
            last_end = None
    return out


_JOINED = re.compile(r"\s*(?:,|,?\s*(?:and|or|&))\s*", re.IGNORECASE)


#: "checks on both", "on both of them": two people named just before, not "both children".
_BOTH = re.compile(
    r"\b(?:on|re|for|about)\s+both(?:\s+of\s+them)?(?=\s*(?:[:,.;)–-]|$|(?:were|are|was|is|"
    r"have|has|returned|came|come|clear|nil|show(?:s|ed)?|confirm(?:s|ed)?)\b))"
    # "Both were checked with police", "Both of them have been checked": the subject
    r"|^\W*both(?:\s+of\s+them)?\s+(?:were|have\s+been|had\s+been|are)\s+(?:\w+\s+)?checked\b",
    re.IGNORECASE,
)


#: "four call-outs between the couple", "police records on the couple": the two adults named
#: just before (as "both"), not a couple named elsewhere in the sentence.
_COUPLE = re.compile(
    r"\b(?:on|re|for|about|between|involving|of)\s+the\s+couple\b"
    r"(?!\s*(?:'s|’s)?\s*(?:child|son|daughter))",
    re.IGNORECASE,
)


def _the_two(people: list[_Draft], refs: list[list[_Ref]], n: int) -> list[int]:
    """Whom "both" means: the family adults named nearest before it (this sentence, then up to
    two before), when the nearest sentences that name any name exactly two."""
    seen: list[int] = []
    for k in range(n, max(-1, n - 3), -1):
        for r in refs[k]:
            if people[r.person].is_family() and r.person not in seen:
                seen.append(r.person)
        if len(seen) >= 2:
            break
    return seen if len(seen) == 2 else []


_TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?"
_SHARED_TITLE = re.compile(
    rf"\b({_TITLES})\s+(?:and|&)\s+({_TITLES})\s+([{_UP}][\w'’-]+(?:-[{_UP}][\w'’-]+)?)"
)


def _shared_title(part: str, people: list[_Draft]) -> list[int]:
    """ "Police checks on Mr and Mrs Akhtar": Mr Akhtar and Mrs Akhtar, when each title with
    the surname is how the draft writes one family adult."""
    out: list[int] = []
    for m in _SHARED_TITLE.finditer(part):
        on = re.search(r"\b(?:on|re|for|of|about)\s+$", part[max(0, m.start() - 12) : m.start()])
        if not on and not re.match(r"[\w ]{0,25}\bchecked\b", part[m.end() :]):
            continue  # "Police attended after Mr and Mrs Akhtar argued" checks no one
        surname = m.group(3).lower()
        for title in (m.group(1), m.group(2)):
            t = title.rstrip(".").lower()
            hits = [
                i
                for i, p in enumerate(people)
                if p.is_family()
                and any(
                    (w := f.lower().replace(".", "").split()) and w[0] == t and w[-1] == surname
                    for f in p.forms
                )
            ]
            if len(hits) == 1 and hits[0] not in out:
                out.append(hits[0])
    return out


def _parents_named(part: str, people: list[_Draft]) -> list[int]:
    """ "Police checks on both parents", "no record for either parent": mother and father;
    "no trace for either adult", "checks on both adults": the adults of the household;
    "PNC checks on both grandparents": the grandparents."""
    # "on Tariq or the grandparents": a group joined after the first one named
    on = r"\b(?:on|re|for|of|about)\s+(?:[^.;:]{1,40}?\s(?:and|or|&)\s+)?"
    if re.search(on + r"(?:(?:both|the)\s+parents|(?:either|each|neither)\s+parent)\b", part, re.I):
        parents = [i for i, p in enumerate(people) if p.role in ("mother", "father", "stepfather")]
        if not any(people[i].role != "mother" for i in parents):
            # a mother and her partner are the parents the household has
            parents += [i for i, p in enumerate(people) if p.role in ("partner", "new-partner")]
        return parents
    if re.search(
        on + r"(?:(?:both|the|all)\s+(?:the\s+)?adults|(?:either|each|neither|any)\s+adult)\b",
        part,
        re.I,
    ):
        return [i for i, p in enumerate(people) if p.role in PARENT_ROLES]
    if re.search(
        on + r"(?:(?:both|the|all)\s+(?:the\s+)?(?:(?:maternal|paternal)\s+)?grandparents"
        r"|(?:either|each|neither)\s+grandparent)\b",
        part,
        re.I,
    ):
        return [i for i, p in enumerate(people) if p.role == "grandparent"]
    return []


#: Words after an agency's name that keep it a label ("Police checks:", "GP response").
_LABEL_TAIL = re.compile(
    r"\s+(?:checks?|information|info|records?|update|response|reply|history|findings)$", re.I
)
#: A line opening with a label: "Police (DS Whitfield)", "HEALTH (MASH nurse): ...", "- GP -".
_LINE_LABEL = re.compile(
    r"^[ \t]*(?:[-•*][ \t]*)?(?P<label>[A-Za-z][\w&'’ /.-]{0,40}?)[ \t]*"
    r"(?:\([^)\n]{1,60}\))?[ \t]*"
    # "Police (PNC/PND) rec'd 18/11 14:05:": when the answer came, before a closing colon
    r"(?:(?:rec(?:['’]?d|eived)|returned|came back|back|response|reply)\b[^\n]{0,30}?(?=:[ \t]*$))?"
    r"(?P<mark>:|–|—|-(?=\s)|$)"
)


def _indent(line: str) -> int:
    """How far a line is indented, a bullet counted as indent ("- Police:" is 0, "   F -" 3)."""
    return len(line) - len(line.lstrip(" \t"))


def _label_kinds(reader: _Reader, label: str) -> list[str]:
    """The kinds of check an agency's label stands for ("Police", "GP checks"); school is
    left out (a school reports on its pupils)."""
    label = _LABEL_TAIL.sub("", label.strip())
    return [
        k for k, pat in reader.cues.agency_kinds.items() if k != "school" and pat.fullmatch(label)
    ]


def _answer_spans(reader: _Reader) -> list[tuple[int, int, list[str]]]:
    """Stretches of a text that are one agency's answer: the rest of a line after the
    agency's label ("Police (DS Crosby): Kyle - 3 DA reports ..."), the paragraph under an
    agency's heading ("Police (DS Whitfield)" on a line of its own), and each message of a
    thread that an agency sent in reply ("From: Sgt ..., Westmere Police")."""
    text = reader.text
    out: list[tuple[int, int, list[str]]] = []
    pos = 0
    lines = text.split("\n")
    starts = []
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    for i, line in enumerate(lines):
        m = _LINE_LABEL.match(line)
        if not m or m.group("label").lower() == "from":
            continue
        kinds = _label_kinds(reader, m.group("label"))
        if not kinds:
            continue
        rest = line[m.end() :].strip()
        if rest:
            out.append((starts[i] + m.end(), starts[i] + len(line), kinds))
            continue
        j = i + 1
        indent = _indent(line)
        # the lines indented under a bullet are its answer, up to the next bullet
        nested = j < len(lines) and lines[j].strip() and _indent(lines[j]) > indent
        while j < len(lines) and lines[j].strip() and (not nested or _indent(lines[j]) > indent):
            j += 1
        if j > i + 1:
            out.append((starts[i + 1], starts[j - 1] + len(lines[j - 1]), kinds))
    froms = [i for i, line in enumerate(lines) if re.match(r"[ \t]*from[ \t]*:", line, re.I)]
    if froms and reader.cues.letter_reply.search(text[: max(600, starts[froms[0]] + 600)]):
        for n, i in enumerate(froms):
            head = lines[i]
            if reader.cues.letter_asker.search(head):
                continue
            kinds = [
                k
                for k, pat in reader.cues.agency_kinds.items()
                if k != "school" and pat.search(head)
            ]
            end = starts[froms[n + 1]] if n + 1 < len(froms) else len(text)
            if kinds:
                out.append((starts[i] + len(head), end, kinds))
    return out


def _answer_blocks(
    reader: _Reader, sentences: list[Sentence], refs: list[list[_Ref]], plan: set[int]
) -> dict[int, list[str]]:
    """Within an agency's answer (see _answer_spans) each sentence is about the person it
    opens with ("M - victim x4, no offending", "Mr Walsh is subject to ...") and those joined
    to them: they have that agency's check, unless their clause says it is still to come
    ("F - not yet checked"). Not those named later (the victim of his offence)."""
    spans = _answer_spans(reader)
    out: dict[int, list[str]] = {}
    if not spans:
        return out
    people = reader.people
    cues = reader.cues
    for n, (s, srefs) in enumerate(zip(sentences, refs, strict=True)):
        if n in plan:
            continue
        inside = [(x, ks) for x, y, ks in spans if x <= s.start < y or s.start <= x < s.end]
        if not inside:
            continue
        kinds = [k for _x, ks in inside for k in ks]
        opening = max(s.start, max(x for x, _ks in inside))
        # "Siobhan's ex-partner Rob Tierney (Tommy's father) is on licence": past the kin
        first = [
            r
            for r in srefs
            if r.pos >= opening
            and not (r.possessive and _KIN_AFTER.match(reader.flat[r.pos : r.pos + 40]))
        ]
        who: list[int] = []
        if first and not first[0].pronoun and _opens_with(reader, opening, first[0]):
            r = first[0]
            if people[r.person].is_family() and not r.possessive:
                who = [r.person] + _coordinated(
                    reader, [q for q in srefs if people[q.person].is_family()], [r.person]
                )
        # "No trace on PNC for Tariq Hussain or the grandparents": those the check names
        family = [q for q in srefs if people[q.person].is_family() and not q.possessive]
        named = [
            q.person
            for q in family
            if cues.check_target.search(reader.flat[max(opening, q.pos - 60) : q.pos])
        ]
        who += named + _coordinated(reader, family, named) + _parents_named(s.text, people)
        for t in dict.fromkeys(who):
            at = [q.pos for q in srefs if q.person == t] or [s.start]
            clause = next(((a, b) for a, b in _clauses(s) if a <= at[0] < b), (s.start, s.end))
            if _pending(cues, reader.flat[clause[0] : clause[1]]):
                continue
            for k in kinds:
                if k not in out.setdefault(t, []):
                    out[t].append(k)
    return out


#: After the person an answer opens with: its mark ("Grace: no trace", "F (Lee) - caution").
_ITEM_MARK = re.compile(r"^\s*(?:\([^)]{0,60}\)\s*)?[:–—-]\s")


def _opens_with(reader: _Reader, opening: int, r: _Ref) -> bool:
    """Whether a sentence in an agency's answer opens with the person and gives an answer
    about them: a mark after the name ("M - victim x4"), or a word that shows a record ("Mr
    Walsh is subject to a Community Order"). Only a bullet, a number or role words may stand
    before the name ("2. Chipo Ndlovu", "Maternal uncle Yusuf Farah - no trace")."""
    before = reader.flat[opening : r.pos]
    lead = re.sub(r"^[\W\d]*", "", before).strip().rstrip(",")
    lead = re.sub(r"^\S+['’]s(?:\s+|$)|\b(?:ex-|former |previous )", "", lead)
    if lead and not any(pat.fullmatch(lead) for _role, pat in reader.cues.roles):
        return False
    ends = {m.start: m.end for m in reader.mentions}
    end = ends.get(r.pos, r.pos)
    after = reader.flat[end : end + 200]
    if reader.cues.stated_as_account.match(re.sub(r"^\s*(?:\([^)]*\)\s*)?", "", after)):
        return False  # "Abena reports he drove past": her account, not a record of her
    if _ITEM_MARK.match(after):
        return True
    stop = re.search(r"[.;]\s", after)
    return bool(reader.cues.check_done.search(after[: stop.start() if stop else len(after)]))


#: A table's column of people, or of agencies, by its heading.
_PERSON_COLUMN = re.compile(r"^(?:person|name|subject|who|adult|family member)s?\b", re.I)
_AGENCY_COLUMN = re.compile(
    r"^(?:agency|agencies|check|checks|source|service|organisation)\b", re.I
)
_EMPTY_CELL = re.compile(r"^[\W_]*(?:n/?a|none|nil requested)?[\W_]*$", re.I)


def _answered(cues: Cues, cell: str) -> bool:
    """Whether a table's cell holds an answer: some part of it says something and is not a
    check still to come ("requested 28/11 - outstanding", "No reply", "-")."""
    for piece in re.split(r"[.;]\s+|\.$", cell):
        piece = piece.strip()
        if not _EMPTY_CELL.match(piece) and not _pending(cues, piece):
            return True
    return False


def _table_checks(reader: _Reader) -> dict[int, list[str]]:
    """Checks set out in a table whose columns are split by "|": agencies as the headings
    ("Person | Police | Health | Probation"), each row a person; or a column of agencies
    ("Agency | Person | Response"), each row one agency's answer about the people in it."""
    text = reader.text
    out: dict[int, list[str]] = {}
    rows: list[list[tuple[int, int]]] = []
    pos = 0
    for line in [*text.split("\n"), ""]:
        if line.count("|") >= 2 or (line.count("|") == 1 and rows):
            cells, at = [], pos
            for part in line.split("|"):
                lead = len(part) - len(part.lstrip())
                cells.append((at + lead, at + len(part.rstrip())))
                at += len(part) + 1
            rows.append(cells)
        elif rows:
            _read_table(reader, rows, out)
            rows = []
        pos += len(line) + 1
    return out


def _read_table(
    reader: _Reader, rows: list[list[tuple[int, int]]], out: dict[int, list[str]]
) -> None:
    """One table's rows (cells as offsets), the first its headings: see _table_checks."""
    text, cues, people = reader.text, reader.cues, reader.people
    head = [re.sub(r"\([^)]*\)", "", text[a:b]).strip() for a, b in rows[0]]
    agency_cols = {i: _label_kinds(reader, h) for i, h in enumerate(head) if h}
    agency_cols = {i: k for i, k in agency_cols.items() if k}
    by_agency = [i for i, h in enumerate(head) if _AGENCY_COLUMN.match(h)]
    person_cols = [i for i, h in enumerate(head) if _PERSON_COLUMN.match(h)]

    def who(cell: tuple[int, int]) -> list[int]:
        return [
            m.person
            for m in reader.mentions
            if cell[0] <= m.start < cell[1] and not m.possessive and people[m.person].is_family()
        ]

    for row in rows[1:]:
        if agency_cols and not by_agency:
            names = [t for i, c in enumerate(row) if i not in agency_cols for t in who(c)][:1]
            for i, kinds in agency_cols.items():
                if i < len(row) and _answered(cues, text[row[i][0] : row[i][1]]):
                    for t in names:
                        out.setdefault(t, []).extend(kinds)
        elif by_agency and by_agency[0] < len(row):
            cell = row[by_agency[0]]
            kinds = [
                k
                for k, pat in cues.agency_kinds.items()
                if k != "school" and pat.search(text[cell[0] : cell[1]])
            ]
            cols = person_cols or [i for i in range(len(row)) if i != by_agency[0]][:1]
            names = [t for i in cols if i < len(row) for t in who(row[i])]
            rest = " ".join(
                text[a:b] for i, (a, b) in enumerate(row) if i not in cols and i != by_agency[0]
            )
            # a "Checks" column may hold the request and its state itself ("PNC requested
            # 20/01 - NOT BACK"): still to come whatever the other columns say
            if _pending(cues, text[cell[0] : cell[1]]):
                continue
            if kinds and names and _answered(cues, rest):
                for t in names:
                    out.setdefault(t, []).extend(kinds)
