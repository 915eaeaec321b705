"""The whole: people, chronology and accounts from a draft, the practitioner's corrections,
and the plain-text view the CLI prints."""

from __future__ import annotations

import copy
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from assistant.casefile.accounts import read_accounts, sections
from assistant.casefile.cues import Cues, load_cues
from assistant.casefile.dates import find_dates, read_chronology, resolve_dates
from assistant.casefile.draft import _CAPS, _TOKEN, _Draft
from assistant.casefile.learn import (
    RoleModel,
    context_features,
    name_features,
    person_features,
    role_model,
)
from assistant.casefile.learn_status import StatusModel, apply_status_model, status_model
from assistant.casefile.model import (
    CHECKS,
    CHILD_ROLES,
    NO_DATES,
    NO_PEOPLE,
    NOT_A_FAMILY,
    ROLES,
    CaseFile,
    Person,
    Span,
)
from assistant.casefile.people import _Reader, _Ref, _refs_by_sentence
from assistant.casefile.status import read_checks, read_harm, read_status
from assistant.errors import CurioError
from assistant.review import Sentence, split_sentences


def _display_name(p: _Draft) -> str:
    """A full name as written, else the one name the text gives, else the description."""
    names = [f for f in p.forms if not re.search(r"['’]s\b|\b[a-z]", f)]
    for form in names:
        if len(form.split()) >= 2 and re.match(
            rf"^(?:[A-Z][a-z]+\.?\s+)?(?:{_TOKEN}|{_CAPS})\s+(?:{_TOKEN}|{_CAPS})", form
        ):
            return form
    for form in names:
        if form in (p.first, p.last) or (p.last and form.upper() == p.last.upper()):
            return form
    return p.label or (p.forms[0] if p.forms else "someone")


def read_people(text: str, cues: Cues | None = None) -> _Reader:
    """The people the rules read: names, role words bound or standing alone, parents found."""
    reader = _Reader(text, cues or load_cues())
    reader.read_names()
    reader.read_label_aliases()
    reader.read_roles()
    reader.resolve_deferred()
    reader.finish_people()
    return reader


def drop_non_people(reader: _Reader, model: RoleModel) -> None:
    """Names the rules read that the person reader is sure are not people ("Community
    Order", "Hi Adam", "Leeds CSC"): a practitioner's table of the people in a child's life
    should not list them, and the status and harm readers should not hand them a sentence
    (``role_thresholds.not_a_person`` in the cues: the probability of being a person below
    which a name goes)."""
    if model.person is None:
        return
    least = reader.cues.role_thresholds["not_a_person"]
    kept = [
        p
        for p in reader.people
        if not (p.first or p.last)
        or model.is_person(name_features(reader.flat, reader.text, p)) >= least
    ]
    if len(kept) < len(reader.people):
        reader.keep_people(kept)
        alive = {id(p) for p in kept}  # "Leeds CSC's ..." places no one
        reader.relations = [
            (p, o, r)
            for p, o, r in reader.relations
            if id(p) in alive and (o is None or id(o) in alive)
        ]


def apply_role_model(reader: _Reader, model: RoleModel) -> None:
    """The learned role for each person the rules left without a role word of their own
    (no role bound beside a name, no description): where the classifier is sure enough; and
    for someone with a role word, where it is much surer (``role_thresholds`` in the cues)."""
    t = reader.cues.role_thresholds
    for p in reader.people:
        feats = person_features(reader.flat, reader.text, p)
        role, prob, lead = model.best(feats)
        if role in CHILD_ROLES and ("adult-ties" in feats or (p.age_years or 0) >= 18):
            continue  # someone with a partner, children of their own or an adult's age
        if role == "grandparent" and names_her_child(reader, p):
            continue
        if any(v >= 3 for v in p.roles.values()) or p.descriptor:
            if (
                role != "professional"
                and role != p.role
                # which child is the subject (child or sibling) is read from the document's
                # labels ("Pupil:", "Siblings:"), which the classifier hardly sees
                and not (role in CHILD_ROLES and p.role in CHILD_ROLES)
                # a partner the rules call new ("new partner", "moved in" beside him) stays
                # new: the tuning writers label 27 of 30 such partners so
                and not (role == "partner" and p.role == "new-partner")
                and prob >= t["word_min_probability"]
                and lead >= t["word_min_margin"]
            ):
                overrule(p, role)
            continue
        least = t["min_probability"]
        if role == "professional":
            least = t["min_probability_professional"]
        elif role == "grandparent":
            least = t["min_probability_grandparent"]
        if prob >= least and lead >= t["min_margin"] and role != p.role:
            p.vote(role, max(p.roles.values(), default=0) + 1)
    if model.context is not None:
        apply_context_model(reader, model.context)


def overrule(p: _Draft, role: str) -> None:
    """Give a person the learned role over the role words the rules bound: it becomes the one
    strong vote, the others kept weak (so a later relation can still move them)."""
    top = max(p.roles.values(), default=0)
    p.roles = {r: min(v, 1) for r, v in p.roles.items() if r != role}
    p.roles[role] = max(top, 3) + 1


def apply_context_model(reader: _Reader, model: RoleModel) -> None:
    """The second opinion, from the words around a person alone: it overrules the rules
    (and the first classifier) for a person still without a role word of their own, where
    it is sure, and never to call someone a professional."""
    t = reader.cues.role_thresholds
    for p in reader.people:
        if any(v >= 3 for v in p.roles.values()) or p.descriptor:
            continue
        feats = context_features(person_features(reader.flat, reader.text, p))
        role, prob, lead = model.best(feats)
        if role in CHILD_ROLES and ("adult-ties" in feats or (p.age_years or 0) >= 18):
            continue
        if role == "professional":
            continue  # "Ms Reid told me ..." reads like a professional's report (see learn)
        if role == "grandparent" and names_her_child(reader, p):
            continue
        sure = prob >= t["context_min_probability"] and lead >= t["context_min_margin"]
        if sure and role != p.role:
            p.vote(role, max(p.roles.values(), default=0) + 1)


#: After a woman's name: children of her own ("Bethany Clarke (DOB ..) and her children",
#: "Amy's daughter"): she is their mother where no role word says otherwise.
_OWN_CHILDREN = re.compile(
    r"^(?:['’]s\s+|(?:\s*\([^)]{0,30}\))?\s+and\s+her\s+)(?:children|child|kids|"
    r"son|daughter|baby)\b",
    re.IGNORECASE,
)


_GAP = re.compile(r"[ ,]*")


def names_her_child(reader: _Reader, p: _Draft) -> bool:
    """Whether the draft names a child as this woman's own ("Ellie Carter and her son Jayden
    (5)"): she is no grandparent, whatever the words around her suggest (a grandmother's own
    son or daughter is the parent, an adult), so the classifiers may not make her one."""
    if p.gender == "m":
        return False
    children = {
        s0
        for c in reader.people
        if c is not p and (c.age_years < 18 if c.age_years is not None else c.role in CHILD_ROLES)
        for s0, _e0 in c.mentions
    }
    for _s0, e0 in p.mentions:
        m = _OWN_CHILDREN.match(reader.flat[e0 : e0 + 60])
        if m is None:
            continue
        after = e0 + m.end()
        gap = _GAP.match(reader.flat, after, after + 4)  # ", " between her and the child
        if gap is not None:
            after = gap.end()
        if after in children:
            return True
    return False


def mothers_by_their_children(reader: _Reader) -> None:
    """An adult with no role word whose own children the text names is their mother (a man
    with a man's title or pronoun is left alone)."""
    for p in reader.people:
        if p.role not in ("other-adult", "child") or p.descriptor or p.gender == "m":
            continue
        if p.age_years is not None and p.age_years < 18:
            continue
        if any(_OWN_CHILDREN.match(reader.flat[e0 : e0 + 60]) for _s0, e0 in p.mentions):
            p.vote("mother", max(p.roles.values(), default=0) + 1)


@dataclass
class ReadState:
    """What the rules read from one draft before it is laid out: the people, each sentence's
    references to them, and the status and checks the rules gave (the learned status reader
    starts from here, in use and in training)."""

    reader: _Reader
    sentences: list[Sentence]
    refs: list[list[_Ref]]
    harm: set[int]
    plan: frozenset[int]
    checks: dict[int, list[str]]
    scope: set[int]
    has_sections: bool
    #: What the learned status readers computed once per draft (clauses, document features).
    memo: dict[Any, Any] = field(default_factory=dict)


def read_state(text: str, cues: Cues, learned: RoleModel | None) -> ReadState:
    """The rules' reading of a draft: people (with the learned roles), seen, alone, checks."""
    sentences = split_sentences(text)
    reader = read_people(text, cues)
    if learned is not None:
        drop_non_people(reader, learned)
        apply_role_model(reader, learned)
    mothers_by_their_children(reader)
    reader.resolve_relations()  # again, now the learned roles have placed more parents
    if learned is not None:
        reader.parent_words_to_the_named_parent()
    refs = _refs_by_sentence(reader, sentences)
    harm = read_harm(reader, sentences, refs)
    scope, has_sections = sections(text, sentences, cues)
    plan = {
        n
        for n in scope
        if re.match(
            r"\s*(?:plan|actions?|agreed|next steps|recommendations?)\b",
            _section_name(sentences, n),
            re.IGNORECASE,
        )
    } | _plan_lines(text, sentences)
    read_status(reader, sentences, refs, frozenset(plan))
    checks = read_checks(reader, sentences, refs, harm, plan)
    return ReadState(
        reader, sentences, refs, harm, frozenset(plan), checks, set(scope), has_sections
    )


def case_for_review(text: str, about_family: bool, cues: Cues | None = None) -> CaseFile:
    """The case at a glance beside a review: read only when the review engine reads the text
    as about a family (its gate for case material); otherwise empty, with one note, so a team
    agenda's minute-taker is never listed as someone's mother."""
    if not about_family:
        return CaseFile.not_about_a_family()
    return extract_case(text, cues)


def extract_case(
    text: str,
    cues: Cues | None = None,
    roles: RoleModel | None | str = "learned",
    status: StatusModel | None | str = "learned",
) -> CaseFile:
    """The people, the chronology and whose account, from a draft's text alone.

    ``roles`` is the learned role classifier: "learned" for the process's own (built from the
    labelled tune texts on first use), None for the rules alone; ``status`` likewise for the
    learned readers of seen, seen alone and checks, a second opinion on the rules' reading
    (held out it beats the rules, most on the newest writers: evals/casefile/README.md). With
    ``roles=None`` the default ``status`` is the rules alone too. Never raises on odd text: a
    draft with no names or no dates gives empty lists and a note.
    """
    if not isinstance(text, str) or not text.strip():
        return CaseFile()
    cues = cues or load_cues()
    learned = role_model() if isinstance(roles, str) else roles
    if roles is None and status == "learned":
        status = None  # the rules alone
    if not isinstance(roles, str) or status != "learned":
        return _read_case(text, cues, learned, status)
    # the defaults: the review engine reads the case for its check on unseen adults, and the
    # CLI and the app then show it, so one review asks twice; copies are handed out, as the
    # app corrects roles in its own
    key = (text, id(cues), id(learned))
    with _RECENT_LOCK:
        hit = _RECENT.get(key)
        if hit is not None and hit[0] is cues and hit[1] is learned:
            _RECENT.move_to_end(key)
            return copy.deepcopy(hit[2])
    case = _read_case(text, cues, learned, status)
    with _RECENT_LOCK:
        _RECENT[key] = (cues, learned, copy.deepcopy(case))
        while len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)
    return case


#: The last few drafts read with the default readers, by (text, cues, role model).
_RECENT: OrderedDict[tuple[str, int, int], tuple[Cues, RoleModel | None, CaseFile]] = OrderedDict()
_RECENT_SIZE = 4
_RECENT_LOCK = threading.Lock()


def _read_case(
    text: str,
    cues: Cues,
    learned: RoleModel | None,
    status: StatusModel | None | str,
) -> CaseFile:
    state = read_state(text, cues, learned)
    reader, sentences, refs = state.reader, state.sentences, state.refs
    harm, checks, scope, has_sections = state.harm, state.checks, state.scope, state.has_sections
    learned_status = status_model() if isinstance(status, str) else status
    if learned_status is not None:
        apply_status_model(state, learned_status)
    hits = find_dates(reader.text, cues)
    note = resolve_dates(text, hits)
    chronology, undated = read_chronology(text, sentences, cues, hits)
    account_scope = scope if has_sections else set(range(len(sentences)))
    accounts = read_accounts(reader, sentences, refs, account_scope)

    people: list[Person] = []
    for i, p in enumerate(reader.people):
        forms = list(dict.fromkeys(p.forms))
        name = _display_name(p)
        person = Person(
            name=name,
            role=p.role,
            age=p.age if p.role in CHILD_ROLES or p.age else None,
            seen=p.seen,
            seen_alone=p.alone,
            checks=[c for c in CHECKS if c in checks.get(i, [])],
            evidence=[Span(s, e) for s, e in sorted(set(p.mentions))],
            aliases=[f for f in forms if f != name],
            causing_harm=i in harm,
        )
        people.append(person)
    people.sort(key=_person_order)
    return CaseFile(
        people=people,
        chronology=chronology,
        undated=undated,
        accounts=accounts,
        note_date=note.isoformat() if note else None,
    )


_PLAN_LABEL = re.compile(
    r"\s*(?:plan|actions?|agreed|next steps|to do|what (?:I|we) will do)\s*[:\-–]", re.I
)


def _plan_lines(text: str, sentences: list[Sentence]) -> set[int]:
    """Sentences on a line labelled as the plan ("Actions: 1. ... 2. Probation check on
    Shane."): every sentence to the line's end is still to happen."""
    out: set[int] = set()
    for n, s in enumerate(sentences):
        if not _PLAN_LABEL.match(s.text):
            continue
        out.add(n)
        for k in range(n + 1, len(sentences)):
            if "\n" in text[sentences[k - 1].end : sentences[k].start]:
                break
            out.add(k)
    return out


def _section_name(sentences: list[Sentence], n: int) -> str:
    """The heading or label the sentence sits under (for telling the plan from the analysis)."""
    for s in reversed(sentences[: n + 1]):
        line = s.text.strip()
        if re.match(r"^[A-Za-z' ]{3,40}[:\-–]", line) or (
            len(line) < 40 and not line.endswith(".")
        ):
            return line
    return ""


def _person_order(p: Person) -> tuple[int, int, int]:
    """The adult causing harm and any adult not seen or not checked first, then the rest."""
    first = p.evidence[0].start if p.evidence else 0
    if p.is_family_adult:
        if p.causing_harm:
            return (0, 0, first)
        if not p.seen or not p.checks:
            return (1, 0, first)
        return (2, 0, first)
    if p.role in CHILD_ROLES:
        return (3, 0, first)
    return (4, 0, first)


# ----------------------------------------------------------------------------- corrections


def correct_role(case: CaseFile, index: int, role: str) -> CaseFile:
    """The practitioner's role for one person (held for the session by the app)."""
    if role not in ROLES:
        raise CurioError(f"{role!r} is not a role: use one of {', '.join(ROLES)}.")
    if not 0 <= index < len(case.people):
        raise CurioError("That person is no longer in the table; review the draft again.")
    case.people[index].role = role
    return case


def merge_people(case: CaseFile, keep: int, other: int) -> CaseFile:
    """Two mentions of one person made one: names, evidence, status and checks combined."""
    n = len(case.people)
    if not (0 <= keep < n and 0 <= other < n) or keep == other:
        raise CurioError("Choose two different people to merge.")
    a, b = case.people[keep], case.people[other]
    a.aliases = list(dict.fromkeys(a.aliases + [b.name] + b.aliases))
    a.evidence = sorted(set(a.evidence) | set(b.evidence), key=lambda s: (s.start, s.end))
    a.seen = a.seen or b.seen
    a.seen_alone = a.seen_alone or b.seen_alone
    a.checks = [c for c in CHECKS if c in a.checks or c in b.checks]
    a.causing_harm = a.causing_harm or b.causing_harm
    a.age = a.age or b.age
    del case.people[other]
    return case


# ----------------------------------------------------------------------------- plain text

ROLE_WORDS = {"new-partner": "new partner", "other-adult": "other adult"}
CHECK_WORDS = {
    "disclosure-scheme": "disclosure scheme",
    "previous-authority": "previous authority",
}
SOURCE_WORDS = {
    "parent": "a parent's own account",
    "professional": "a professional's observation",
    "agency": "an agency's check",
    "child": "the child's own words",
}


def role_words(role: str) -> str:
    return ROLE_WORDS.get(role, role)


def check_words(checks: Iterable[str]) -> str:
    return ", ".join(CHECK_WORDS.get(c, c) for c in checks) or "none recorded"


def _short(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render_case(case: CaseFile) -> str:
    """The case at a glance for the terminal, printed after the flags."""
    lines = ["The case at a glance (read from the draft; check it against the record):", ""]
    if case.not_family:
        return "\n".join(lines + [f"  {NOT_A_FAMILY}"])
    lines.append(
        "People in the child's life (the adult causing harm and unseen or unchecked adults first):"
    )
    if not case.people:
        lines.append(f"  {NO_PEOPLE}")
    for p in case.people:
        bits = [role_words(p.role)]
        if p.age:
            bits.append(f"age {p.age}")
        if p.role not in CHILD_ROLES and p.role != "professional":
            bits.append(f"seen: {'yes' if p.seen else 'no'}")
            bits.append(f"seen alone: {'yes' if p.seen_alone else 'no'}")
            bits.append(f"checks: {check_words(p.checks)}")
            if p.missing_checks:
                bits.append(f"not recorded: {check_words(p.missing_checks)}")
        elif p.role in CHILD_ROLES:
            bits.append(f"seen: {'yes' if p.seen else 'no'}")
            bits.append(f"seen alone: {'yes' if p.seen_alone else 'no'}")
        harm = " [the adult whose behaviour is the concern]" if p.causing_harm else ""
        lines.append(f"  - {p.name} — {'; '.join(bits)}{harm}")
    lines += ["", "Chronology (date order):"]
    if not case.chronology:
        lines.append(f"  {NO_DATES}")
    for e in case.chronology:
        when = e.iso or "year not known"
        note = f" ({e.note})" if e.note else ""
        lines.append(f"  - {when}  [{e.date}]  {_short(e.text)}{note}")
    if case.undated:
        lines += ["", "Events with no date (listed apart, not guessed):"]
        lines += [f"  - {_short(u.text)}" for u in case.undated]
    if case.accounts:
        lines += ["", "Whose account (analysis and plan):"]
        for a in case.accounts:
            mark = "  ← a conclusion resting only on a parent's account" if a.parent_only else ""
            lines.append(f"  - {a.source}: {_short(a.text, 140)}{mark}")
    return "\n".join(lines)
