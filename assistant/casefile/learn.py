"""A small role classifier learned from the labelled case-file texts.

The rules read roles from the words beside a name; where they find none ("Victim: Katarzyna
NOWAK", "Woman: Chantelle Morris, 19") they fall back to "other adult", and that is where
texts written by other people miss most. The classifier learns from the labelled people of
``evals/casefile/tune-*.yaml`` which words around a person's mentions (their line's label,
the words either side, the forms they are written in) go with which role, and is asked only
about people the rules left without a role word of their own. It is built on first use (well
under a second) and cached under CURIO_CACHE as plain arrays; no weights are kept in git.
Without the labelled texts (an installed copy without evals/) the rules stand alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.casefile.cues import DEFAULT_CUES
from assistant.casefile.draft import _Draft
from assistant.casefile.model import ROLES

FEATURE_VERSION = "4"
DATA_DIR = Path(__file__).resolve().parents[2] / "evals" / "casefile"
CACHE_PREFIX = "casefile-roles-"
#: When the classifier may decide a role (the probability and lead it needs, for people with
#: and without a role word of their own, and for its second opinion from the context alone)
#: is read from ``role_thresholds`` in prompts/casefile.yaml, each with how it was chosen.
#: The features the second opinion leaves out: what the rules decided.
RULE_FEATURES = ("vote=", "gender=")
#: The label of a name the rules read that no writer listed as a person ("Community Order",
#: "Hi Adam", "Leeds CSC"): the person reader learns these apart from the people.
NOT_A_PERSON = "not-a-person"
#: The features only the person reader uses: the shape of the name itself.
SHAPE = "shape:"

#: What only an adult has: a partner, a spouse, an in-law, children of their own ("Amy's new
#: partner", "Bethany Clarke ... and her children", "Sadia's mother-in-law").
ADULT_TIES = re.compile(
    r"^(?:['’]s\s+(?:new\s+|current\s+|ex-?\s*)?(?:partner|husband|wife|boyfriend|girlfriend|"
    r"fianc[eé]e?|mother-in-law|father-in-law|in-laws|children|baby|unborn|son|daughter|"
    r"pregnancy)|(?:\s*\([^)]{0,30}\))?\s+(?:and|with)\s+(?:her|his)\s+"
    r"(?:children|baby|son|daughter|husband|wife|partner))\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


# ----------------------------------------------------------------------------- features


def _words(s: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(s)]


def person_features(flat: str, text: str, p: _Draft) -> dict[str, float]:
    """What the text says around a person: the forms they are written in, the words either
    side of each mention, the label of the line they stand on, and what the rules found."""
    f: dict[str, float] = {"bias": 1.0}
    f["named"] = float(bool(p.first or p.last))
    f["title=" + (p.title or "none")] = 1.0
    f["gender=" + (p.gender or "none")] = 1.0
    if p.age_years is not None:
        f["age=" + ("child" if p.age_years < 18 else "adult")] = 1.0
    for role, votes in p.roles.items():
        f["vote=" + role] = min(votes, 3) / 3
    for s0, e0 in p.mentions[:12]:
        for w in _words(flat[s0:e0]):
            f["form=" + w] = 1.0
        for w in _words(flat[max(0, s0 - 40) : s0])[-3:]:
            f["left=" + w] = 1.0
        for w in _words(flat[e0 : e0 + 40])[:3]:
            f["right=" + w] = 1.0
        line = text[text.rfind("\n", 0, s0) + 1 : s0]
        label = re.match(r"^\W*([A-Za-z][\w /'’-]{0,30}?)\s*[:–-]\s", line)
        if label:
            f["label=" + " ".join(_words(label.group(1)))] = 1.0
        if flat[e0 : e0 + 2] in ("'s", "’s"):
            f["possessive"] = 1.0
            for w in _words(flat[e0 + 2 : e0 + 30])[:2]:
                f["owns=" + w] = 1.0  # "Amy's new partner", "Sadia's mother-in-law"
        if ADULT_TIES.match(flat[e0 : e0 + 40]):
            f["adult-ties"] = 1.0
        for w in _words(flat[max(0, s0 - 80) : s0])[-6:] + _words(flat[e0 : e0 + 80])[:6]:
            f["near=" + w] = 0.3  # the clause around: "pregnant", "victim states", "school"
    return f


def name_features(flat: str, text: str, p: _Draft) -> dict[str, float]:
    """A person's features and the shape of their name, for the person reader: letters
    inside the name's words ("-ment", "CSC"), how many words, and whether a word of the name
    also stands in lower case in the text ("Pitch" and "pitch"), which a name seldom does."""
    f = person_features(flat, text, p)
    words = [w for form in p.forms[:6] for w in _WORD.findall(form) if w[:1].isupper()]
    f[SHAPE + f"words={min(len(p.label.split()), 4)}"] = 1.0
    f[SHAPE + f"mentions={min(len(p.mentions), 3)}"] = 1.0
    lowered = _lower_words(flat)
    for w in dict.fromkeys(words):
        low = w.lower()
        if len(w) > 1 and w.isupper():
            f[SHAPE + "all-caps"] = 1.0
        if len(low) >= 3 and low in lowered:
            f[SHAPE + "lower-elsewhere"] = 1.0
        padded = f"<{low}>"
        for i in range(len(padded) - 2):
            f[SHAPE + "c3=" + padded[i : i + 3]] = 0.2
    if p.mentions and all(
        not text[text.rfind("\n", 0, s0) + 1 : s0].strip(" \t-*•>") for s0, _e in p.mentions
    ):
        f[SHAPE + "line-start-only"] = 1.0
    return f


@lru_cache(maxsize=4)
def _lower_words(flat: str) -> frozenset[str]:
    """The words a draft writes in lower case (read once per draft, not once per name)."""
    return frozenset(w.lower() for w in _WORD.findall(flat) if w[:1].islower())


def without_shape(feats: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in feats.items() if not k.startswith(SHAPE)}


# ----------------------------------------------------------------------------- the model


@dataclass
class RoleModel:
    """A multinomial logistic regression over feature names (plain arrays, no pickle)."""

    vocab: dict[str, int]
    classes: list[str]
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)
    #: The same kind of model over the context alone (no rule votes): see ``fit_roles``.
    context: RoleModel | None = None
    #: Whether a name the rules read is a person at all (yes/no): see ``fit_roles``.
    person: RoleModel | None = None

    def is_person(self, feats: dict[str, float]) -> float:
        """The person reader's probability that this name is a person (1.0 without one)."""
        if self.person is None:
            return 1.0
        return self.person.probabilities(feats).get("yes", 1.0)

    def probabilities(self, feats: dict[str, float]) -> dict[str, float]:
        idx = [(self.vocab[k], v) for k, v in feats.items() if k in self.vocab]
        scores = self.intercept.astype(np.float64).copy()
        for j, v in idx:
            scores += self.coef[:, j] * v
        scores -= scores.max()
        probs = np.exp(scores)
        probs /= probs.sum()
        return {c: float(p) for c, p in zip(self.classes, probs, strict=True)}

    def best(self, feats: dict[str, float]) -> tuple[str, float, float]:
        """The likeliest role, its probability, and its lead over the next."""
        probs = self.probabilities(feats)
        ranked = sorted(probs, key=lambda r: -probs[r])
        second = probs[ranked[1]] if len(ranked) > 1 else 0.0
        return ranked[0], probs[ranked[0]], probs[ranked[0]] - second


def feature_matrix(
    rows: Iterable[dict[str, float]],
    vocab: dict[str, int],
    *,
    grow: bool = False,
    width: int | None = None,
    dtype: Any = np.float64,
) -> Any:
    """Rows of named features as a sparse matrix over ``vocab``, the one place every learned
    reader (roles, the person reader, the status readers) builds what it learns from and
    reads. Learning (``grow``), a new name takes the next column of ``vocab``; reading, a
    name the reader never saw is dropped. ``width`` columns wide (default: one a name)."""
    from scipy.sparse import csr_matrix

    data: list[float] = []
    cols: list[int] = []
    ptr = [0]
    for feats in rows:
        for k, v in feats.items():
            j = vocab.setdefault(k, len(vocab)) if grow else vocab.get(k)
            if j is not None:
                cols.append(j)
                data.append(v)
        ptr.append(len(cols))
    shape = (len(ptr) - 1, len(vocab) if width is None else width)
    matrix = csr_matrix((np.asarray(data, dtype=dtype), cols, ptr), shape=shape)
    matrix.sort_indices()  # canonical: the same matrix however the rows' names were ordered
    return matrix


def fit(
    examples: Sequence[tuple[dict[str, float], str]], c: float = 1.0, balanced: bool = False
) -> RoleModel | None:
    """Learn roles from (features, labelled role) pairs; None with fewer than two roles."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    examples = [(f, r) for f, r in examples if r in ROLES]
    roles = sorted({r for _f, r in examples})
    if len(roles) < 2:
        return None
    vocab: dict[str, int] = {}
    # sparse: a person has a few dozen of the thousands of features, and a dense matrix made
    # the fit the slowest part of training (and of the held-out scorer)
    xs = feature_matrix([f for f, _r in examples], vocab, grow=True, dtype=np.float32)
    ys = np.array([roles.index(r) for _f, r in examples])
    with threadpool_limits(limits=1, user_api="blas"):
        clf = LogisticRegression(
            max_iter=3000, C=c, class_weight="balanced" if balanced else None
        ).fit(xs, ys)
    classes = [roles[int(c)] for c in clf.classes_]
    coef = clf.coef_.astype(np.float32)
    intercept = clf.intercept_.astype(np.float32)
    if len(classes) == 2:  # binary: one row of weights, for the second class
        coef = np.stack([-coef[0], coef[0]])
        intercept = np.array([-intercept[0], intercept[0]], dtype=np.float32)
    return RoleModel(vocab, classes, coef, intercept)


def context_features(feats: dict[str, float]) -> dict[str, float]:
    """A person's features without what the rules decided (their votes and the gender taken
    from them): the words around the person alone."""
    return {k: v for k, v in feats.items() if not k.startswith(RULE_FEATURES)}


def fit_roles(examples: Sequence[tuple[dict[str, float], str]]) -> RoleModel | None:
    """The role classifier, with its second opinion from the context alone attached. Trained
    with the rules' votes, the classifier mostly repeats the rules; without them it can
    disagree, and where it is sure that is worth hearing. The person reader comes with them:
    every name the rules read, as a person (a writer listed them) or not."""
    roles = [(without_shape(f), r) for f, r in examples if r in ROLES]
    model = fit(roles)
    if model is not None:
        model.context = fit([(context_features(f), r) for f, r in roles])
        named = [(f, r != NOT_A_PERSON) for f, r in examples if f.get("named")]
        model.person = fit_binary(named)
    return model


def fit_binary(
    examples: Sequence[tuple[dict[str, float], bool]], c: float = 0.5
) -> RoleModel | None:
    """A yes/no logistic regression over named features; None when the labels are all one."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    ys = np.array([int(y) for _f, y in examples])
    if len(set(ys.tolist())) < 2:
        return None
    vocab: dict[str, int] = {}
    xs = feature_matrix([f for f, _y in examples], vocab, grow=True)
    with threadpool_limits(limits=1, user_api="blas"):
        clf = LogisticRegression(max_iter=3000, C=c).fit(xs, ys)
    w = clf.coef_[0].astype(np.float32)
    b = float(clf.intercept_[0])
    return RoleModel(
        vocab,
        ["no", "yes"],
        np.stack([-w / 2, w / 2]),
        np.array([-b / 2, b / 2], dtype=np.float32),
    )


def labelled_texts(folder: Path = DATA_DIR, skip: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The tune split's labelled texts (never the test split), minus files named in skip."""
    import yaml

    out: list[dict[str, Any]] = []
    skipped = set(skip)
    for path in sorted(folder.glob("tune-*.yaml")):
        if path.name in skipped:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        out += [d for d in data if isinstance(d, dict) and "text" in d]
    return out


def training_examples(items: Sequence[dict[str, Any]]) -> list[tuple[dict[str, float], str]]:
    """Each labelled person matched to the person the rules read, with their features (and
    the shape of their name); each name the rules read that matches no labelled person, as
    ``NOT_A_PERSON`` (only the person reader learns from those)."""
    from assistant.casefile.extract import read_people
    from assistant.casefile.match import match_people

    out = []
    for item in items:
        text = item["text"]
        reader = read_people(text)
        found = [
            {
                "name": p.label,
                "aliases": p.forms,
                "evidence": [{"start": s, "end": e} for s, e in p.mentions],
            }
            for p in reader.people
        ]
        gold = list(item.get("people") or [])
        match = match_people(text, gold, found)
        for gi, xi in match.items():
            role = str(gold[gi].get("role"))
            if role in ROLES:
                out.append((name_features(reader.flat, text, reader.people[xi]), role))
        matched = set(match.values())
        for xi, p in enumerate(reader.people):
            if xi not in matched and (p.first or p.last):
                out.append((name_features(reader.flat, text, p), NOT_A_PERSON))
    return out


def _evidence(p: _Draft) -> list[dict[str, int]]:
    return [{"start": s, "end": e} for s, e in p.mentions]


# ----------------------------------------------------------------------------- the cache


def _data_key(items: Sequence[dict[str, Any]]) -> str:
    h = hashlib.sha256(FEATURE_VERSION.encode())
    h.update(json.dumps(items, sort_keys=True, default=str).encode("utf-8"))
    return h.hexdigest()


def build(items: Sequence[dict[str, Any]], cache_dir: Path | None) -> RoleModel | None:
    """The classifier for these labelled texts: read from the cache, else trained and kept."""
    if not items:
        return None
    return _build(lambda: items, cache_dir, _data_key(items))


def _read_cached(path: Path, key: str) -> RoleModel | None:
    from assistant.review.model import load_arrays

    try:
        arrays = load_arrays(path, {"key": key})
        names = json.loads(bytes(arrays["names"].tolist()).decode("utf-8"))
        parts: dict[str, RoleModel | None] = {}
        for part in ("context", "person"):
            parts[part] = None
            if part in names:
                parts[part] = RoleModel(
                    {k: i for i, k in enumerate(names[part]["vocab"])},
                    names[part]["classes"],
                    arrays[f"{part}.coef"],
                    arrays[f"{part}.intercept"],
                )
        return RoleModel(
            {k: i for i, k in enumerate(names["vocab"])},
            names["classes"],
            arrays["coef"],
            arrays["intercept"],
            parts["context"],
            parts["person"],
        )
    except (ValueError, KeyError):
        return None  # damaged or made for other data: train again


def _build(
    load: Callable[[], Sequence[dict[str, Any]]], cache_dir: Path | None, key: str
) -> RoleModel | None:
    from assistant.review.build import _save_arrays

    path = cache_dir / f"{CACHE_PREFIX}{key[:24]}.safetensors" if cache_dir else None
    if path is not None and path.exists():
        cached = _read_cached(path, key)
        if cached is not None:
            return cached
    items = load()
    model = fit_roles(training_examples(items))
    if model is None or path is None:
        return model
    names: dict[str, Any] = {"vocab": list(model.vocab), "classes": model.classes}
    arrays = {"coef": model.coef, "intercept": model.intercept}
    for part in ("context", "person"):
        m: RoleModel | None = getattr(model, part)
        if m is not None:
            names[part] = {"vocab": list(m.vocab), "classes": m.classes}
            arrays[f"{part}.coef"] = m.coef
            arrays[f"{part}.intercept"] = m.intercept
    arrays["names"] = np.frombuffer(json.dumps(names).encode("utf-8"), dtype=np.uint8)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _save_arrays(path, {"key": key}, arrays)
        for old in path.parent.glob(f"{CACHE_PREFIX}*.safetensors"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache costs only the next start's second
    return model


def settings_cache_dir() -> Path | None:
    """Where the learned case-file parts are kept (None: settings that do not load, so they
    are trained in memory)."""
    from assistant.settings import get_settings

    try:
        return get_settings().cache_dir
    except Exception:  # settings that do not load: no cache, train in memory
        return None


@lru_cache(maxsize=1)
def role_model() -> RoleModel | None:
    """The process's classifier (None where the labelled texts are not there)."""
    files = sorted(DATA_DIR.glob("tune-*.yaml"))
    if not files:
        return None
    return _build(labelled_texts, settings_cache_dir(), _files_key(files))


def _files_key(files: Sequence[Path]) -> str:
    """The cache key without parsing: the labelled files' bytes and the code and cue words the
    features come from (a change to any of them trains again, in about a second)."""
    h = hashlib.sha256(FEATURE_VERSION.encode())
    code = sorted(Path(__file__).parent.glob("*.py")) + [DEFAULT_CUES]
    for path in [*files, *code]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()
