"""Seen, seen alone and checks, learned from the labelled case-file texts.

The rules in ``status`` give each person the seen or check cue of their clause; fitted to one
writer's wording, they kept missing the next writer's ("Father - Kofi: not seen for his own
health", a GP letter that is itself the health check). This reader learns from the labelled
family adults of ``evals/casefile/tune-*.yaml`` what the clauses around a person look like when
they were seen, seen alone, or checked by each kind of agency: the cue words and their state
(denied, still to come, by phone), where the person stands beside the cue (subject, object,
after "with"), whether the writer is the one seeing, the agency words and answer words near
them, the line's label and the heading a list sits under, the words beside the person and
the clause's word pairs ("not seen", "phone only"), the cues of the last place the person is
written about, what the draft's check lines that name no family adult say ("Police: two
call-outs to the address": the trees learn by role whose check such a line is), and what the
rules said. Three readers over those sparse features (seen,
alone, and one for (person, kind of check) pairs, whose features are shared across kinds so
"Police: Mr Kaya – 3 occurrences" teaches "Probation: Mr Kaya – ..."): boosted trees
(LightGBM) since round twenty-seven, which read cues in combination where a logistic
regression could only add them up; logistic regressions where the examples are few.

Like the role classifier (``learn``) it is trained on first use (a few minutes for the trees;
``make`` does it at install) and cached under CURIO_CACHE (the trees as LightGBM's own text
with a checksum, never a pickle); without the labelled texts the rules stand alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.casefile.learn import (
    DATA_DIR,
    RoleModel,
    _files_key,
    feature_matrix,
    fit_binary,
    labelled_texts,
)
from assistant.casefile.model import CHECKS, FAMILY_ADULT_ROLES
from assistant.casefile.people import _clauses, quoted_spans
from assistant.casefile.status import _LAY_SEER, _PROFESSIONAL_SEER
from assistant.errors import CurioError

if TYPE_CHECKING:
    from assistant.casefile.cues import Cues
    from assistant.casefile.extract import ReadState

FEATURE_VERSION = "s12"
#: The checks reader's regularisation (the others' is 0.5). Chosen on five folds of the tuning
#: files: with the clause's words paired with the kind, C 0.2, 0.3 and 0.5 gave 80.3%, 80.3%
#: and 80.4% of adults' checks exactly right (pairs of structural cues alone: 79.7% at 0.1).
CHECKS_C = 0.5
CACHE_PREFIX = "casefile-status-"
#: Labelled roles whose status is not scored or shown as an adult's (children, professionals).
STATUS_SKIP = frozenset({"child", "sibling", "professional"})
FIELDS = ("seen", "alone", "checks")

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+")
_WRITER = re.compile(r"\b(?:I|we|me|us|SW|worker|social worker|the writer)\b")
_PASSIVE = re.compile(r"^\W{0,3}(?:\([^)]{0,30}\)\s*)?(?:was |were |is |has been |had been )?$")
_LABEL = re.compile(r"^\W*([A-Za-z][\w /&'’()-]{0,40}?)(?:\s*[:–]\s|\s+-\s)")


def _words(s: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(s)]


#: Below this many training examples a reader is a logistic regression: boosted trees need
#: data to split on (a handful of labelled adults gives them none), a linear reader does not.
TREES_FROM = 1000
#: The boosted trees' settings (LightGBM). Chosen on five folds of the tuning files by file
#: (evals/casefile/README.md, round twenty-seven): 300 trees of 31 leaves at rate 0.05, half
#: the features and four in five of the examples for each tree.
TREE_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 10,
    "feature_fraction": 0.5,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": 0,
    "deterministic": True,
    "force_col_wise": True,  # with deterministic, the same trees on any number of threads
    "verbose": -1,
}
TREE_ROUNDS = 300


@dataclass
class TreeReader:
    """A yes/no reader of boosted trees over named features (LightGBM). Trees can weigh cues
    in combination, which a linear reader, adding them one by one, cannot."""

    #: the features some tree splits on, each with its column; a feature no tree splits on
    #: cannot change a reading, so it is not kept (the trees split on about one feature in a
    #: hundred the texts hold, and the full list made the cache 44 MB and slow to load)
    vocab: dict[str, int]
    width: int  # the columns the trees were trained on
    booster: Any  # lightgbm.Booster, kept as LightGBM's own text (never a pickle)

    def yes(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        """The probability of yes for each row of features."""
        # one thread: a handful of rows costs less than waking a pool
        x = feature_matrix(rows, self.vocab, width=self.width)
        return np.asarray(self.booster.predict(x, num_threads=1), dtype=np.float64)


Reader = RoleModel | TreeReader


@dataclass
class StatusModel:
    """The three learned readers: boosted trees (``TreeReader``) where the labelled texts
    are many, else logistic regressions, over named features."""

    seen: Reader | None
    alone: Reader | None
    checks: Reader | None


# ----------------------------------------------------------------------------- features


def _line_label(text: str, pos: int) -> str:
    line = text[text.rfind("\n", 0, pos) + 1 : pos]
    m = _LABEL.match(line)
    return " ".join(_words(m.group(1))[:3]) if m else ""


def _person_clauses(state: ReadState, i: int) -> list[tuple[int, int, int, int, bool, bool]]:
    """(sentence, clause start, clause end, position, pronoun, possessive) for each place the
    person is referred to, leaving out a name inside someone's quoted words ("Daddy shouts
    at Mummy" in a child's account): that is no place where the note sees or checks them, as
    the rules read it too."""
    memo = state.memo
    hit = memo.get(("places", i))
    if hit is not None:
        return list(hit)
    out = []
    for n, (s, srefs) in enumerate(zip(state.sentences, state.refs, strict=True)):
        mine = [r for r in srefs if r.person == i]
        if not mine:
            continue
        clauses = memo.get(("clauses", n))
        if clauses is None:
            clauses = memo[("clauses", n)] = _clauses(s)
        quoted = memo.get(("quoted", n))
        if quoted is None:
            quoted = memo[("quoted", n)] = quoted_spans(s.text, s.start)
        for r in mine:
            if any(q0 < r.pos < q1 for q0, q1 in quoted):
                continue
            a, b = next(((a, b) for a, b in clauses if a <= r.pos < b), (s.start, s.end))
            out.append((n, a, b, r.pos, r.pronoun, r.possessive))
    memo[("places", i)] = list(out)
    return out


def _mention_ends(state: ReadState) -> dict[int, int]:
    """Where each mention in the draft ends, by where it starts (read once per draft: both
    readers ask for it for every person)."""
    ends = state.memo.get("ends")
    if ends is None:
        ends = state.memo["ends"] = {m.start: m.end for m in state.reader.mentions}
    return ends


def _add(f: dict[str, float], key: str, value: float = 1.0) -> None:
    f[key] = max(f.get(key, 0.0), value)


def person_features(state: ReadState, i: int) -> dict[str, float]:
    """What the clauses about a person say, for the seen and alone readers."""
    reader = state.reader
    cues = reader.cues
    flat = reader.flat
    p = reader.people[i]
    f: dict[str, float] = {"bias": 1.0, "role=" + p.role: 1.0}
    f["rule_seen"] = float(p.seen)
    f["rule_alone"] = float(p.alone)
    if i in state.harm:
        f["harm"] = 1.0
    ends = _mention_ends(state)
    places = _person_clauses(state, i)
    f["mentions"] = min(len(places), 10) / 10
    last_n = max((pl[0] for pl in places if not pl[5]), default=-1)
    for n, a, b, pos, pronoun, possessive in places:
        part = flat[a:b]
        pre = "poss:" if possessive else ""
        tag = "plan:" if n in state.plan else ""
        end = ends.get(pos, pos + 3)
        if pronoun:
            _add(f, pre + "via-pronoun")
        label = _line_label(reader.text, pos)
        if label:
            _add(f, "label=" + label)
        if cues.remote.search(part):
            _add(f, tag + "remote")
        ws = _words(part)
        for w in ws:
            _add(f, pre + tag + "w=" + w, 0.5)
        for w1, w2 in pairwise(ws):
            _add(f, pre + tag + "w2=" + w1 + "_" + w2, 0.5)
        for w in _words(flat[max(a, pos - 30) : pos])[-3:]:
            _add(f, pre + "l=" + w)
        for w in _words(flat[end : min(b, end + 30)])[:3]:
            _add(f, pre + "r=" + w)
        for kind, pat in (("seen", cues.seen), ("alone", cues.alone)):
            for m in pat.finditer(part):
                c0 = a + m.start()
                state_ = _cue_state(flat, a, c0, cues.negation)
                where = "before" if pos < c0 else "after"
                if pos < c0 and _PASSIVE.match(flat[end:c0]):
                    where = "subject"
                elif pos > c0 and re.search(r"\bwith\s+(?:\w+\s+)?$", flat[c0:pos]):
                    where = "with"
                near = "near" if abs(pos - c0) < 40 else "far"
                writer = "writer" if _WRITER.search(flat[a:c0]) else "nowriter"
                if _LAY_SEER.search(flat[a:c0]) and not _PROFESSIONAL_SEER.search(flat[a:c0]):
                    writer = "lay"  # "Caller saw mum in the street": no professional saw her
                for key in (
                    f"{kind}:{state_}",
                    f"{kind}:{state_}:{where}",
                    f"{kind}:{state_}:{near}",
                    f"{kind}:{state_}:{writer}",
                    f"{kind}:{m.group(0).lower()}:{state_}",
                ):
                    _add(f, pre + tag + key)
                    if n == last_n and not possessive:
                        _add(f, "last:" + key)  # the writer's latest word on them
    _wider_cues(state, i, places, f)
    return f


def _cue_state(flat: str, a: int, c0: int, negation: re.Pattern[str]) -> str:
    """How a seeing word at ``c0`` is meant, reading from ``a``: planned ("to be seen alone"),
    denied ("not seen") or done. A plan wins over a negation before it ("has not yet been
    able to be seen"): either way it has not happened."""
    if re.search(r"\b(?:will|to|should|must|needs? to)\s+(?:be\s+)?$", flat[a:c0]):
        return "future"
    if negation.search(flat[max(a, c0 - 40) : c0]):
        return "neg"
    return "pos"


def _wider_cues(
    state: ReadState,
    i: int,
    places: list[tuple[int, int, int, int, bool, bool]],
    f: dict[str, float],
) -> None:
    """Seeing words in the person's sentence but outside their clause ("Keith told me, when
    seen alone, ..."), and in the rest of a line the person heads ("- Blessing: home visit with
    Chinedu present; seen alone at clinic"), marked by whether another person stands between:
    the clause is the reader's main evidence, these are weaker and the weights say how much."""
    reader = state.reader
    cues = reader.cues
    flat = reader.flat
    text = reader.text
    done: set[tuple[str, int, int]] = set()
    for n, a, b, pos, _pronoun, possessive in places:
        if possessive:
            continue
        s = state.sentences[n]
        others = [r.pos for r in state.refs[n] if r.person != i]
        first = min((r.pos for r in state.refs[n]), default=pos)
        subject = "subj" if first == pos else "nsubj"
        spans = [("sent", s.start, s.end)]
        line0 = text.rfind("\n", 0, pos) + 1
        lab = _LABEL.match(text[line0 : pos + 40])
        if lab and line0 + lab.start(1) <= pos < line0 + lab.end(1) + 1:
            line1 = text.find("\n", pos)
            spans.append(("line", line0, len(text) if line1 < 0 else line1))
        for where, x0, x1 in spans:
            for kind, pat in (("seen", cues.seen), ("alone", cues.alone)):
                for m in pat.finditer(flat[x0:x1]):
                    c0 = x0 + m.start()
                    if a <= c0 < b or (kind, c0, pos) in done:
                        continue
                    done.add((kind, c0, pos))
                    st = _cue_state(flat, x0, c0, cues.negation)
                    lo, hi = sorted((pos, c0))
                    between = "other" if any(lo < o < hi for o in others) else "clear"
                    _add(f, f"{where}:{kind}:{st}")
                    _add(f, f"{where}:{kind}:{st}:{between}")
                    _add(f, f"{where}:{kind}:{st}:{between}:{subject}")


def _kind_pattern(state: ReadState, kind: str) -> re.Pattern[str] | None:
    cues = state.reader.cues
    return cues.agency_kinds.get(kind) or cues.checks.get(kind)


def _found(state: ReadState, pat: re.Pattern[str], a: int, b: int) -> bool:
    """Whether the pattern occurs in the draft between a and b (remembered: the same clauses
    are searched for each person and kind of check)."""
    key = (pat, a, b)
    hit = state.memo.get(key)
    if hit is None:
        hit = state.memo[key] = bool(pat.search(state.reader.flat[a:b]))
    return bool(hit)


def check_features(state: ReadState, i: int, kind: str) -> dict[str, float]:
    """What the text says about one person and one kind of check (shared names across kinds,
    so what a police line teaches carries to a probation line), plus the kind itself."""
    reader = state.reader
    cues = reader.cues
    flat = reader.flat
    p = reader.people[i]
    f: dict[str, float] = {"bias": 1.0, "kind=" + kind: 1.0, "role=" + p.role: 1.0}
    rule = kind in state.checks.get(i, [])
    f["rule"] = float(rule)
    f["rule&kind=" + kind] = float(rule)
    if i in state.harm:
        f["harm"] = 1.0
    agency = _kind_pattern(state, kind)
    done_pat = cues.checks.get(kind)
    if agency is None:
        return f
    doc = state.memo.get(("doc", kind))
    if doc is None:  # the same for everyone in the draft: read once
        head = flat[: sum(len(x) + 1 for x in reader.text.split("\n")[:4])]
        doc = state.memo[("doc", kind)] = (
            min(len(agency.findall(flat)), 5) / 5,
            done_pat is not None and bool(done_pat.search(flat)),
            bool(agency.search(head)),
        )
    f["doc-agency"] = doc[0]
    if doc[1]:
        f["doc-done"] = 1.0
    if doc[2]:
        f["head-agency"] = 1.0  # a GP's letter, a police report: the whole text is the check
        f["head-agency&kind=" + kind] = 1.0
    for k in _loose(state, kind, agency, done_pat):
        f[k] = 1.0
    if i in _main_adults(state):
        f["main"] = 1.0
    places = _person_clauses(state, i)
    sentences = state.sentences
    ends = _mention_ends(state)
    for n, a, b, pos, pronoun, possessive in places:
        s = sentences[n]
        prev = sentences[n - 1] if n else None
        pre = "poss:" if possessive else ""
        tag = "plan:" if n in state.plan else ""
        where = ""
        if _found(state, agency, a, b):
            where = "clause"
        elif _found(state, agency, s.start, s.end):
            where = "sentence"
        elif prev is not None and _found(state, agency, prev.start, prev.end):
            where = "previous"
        label = _line_label(reader.text, pos)
        if label and agency.search(label):
            where = "label"
        elif where != "clause" and _row_names(state, pos, agency):
            where = "row"
        elif not where and _heading_names(state, pos, agency):
            where = "section"
        if not where:
            continue
        _add(f, pre + tag + "at=" + where)
        _add(f, pre + tag + "at=" + where + "&kind=" + kind)
        if pronoun:
            _add(f, pre + "at-pronoun")
        sa, sb = (a, b) if where in ("clause", "label") else (s.start, s.end)
        span = flat[sa:sb]
        if done_pat is not None and _found(state, done_pat, sa, sb):
            _add(f, pre + tag + where + ":answer")
        for pat, name in _check_cues(cues):
            if _found(state, pat, sa, sb):
                _add(f, pre + tag + where + name)
        if cues.check_target.search(flat[max(s.start, pos - 60) : pos]):
            _add(f, pre + "target")
        # the words just before and after the person ("PNC on S", "Police check on Mr
        # Nwosu", "Dean - no trace"): who a check is on, in the writer's own shorthand
        for w in _words(flat[max(sa, pos - 30) : pos])[-2:]:
            _add(f, pre + "cl=" + w, 0.5)
        end = ends.get(pos, pos + 3)
        for w in _words(flat[end : min(sb, end + 30)])[:2]:
            _add(f, pre + "cr=" + w, 0.5)
        ws = _words(span)
        for w in ws:
            _add(f, pre + tag + "cw=" + w, 0.5)
        for w1, w2 in pairwise(ws):
            _add(f, pre + tag + "cw2=" + w1 + "_" + w2, 0.5)
    return _with_pairs(f, kind)


def _check_cues(cues: Cues) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The cue patterns a check sentence is read for, each with its feature suffix: one list
    for the lines that name a person and the loose lines that name none."""
    return (
        (cues.check_done, ":done"),
        (cues.check_pending, ":pending"),
        (cues.check_nil, ":nil"),
        (cues.negation, ":neg"),
    )


def _loose(
    state: ReadState, kind: str, agency: re.Pattern[str], done_pat: re.Pattern[str] | None
) -> frozenset[str]:
    """What the draft's check sentences that name no family adult say ("Police: two call-outs
    to the address", "PNC returned nil"): whose check such a line is turns on the writer's
    habits (both parents, the man, the household), so each adult is given the line's cues and
    the trees learn from the labels which adults take them, by role."""
    key = ("loose", kind)
    hit = state.memo.get(key)
    if hit is None:
        cues = state.reader.cues
        adults = set(_status_people(state))
        tags: set[str] = set()
        for s, srefs in zip(state.sentences, state.refs, strict=True):
            if not _found(state, agency, s.start, s.end):
                continue
            if any(r.person in adults for r in srefs):
                continue
            tags.add("loose")
            if done_pat is not None and _found(state, done_pat, s.start, s.end):
                tags.add("loose:answer")
            for pat, name in _check_cues(cues):
                if _found(state, pat, s.start, s.end):
                    tags.add("loose" + name)
        hit = state.memo[key] = frozenset(tags)
    return hit


def _main_adults(state: ReadState) -> frozenset[int]:
    """The two family adults the draft refers to most: the ones a line about "the household"
    or "the parents" is most likely about."""
    hit = state.memo.get("main")
    if hit is None:
        counts = sorted((-len(_person_clauses(state, i)), i) for i in _status_people(state))
        hit = state.memo["main"] = frozenset(i for _, i in counts[:2])
    return hit


_HEADING_LINE = re.compile(r"^[ \t#*_-]*([A-Za-z][^.\n|]{1,58}?)[ \t:*_-]*$")


def _heading_names(state: ReadState, pos: int, agency: re.Pattern[str]) -> bool:
    """Whether the nearest heading above the person's line (a short line with no full stop,
    "Police history (summary)", "AGENCY CHECKS:") names the agency: in a list under such a
    heading ("- Leon: ABH 2011") each item is that agency's record."""
    text = state.reader.text
    start = text.rfind("\n", 0, pos) + 1
    key = ("heading", start, agency)
    hit = state.memo.get(key)
    if hit is None:
        hit = False
        end = start - 1
        for _ in range(12):
            if end < 0:
                break
            s0 = text.rfind("\n", 0, end) + 1
            line = text[s0:end]
            end = s0 - 1
            if not line.strip():
                continue
            if _HEADING_LINE.match(line) and not line.lstrip().startswith(("-", "*", "•")):
                hit = bool(agency.search(line))
                break
        state.memo[key] = hit
    return bool(hit)


def _row_names(state: ReadState, pos: int, agency: re.Pattern[str]) -> bool:
    """Whether the person stands in a table row ("12/05/2023 | Police | Ryan arrested") that
    names the agency in another cell, or in the row a continuation line (first cell blank)
    carries on: in a chronology the source column says whose record an event is."""
    key = ("row", pos, agency)
    hit = state.memo.get(key)
    if hit is None:
        text = state.reader.text
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        line = text[start : end if end >= 0 else len(text)]
        hit = False
        for _ in range(4):
            if line.count("|") < 2:
                break
            cells = line.split("|")
            if any(agency.search(c) for c in cells if c.strip()):
                hit = True
                break
            if cells[0].strip() or start == 0:
                break
            end = start - 1
            start = text.rfind("\n", 0, end) + 1
            line = text[start:end]
        state.memo[key] = hit
    return bool(hit)


def _with_pairs(f: dict[str, float], kind: str) -> dict[str, float]:
    """The features plus every pair of the structural ones present, each of them and each of
    the clause's words with the kind of check.

    Whether a check is this person's turns on cues together: the agency in the person's own
    clause *and* an answer word *and* the rules' reading, which a linear reader over single
    features cannot weigh; and a word says one kind ("PNC", "imms"). On five folds of the
    tuning files, adults with exactly the labelled checks rose from 77.6% to about 80%, as
    much as boosted trees gave, with the same small cached reader (evals/casefile/README.md,
    round seventeen)."""
    keys = sorted(
        k
        for k, v in f.items()
        if v > 0
        and not any(w in k for w in _WORD_KEYS)
        and "&" not in k
        and k not in _UNPAIRED
        and not k.startswith("kind=")
    )
    out = dict(f)
    for n, a in enumerate(keys):
        out[a + "^kind=" + kind] = 1.0
        for b in keys[n + 1 :]:
            out[a + "^" + b] = 1.0
    for k, v in f.items():
        if k.startswith(_WORD_KEYS):
            out[k + "^kind=" + kind] = v  # "PNC" says police, "imms" says health
    return out


#: The checks reader's word features (the clause's words and word pairs, the words beside the
#: person): each is paired with the kind only, not with the structural cues.
_WORD_KEYS = ("cw=", "cw2=", "cl=", "cr=")

#: Features that say nothing about this person (the same in every pair they would join).
_UNPAIRED = frozenset({"bias", "doc-agency"})


# ----------------------------------------------------------------------------- applying


def _status_people(state: ReadState) -> list[int]:
    return [i for i, p in enumerate(state.reader.people) if p.role in FAMILY_ADULT_ROLES]


#: Each binary reader's weights as one "yes minus no" list, for a quick dot product.
_WEIGHTS: dict[int, tuple[RoleModel, list[float], float]] = {}


def _lightgbm() -> Any:
    """LightGBM, or one line saying how to install it (a checkout updated without ``make``)."""
    try:
        import lightgbm
    except (ImportError, OSError) as exc:  # OSError: its library without libgomp
        raise CurioError(
            "The case-file readers need lightgbm, which is not installed: run `make install` "
            "(or pip install 'lightgbm>=4.5,<5')."
        ) from exc
    return lightgbm


def fit_trees(examples: Sequence[tuple[dict[str, float], bool]]) -> TreeReader | None:
    """Boosted trees learned from (features, yes/no) pairs; None when the labels are all one."""
    lightgbm = _lightgbm()

    ys = np.array([int(y) for _f, y in examples], dtype=np.float64)
    if len(set(ys.tolist())) < 2:
        return None
    vocab: dict[str, int] = {}
    data = lightgbm.Dataset(feature_matrix([f for f, _y in examples], vocab, grow=True), label=ys)
    threads = max(1, min(4, os.cpu_count() or 1))
    booster = lightgbm.train(dict(TREE_PARAMS, num_threads=threads), data, TREE_ROUNDS)
    splits = booster.feature_importance("split")
    used = {k: j for k, j in vocab.items() if splits[j] > 0}
    return TreeReader(used, len(vocab), booster)


def fit_reader(examples: Sequence[tuple[dict[str, float], bool]], c: float = 0.5) -> Reader | None:
    """Boosted trees from ``TREES_FROM`` examples on, a logistic regression below."""
    if len(examples) >= TREES_FROM:
        return fit_trees(examples)
    return fit_binary(examples, c=c)


def _yes_all(model: Reader, rows: Sequence[dict[str, float]]) -> list[float]:
    """The reader's probability of yes for each row (one call to the trees for all)."""
    if isinstance(model, TreeReader):
        return model.yes(rows).tolist()
    return [_yes(model, f) for f in rows]


def _yes(model: RoleModel, feats: dict[str, float]) -> float:
    """The logistic reader's probability of yes (the two-class softmax as a logistic)."""
    hit = _WEIGHTS.get(id(model))
    if hit is None or hit[0] is not model or model.classes != ["no", "yes"]:
        if model.classes != ["no", "yes"]:
            return model.probabilities(feats).get("yes", 0.0)
        w = (model.coef[1].astype(np.float64) - model.coef[0].astype(np.float64)).tolist()
        b = float(model.intercept[1]) - float(model.intercept[0])
        hit = _WEIGHTS[id(model)] = (model, w, b)
        while len(_WEIGHTS) > 64:
            _WEIGHTS.pop(next(iter(_WEIGHTS)))
    _m, w, z = hit
    vocab = model.vocab
    for k, v in feats.items():
        j = vocab.get(k)
        if j is not None:
            z += w[j] * v
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def _only_lay_seeing(feats: dict[str, float]) -> bool:
    """Whether every seeing word about the person has a lay subject ("Caller saw mum in the
    street"): the brief counts a professional's seeing only, so the reader may not add seen on
    that alone (few labelled texts have a caller or neighbour seeing, so it cannot learn it)."""
    return feats.get("seen:pos:lay", 0.0) > 0 and not (
        feats.get("seen:pos:writer", 0.0) or feats.get("seen:pos:nowriter", 0.0)
    )


def apply_status_model(state: ReadState, model: StatusModel) -> None:
    """The learned readers' reading of each family adult's seen, alone and checks (children and
    professionals keep the rules' reading). Changes ``state`` in place.

    Seen alone is the reader's call outright (its many wordings, "came on her own", "alone
    with me", are where the rules miss most). A seen or a check the rules did not read is
    added at ``add``; a check the rules read is dropped below ``keep``, a seen below
    ``drop_seen`` (``status_thresholds`` in prompts/casefile.yaml). The rules' reading is one
    of each reader's features. Round thirteen made the readers a second opinion (add 0.7,
    drop_seen 0.1); since round seventeen's paired check features all three are 0.5, the
    readers' call, which held out beat the second opinion (evals/casefile/README.md)."""
    t = state.reader.cues.status_thresholds
    yes_at, sure, seen_drop = t["keep"], t["add"], t["drop_seen"]
    # every adult's features are read before any reading changes (each adult's features
    # hold only their own rules' reading), so each reader is asked once for all of them
    people = _status_people(state)
    feats = [person_features(state, i) for i in people]
    pairs = [check_features(state, i, k) for i in people for k in CHECKS]
    seen = _yes_all(model.seen, feats) if model.seen is not None and feats else None
    alone = _yes_all(model.alone, feats) if model.alone is not None and feats else None
    checks = _yes_all(model.checks, pairs) if model.checks is not None and pairs else None
    for n, i in enumerate(people):
        p = state.reader.people[i]
        if seen is not None:
            if p.seen and seen[n] < seen_drop:
                p.seen = False
            elif not p.seen and seen[n] >= sure and not _only_lay_seeing(feats[n]):
                p.seen = True
        if alone is not None:
            p.alone = alone[n] >= yes_at
            p.seen = p.seen or p.alone
        if checks is not None:
            rules = set(state.checks.get(i, []))
            answers = checks[n * len(CHECKS) : (n + 1) * len(CHECKS)]
            state.checks[i] = [
                k
                for k, yes in zip(CHECKS, answers, strict=True)
                if (k in rules and yes >= yes_at) or (k not in rules and yes >= sure)
            ]


# ----------------------------------------------------------------------------- training


def training_examples(
    items: Sequence[dict[str, Any]], roles: RoleModel | None
) -> dict[str, list[tuple[dict[str, float], bool]]]:
    """For each labelled family adult matched to a person the rules read: their features and
    labels (seen, alone, and one (person, kind) pair per kind of check)."""
    from assistant.casefile.cues import load_cues
    from assistant.casefile.extract import _display_name, read_state
    from assistant.casefile.match import match_people

    cues = load_cues()
    out: dict[str, list[tuple[dict[str, float], bool]]] = {k: [] for k in FIELDS}
    for item in items:
        text = item["text"]
        state = read_state(text, cues, roles)
        people = state.reader.people
        found = [
            {
                "name": _display_name(p),
                "aliases": list(dict.fromkeys(p.forms)),
                "evidence": [{"start": s, "end": e} for s, e in p.mentions],
            }
            for p in people
        ]
        gold = list(item.get("people") or [])
        for gi, xi in match_people(text, gold, found).items():
            g = gold[gi]
            if g.get("role") in STATUS_SKIP or people[xi].role not in FAMILY_ADULT_ROLES:
                continue
            feats = person_features(state, xi)
            out["seen"].append((feats, bool(g.get("seen"))))
            out["alone"].append((feats, bool(g.get("seen_alone"))))
            labelled = set(g.get("checks") or [])
            for k in CHECKS:
                out["checks"].append((check_features(state, xi, k), k in labelled))
    return out


def fit(items: Sequence[dict[str, Any]], roles: RoleModel | None) -> StatusModel | None:
    """The three readers learned from these labelled texts (None with no family adults)."""
    return fit_examples(training_examples(items, roles))


def fit_examples(ex: dict[str, list[tuple[dict[str, float], bool]]]) -> StatusModel | None:
    """The three readers from examples already read (the quick held-out scorer joins each
    file's examples, read once, instead of reading every text again for every file)."""
    if not ex["seen"]:
        return None
    return StatusModel(
        fit_reader(ex["seen"]), fit_reader(ex["alone"]), fit_reader(ex["checks"], c=CHECKS_C)
    )


# ----------------------------------------------------------------------------- the cache


def _save(path: Path, key: str, model: StatusModel) -> None:
    from assistant.review.build import _save_arrays

    arrays: dict[str, np.ndarray] = {}
    names: dict[str, Any] = {}
    for name in FIELDS:
        m: Reader | None = getattr(model, name)
        if m is None:
            continue
        if isinstance(m, TreeReader):
            text = m.booster.model_to_string().encode("utf-8")
            # LightGBM does not check the text it parses (a damaged file can crash the
            # process), so the text's digest is kept and checked before it is read
            digest = hashlib.sha256(text).hexdigest()
            names[name] = {
                "vocab": list(m.vocab),
                "columns": list(m.vocab.values()),
                "width": m.width,
                "kind": "trees",
                "sha256": digest,
            }
            arrays[f"{name}.trees"] = np.frombuffer(text, dtype=np.uint8)
            continue
        names[name] = {"vocab": list(m.vocab), "classes": m.classes}
        arrays[f"{name}.coef"] = m.coef
        arrays[f"{name}.intercept"] = m.intercept
    arrays["names"] = np.frombuffer(json.dumps(names).encode("utf-8"), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    _save_arrays(path, {"key": key}, arrays)
    for old in path.parent.glob(f"{CACHE_PREFIX}*.safetensors"):
        if old != path:
            old.unlink(missing_ok=True)


def _read_cached(path: Path, key: str) -> StatusModel | None:
    from assistant.review.model import load_arrays

    try:
        arrays = load_arrays(path, {"key": key})
        names = json.loads(arrays["names"].tobytes().decode("utf-8"))
        parts: dict[str, Reader | None] = {}
        for name in FIELDS:
            if name not in names:
                parts[name] = None
                continue
            if names[name].get("kind") == "trees":
                lightgbm = _lightgbm()

                # a cache from before the features were pruned has no columns: train again
                vocab = dict(zip(names[name]["vocab"], names[name]["columns"], strict=True))
                width = int(names[name]["width"])
                if any(not 0 <= j < width for j in vocab.values()):
                    raise ValueError("damaged trees")
                raw = arrays[f"{name}.trees"].tobytes()
                if hashlib.sha256(raw).hexdigest() != names[name].get("sha256"):
                    raise ValueError("damaged trees")
                text = raw.decode("utf-8")
                try:
                    booster = lightgbm.Booster(model_str=text)
                except lightgbm.basic.LightGBMError as exc:
                    raise ValueError("damaged trees") from exc
                if booster.num_feature() != width:
                    raise ValueError("damaged trees")
                parts[name] = TreeReader(vocab, width, booster)
                continue
            vocab = {k: i for i, k in enumerate(names[name]["vocab"])}
            parts[name] = RoleModel(
                vocab,
                names[name]["classes"],
                arrays[f"{name}.coef"],
                arrays[f"{name}.intercept"],
            )
        return StatusModel(parts["seen"], parts["alone"], parts["checks"])
    except (ValueError, KeyError, TypeError):
        return None  # damaged or made for other data: train again


def build(
    load: Callable[[], Sequence[dict[str, Any]]],
    roles: RoleModel | None,
    cache_dir: Path | None,
    key: str,
) -> StatusModel | None:
    """The readers for these labelled texts: read from the cache, else trained and kept."""
    path = cache_dir / f"{CACHE_PREFIX}{key[:24]}.safetensors" if cache_dir else None
    if path is not None and path.exists():
        cached = _read_cached(path, key)
        if cached is not None:
            return cached
    items = load()
    if not items:
        return None
    model = fit(items, roles)
    if model is None or path is None:
        return model
    with contextlib.suppress(OSError):  # a read-only cache costs the next start a few seconds
        _save(path, key, model)
    return model


@lru_cache(maxsize=1)
def status_model() -> StatusModel | None:
    """The process's learned status readers (None where the labelled texts are not there)."""
    from assistant.casefile.learn import role_model, settings_cache_dir

    files = sorted(DATA_DIR.glob("tune-*.yaml"))
    if not files:
        return None
    h = hashlib.sha256(FEATURE_VERSION.encode())
    h.update(_files_key(files).encode())
    return build(labelled_texts, role_model(), settings_cache_dir(), h.hexdigest())
