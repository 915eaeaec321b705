"""The whole-text decision, learned: which lenses a text falls short on, from the lens model's
sentence readings.

The lens model says, sentence by sentence, how likely each lens is to fall short, be covered
or be raised. Turning that into "this text falls short on this lens" used to be a set of
hand-set thresholds per lens plus a "thorough text" rule (``decide.py``). Those fitted the
texts they were chosen on and raised about two flags on every good-practice text from a new
writer. The judge learns the same decision from labelled whole texts instead: for each lens
of each text it sees a few numbers (the strongest shortfall and the next, the strongest
coverage, how far the lens is in play, how many lenses the text covers, whether the text is
about a family, the exact-fact gate) and the label (required or forbidden), and a gradient
boosted tree model (scikit-learn) learns how they combine, lens by lens and across lenses.

Its training texts are the scenarios of the ``tune`` split (``evals/scenarios``; never
``dev`` or ``test``), read by the trained lens model. The decision threshold is chosen by
cross-validation inside those texts, maximising recall of required lenses minus ``weight``
times the forbidden-hit rate. Like the lens model it is built on first use and cached under
``CURIO_CACHE``, keyed by the lens model, the texts and these settings; a damaged file is
reported in one line and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.review.decide import COVERAGE, MENTION, NEITHER, SHORTFALL

#: Bump when the features or the model change: older cache files are then rebuilt.
JUDGE_VERSION = "judge-4"
#: Folds used to choose the threshold on predictions for texts each model did not see, and
#: how many different shuffles of the texts into folds are pooled (one shuffle moved a held-out
#: split's recall by up to three points, by where its threshold landed).
FOLDS = 4
REPEATS = 3
GRID = np.round(np.arange(0.1, 0.851, 0.025), 3)
#: A reading counts as covering / in play at this probability (for the text-wide counts).
AT = 0.5


@dataclass(frozen=True)
class JudgeRow:
    """One labelled text as the judge learns from it."""

    probs: np.ndarray  # (n_sentences, n_lenses, 4), catalogue order
    about_family: float
    gates: np.ndarray  # (n_lenses,) bool: the exact-fact gate holds
    required: np.ndarray  # (n_lenses,) bool
    forbidden: np.ndarray  # (n_lenses,) bool


def features(probs: np.ndarray, about_family: float, gates: np.ndarray) -> np.ndarray:
    """One row of numbers per lens (n_lenses, n_features) for one text."""
    n_lenses = probs.shape[1]
    n = len(probs)
    if n == 0:
        probs = np.zeros((1, n_lenses, 4), dtype=np.float32)
        probs[:, :, NEITHER] = 1.0
    s, c, m = probs[:, :, SHORTFALL], probs[:, :, COVERAGE], probs[:, :, MENTION]
    rel = 1.0 - probs[:, :, NEITHER]
    short = np.where(s > c, s, 0.0)  # a sentence falls short only where it does not cover
    ranked = np.sort(short, axis=0)[::-1]
    second = ranked[1] if len(ranked) > 1 else np.zeros(n_lenses)
    best_c, best_rel = c.max(axis=0), rel.max(axis=0)
    covered, in_play = float((best_c >= AT).sum()), float((best_rel >= AT).sum())
    shared = [
        covered,
        in_play,
        covered / max(1.0, in_play),
        float(about_family),
        float(np.log(n + 1)),
        float(best_c.sum()),
        float(short.max(axis=0).sum()),
    ]
    rows = []
    for j in range(n_lenses):
        own = [
            short[:, j].max(),
            second[j],
            best_c[j],
            best_rel[j],
            m[:, j].max(),
            10.0 * (short[:, j] > AT).sum() / max(1, n),
            float((c[:, j] > AT).sum()),
            rel[:, j].sum(),
            float(gates[j]),
        ]
        one_hot = np.zeros(n_lenses)
        one_hot[j] = 1.0
        rows.append(
            np.concatenate(
                [own, shared, one_hot, one_hot * own[0], one_hot * own[2], one_hot * own[3]]
            )
        )
    return np.asarray(rows, dtype=np.float64)


def _stack(rows: Sequence[JudgeRow]) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for r in rows:
        x = features(r.probs, r.about_family, r.gates)
        y = np.where(r.required, 1, np.where(r.forbidden, 0, -1))
        xs.append(x[y >= 0])
        ys.append(y[y >= 0])
    return np.concatenate(xs), np.concatenate(ys)


def _new_model() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    # Small trees with at least 30 labels a leaf: held out by blind split (each of five
    # earlier splits scored by a judge fitted without it), these beat 15-leaf trees and a
    # logistic regression (evals/judge_loso.py).
    return HistGradientBoostingClassifier(
        max_iter=150,
        learning_rate=0.05,
        max_leaf_nodes=7,
        min_samples_leaf=30,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=0,
    )


def _fit(rows: Sequence[JudgeRow]) -> Any:
    from threadpoolctl import threadpool_limits

    x, y = _stack(rows)
    if len(set(y.tolist())) < 2:
        raise ValueError("the judge needs both required and forbidden labels to learn from")
    with threadpool_limits(limits=1):
        return _new_model().fit(x, y)


def _proba(model: Any, probs: np.ndarray, about_family: float, gates: np.ndarray) -> np.ndarray:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return np.asarray(model.predict_proba(features(probs, about_family, gates))[:, 1])


def choose_threshold(
    scores: Sequence[np.ndarray], rows: Sequence[JudgeRow], weight: float
) -> tuple[float, float, float]:
    """The threshold on held-out scores that maximises recall - weight * forbidden-hit, with
    both rates over all lenses; returns (threshold, recall, forbidden-hit)."""
    req = sum(int(r.required.sum()) for r in rows) or 1
    forb = sum(int(r.forbidden.sum()) for r in rows) or 1
    best: tuple[float, float, float, float] | None = None
    for t in GRID:
        hit_r = sum(int(((p >= t) & r.required).sum()) for p, r in zip(scores, rows, strict=True))
        hit_f = sum(int(((p >= t) & r.forbidden).sum()) for p, r in zip(scores, rows, strict=True))
        value = hit_r / req - weight * hit_f / forb
        if best is None or value > best[0] + 1e-12:
            best = (value, float(t), hit_r / req, hit_f / forb)
    assert best is not None
    return best[1], best[2], best[3]


class Judge:
    """The learned whole-text decision: ``flags`` says, per lens, whether the text falls short
    and how sure the judge is."""

    def __init__(self, model: Any, threshold: float, lenses: Sequence[str]) -> None:
        self.model = model
        self.threshold = float(threshold)
        self.lenses = tuple(lenses)

    def scores(self, probs: np.ndarray, about_family: float, gates: np.ndarray) -> np.ndarray:
        return _proba(self.model, probs, about_family, gates)

    def flags(
        self, probs: np.ndarray, about_family: float, gates: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(raised per lens, score per lens); a lens whose exact-fact gate fails never rises."""
        p = self.scores(probs, about_family, gates)
        return (p >= self.threshold) & gates.astype(bool), p


def fit_judge(
    rows: Sequence[JudgeRow], lenses: Sequence[str], weight: float, seed: int = 0
) -> tuple[Judge, dict[str, float]]:
    """Fit on every row; choose the threshold on out-of-fold scores (``FOLDS`` folds, pooled
    over ``REPEATS`` shuffles)."""
    scores: list[np.ndarray] = []
    scored: list[JudgeRow] = []
    for repeat in range(REPEATS):
        order = np.random.default_rng(seed + repeat).permutation(len(rows))
        for k in range(FOLDS):
            held = order[k::FOLDS]
            kept = set(held.tolist())
            model = _fit([rows[i] for i in order if i not in kept])
            for i in sorted(held.tolist()):
                r = rows[i]
                scores.append(_proba(model, r.probs, r.about_family, r.gates))
                scored.append(r)
    threshold, recall, forbidden = choose_threshold(scores, scored, weight)
    judge = Judge(_fit(rows), threshold, lenses)
    return judge, {"threshold": threshold, "cv_recall": recall, "cv_forbidden_hit": forbidden}


# --- the cache ----------------------------------------------------------------------------


def judge_key(model_key: str, texts: Sequence[str], lenses: Sequence[str], weight: float) -> str:
    """The judge's key: the lens model it reads with, its labelled texts, lenses and settings,
    and the scikit-learn version (a pickled model is only read back by the version that wrote
    it)."""
    import sklearn

    h = hashlib.sha256()
    for part in (JUDGE_VERSION, sklearn.__version__, model_key, ",".join(lenses), f"{weight:.4f}"):
        h.update(part.encode("utf-8") + b"\0")
    for text in texts:
        h.update(text.encode("utf-8") + b"\0")
    return h.hexdigest()


def save_judge(path: Path, judge: Judge, key: str) -> None:
    """One JSON header line (key, version, threshold, lenses, the payload's sha256), then the
    pickled model; written atomically."""
    payload = pickle.dumps(judge.model, protocol=pickle.HIGHEST_PROTOCOL)
    head = {
        "key": key,
        "version": JUDGE_VERSION,
        "threshold": judge.threshold,
        "lenses": list(judge.lenses),
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(json.dumps(head).encode("utf-8") + b"\n" + payload)
    os.replace(tmp, path)


def load_judge(path: Path, key: str) -> Judge:
    """The cached judge; ValueError (with the reason in a few words) when the file is damaged,
    from other data or from another version. The model is unpickled only after its bytes
    match the checksum written with it."""
    raw = path.read_bytes()
    line, sep, payload = raw.partition(b"\n")
    try:
        head = json.loads(line.decode("utf-8")) if sep else None
    except (UnicodeDecodeError, ValueError):
        head = None
    if not isinstance(head, dict):
        raise ValueError("damaged (no header)")
    if head.get("version") != JUDGE_VERSION or head.get("key") != key:
        raise ValueError("from other data or another version")
    if hashlib.sha256(payload).hexdigest() != head.get("sha256"):
        raise ValueError("damaged (checksum differs)")
    try:
        model = pickle.loads(payload)  # noqa: S301 - our own file, checksum verified above
    except Exception as exc:  # a truncated or foreign pickle
        raise ValueError("damaged (cannot be read)") from exc
    return Judge(model, float(head["threshold"]), head["lenses"])


def load_or_fit_judge(
    path: Path | None,
    key: str,
    rows: Callable[[], Sequence[JudgeRow]],
    lenses: Sequence[str],
    weight: float,
    say: Callable[[str], None],
) -> Judge:
    """The judge from ``path`` when it is there and sound, else fitted now (and saved)."""
    if path is not None and path.exists():
        try:
            return load_judge(path, key)
        except (OSError, ValueError) as exc:
            say(f"the review judge cache {path.name} is {exc}; rebuilding it")
    data = rows()
    say(f"fitting the review's whole-text judge on {len(data)} labelled texts")
    judge, stats = fit_judge(data, lenses, weight)
    say(
        f"review judge fitted (threshold {stats['threshold']:.3f}; cross-validated recall "
        f"{stats['cv_recall']:.3f}, forbidden-hit {stats['cv_forbidden_hit']:.3f})"
    )
    if path is not None:
        try:
            save_judge(path, judge, key)
        except OSError as exc:
            say(f"could not keep the review judge in {path.parent} ({exc.strerror or exc})")
    return judge
