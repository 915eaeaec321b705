"""Build the trained lens model from the repository's data, or load it from the cache.

Like the guidance index, the model is made on first use (or by ``make install``) and kept under
``CURIO_HOME/cache``, keyed by the hashes of the training data, the base model's weights and the
training settings; nothing is downloaded and no weights are kept in git. The small "about a
family?" classifier also learns from the guidance corpus, so it is kept in its own file keyed
by the corpus too: editing the corpus refits it in seconds instead of retraining the model. A
damaged or stale cache is reported in one line and rebuilt; the review never falls back to
another method.
Training takes a file lock, so two processes starting together train once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.embed import BatchingEncoder
from assistant.errors import CurioError
from assistant.review.data import TrainingSet, build_training_set
from assistant.review.model import (
    MODEL_VERSION,
    STATES,
    LensModel,
    TrainingConfig,
    Unit,
    config_key,
    load_arrays,
)
from assistant.review.text import split_sentences
from assistant.review.training import fit


@dataclass
class Reading:
    """The model's reading of one text: per-sentence probabilities and "about a family"."""

    probs: np.ndarray  # (n_sentences, n_lenses, 4)
    about_family: float


class TrainedLensModel:
    """The lens model plus a small "is this about a family at all?" classifier over the mean
    of the text's sentence vectors (trained on the same texts: agendas, letters, course
    outlines and guidance sections are not about a family).

    Reads go through a ``BatchingEncoder``: one thread runs the model, and the sentences of
    reviews that arrive together (several sessions on one server) share its passes instead of
    contending for the cores. The model reads each string on its own (no padding), so a
    review's probabilities are the same whatever it was batched with.
    """

    def __init__(self, model: LensModel, doc_coef: np.ndarray, doc_intercept: float) -> None:
        self.model = model
        self.lenses = model.lenses
        self.doc_coef = np.asarray(doc_coef, dtype=np.float32)
        self.doc_intercept = float(doc_intercept)
        #: the cache key of the data and settings it was trained from ("" if not cached)
        self.key = ""
        # the queue only needs hashable items; here they are Units, not strings
        self.queue = BatchingEncoder(self._read_rows, name="curio-lens-model")  # type: ignore[arg-type]

    def read(self, units: Sequence[Unit]) -> Reading:
        rows = self.queue.encode(list(units))  # type: ignore[arg-type]
        width = len(self.lenses) * len(STATES)
        probs = rows[:, :width].reshape(len(rows), len(self.lenses), len(STATES))
        return Reading(probs=probs, about_family=self.family_probability(rows[:, width:]))

    def _read_rows(self, units: list[Unit]) -> np.ndarray:
        """One row per unit: its probabilities, flattened, then its sentence's vector."""
        probs, pooled = self.model.predict(units, with_pooled=True)
        return np.concatenate([probs.reshape(len(units), -1), pooled], axis=1)

    def family_probability(self, pooled: np.ndarray) -> float:
        if len(pooled) == 0:
            return 0.0
        z = float(_doc_features(pooled) @ self.doc_coef + self.doc_intercept)
        return float(1.0 / (1.0 + np.exp(-z)))


def _doc_features(pooled: np.ndarray) -> np.ndarray:
    v = pooled.mean(axis=0)
    return v / max(1e-6, float(np.linalg.norm(v)))


@dataclass(frozen=True)
class Sources:
    """Where the training data comes from (all inside the repository)."""

    base_path: Path
    base_sha256: str
    training_dir: Path
    sentence_files: tuple[Path, ...]
    #: guidance sections: extra examples of text that is not about a family
    corpus_dir: Path | None = None


def cache_key(sources: Sources, training: TrainingSet, config: TrainingConfig) -> str:
    """The lens model's key: training data, base model and settings (not the corpus)."""
    h = hashlib.sha256()
    for part in (MODEL_VERSION, config_key(config), sources.base_sha256):
        h.update(part.encode() + b"\0")
    for part in training.fingerprint_parts:
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


#: The code that turns the training files into units and targets: part of the quick
#: fingerprint, so a change to how texts are split or labelled is never served a stale key.
_CODE_FILES = ("build.py", "data.py", "model.py", "text.py")
#: Remembers, per quick fingerprint of the inputs, the model key they give.
KEYS_FILE = "lens-keys.json"


def input_fingerprint(
    sources: Sources,
    lenses: Sequence[str],
    extra_rows: Sequence[tuple[str, str]],
    config: TrainingConfig,
) -> str:
    """A cheap stand-in for ``cache_key``: the raw bytes of every input the key is computed
    from (training files, sentence files, the catalogue's example rows, lens ids, settings,
    base model) and of the code that reads them.

    Reading the bytes takes milliseconds; parsing 480 YAML texts and splitting them into
    sentences took about a second of every start. Anything that could change the key changes
    this too (a reworded label, a new file, an edited splitter); the converse need not hold
    (a comment edited in a training file), which costs one full reading, never a stale model.
    """
    h = hashlib.sha256()

    def add(data: bytes) -> None:
        h.update(f"{len(data)}:".encode() + data)

    for part in (MODEL_VERSION, config_key(config), sources.base_sha256, ",".join(lenses)):
        add(part.encode("utf-8"))
    here = Path(__file__).resolve().parent
    for name in _CODE_FILES:
        add(name.encode() + b"\0" + (here / name).read_bytes())
    for path in sorted(sources.training_dir.glob("*.yaml")):
        add(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    for path in sources.sentence_files:
        data = path.read_bytes() if path.is_file() else b"(missing)"
        add(str(path.name).encode("utf-8") + b"\0" + data)
    for text, label in extra_rows:
        add(f"{label}\x1f{text}".encode())
    return h.hexdigest()


def _known_key(cache_dir: Path | None, quick: str) -> str | None:
    if cache_dir is None:
        return None
    try:
        known = json.loads((cache_dir / KEYS_FILE).read_text(encoding="utf-8"))
        key = known.get(quick) if isinstance(known, dict) else None
    except (OSError, ValueError):
        return None
    return key if isinstance(key, str) and len(key) == 64 else None


def _remember_key(cache_dir: Path, quick: str, key: str) -> None:
    """Keep the (quick fingerprint -> key) pair (the last 16), written atomically; a cache that
    cannot be written only costs the next start its second."""
    path = cache_dir / KEYS_FILE
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
        known = known if isinstance(known, dict) else {}
    except (OSError, ValueError):
        known = {}
    known.pop(quick, None)
    known[quick] = key
    known = dict(list(known.items())[-16:])
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_text(json.dumps(known, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def doc_key(model_key: str, corpus_texts: Sequence[str]) -> str:
    """The "about a family?" classifier's key: the lens model it reads with, and the corpus."""
    h = hashlib.sha256(model_key.encode() + b"\0")
    for text in corpus_texts:
        h.update(text.encode("utf-8") + b"\0")
    return h.hexdigest()


def _corpus_texts(corpus_dir: Path | None) -> list[str]:
    """Guidance sections of the starter corpus, as examples of text about no family."""
    if corpus_dir is None or not corpus_dir.is_dir():
        return []
    out: list[str] = []
    for path in sorted(corpus_dir.glob("*.md")):
        body = path.read_text(encoding="utf-8")
        for section in body.split("\n## ")[1:]:
            if len(section.split()) >= 40:
                out.append(section)
    return out


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _stderr(msg: str) -> None:
    print(f"curio: {msg}", file=sys.stderr, flush=True)


def load_or_train(
    sources: Sources,
    lenses: Sequence[str],
    cache_dir: Path | None,
    extra_rows: Sequence[tuple[str, str]] = (),
    config: TrainingConfig | None = None,
    say: Callable[[str], None] = _stderr,
) -> TrainedLensModel:
    """The trained model for this data: from the cache when it is there and sound, else
    trained now (a few minutes on two cores, with progress shown) and cached."""
    config = config or TrainingConfig()
    quick = input_fingerprint(sources, lenses, extra_rows, config)
    made: list[TrainingSet] = []

    def training() -> TrainingSet:
        """The training set, read only when needed (a key not yet known, or training)."""
        if not made:
            made.append(
                build_training_set(sources.training_dir, sources.sentence_files, lenses, extra_rows)
            )
        return made[0]

    key = _known_key(cache_dir, quick) or cache_key(sources, training(), config)
    with _loaded_lock:
        if key in _loaded:  # the same data and settings: one model per process
            return _loaded[key]
        trained = _load_or_train(key, training, sources, lenses, cache_dir, config, say)
        trained.key = key
        _loaded[key] = trained
    if cache_dir is not None and made:  # the key was worked out the long way: remember it
        _remember_key(cache_dir, quick, key)
    return trained


_loaded: dict[str, TrainedLensModel] = {}
_loaded_lock = threading.Lock()


def _load_or_train(
    key: str,
    training: Callable[[], TrainingSet],
    sources: Sources,
    lenses: Sequence[str],
    cache_dir: Path | None,
    config: TrainingConfig,
    say: Callable[[str], None],
) -> TrainedLensModel:
    meta = {"key": key, "version": MODEL_VERSION}
    model = LensModel(sources.base_path, lenses, config)
    corpus = _corpus_texts(sources.corpus_dir)
    if cache_dir is None:
        _fit_model(model, training(), say)
        return _with_doc_classifier(model, training(), corpus)
    path = cache_dir / f"lens-model-{key[:24]}.safetensors"
    dkey = doc_key(key, corpus)
    doc_path = cache_dir / f"lens-doc-{dkey[:24]}.safetensors"
    try:
        (cache_dir / "lens-model.lock").parent.mkdir(parents=True, exist_ok=True)
        (cache_dir / "lens-model.lock").touch()
    except OSError as exc:  # a cache folder under a file, or not writable
        raise CurioError(
            f"The review model cache {cache_dir} cannot be used ({exc.strerror or exc}): "
            "set CURIO_CACHE or CURIO_HOME to a folder you can write to."
        ) from exc
    with _lock(cache_dir / "lens-model.lock"):
        loaded = False
        if path.exists():
            try:
                model.load(path, meta)
                loaded = True
            except (ValueError, KeyError) as exc:
                say(f"the review model cache {path.name} is {exc}; rebuilding it")
        if not loaded:
            _fit_model(model, training(), say)
            _keep(cache_dir, path, "lens-model-", say, lambda target: model.save(target, meta))
        if doc_path.exists():
            try:
                arrays = load_arrays(doc_path, {"key": dkey, "version": MODEL_VERSION})
                return TrainedLensModel(
                    model, arrays["doc.coef"], float(arrays["doc.intercept"][0])
                )
            except (ValueError, KeyError) as exc:
                say(f"the review model cache {doc_path.name} is {exc}; rebuilding it")
        feat_path = cache_dir / f"lens-docx-{key[:24]}.safetensors"
        features: tuple[np.ndarray, np.ndarray] | None = None
        if feat_path.exists():
            try:
                arrays = load_arrays(feat_path, meta)
                features = (arrays["x"], arrays["y"])
            except (ValueError, KeyError) as exc:
                say(f"the review model cache {feat_path.name} is {exc}; rebuilding it")
        if features is None:
            features = _training_features(model, training())
            x, y = features
            _keep(
                cache_dir,
                feat_path,
                "lens-docx-",
                say,
                lambda t: _save_arrays(t, meta, {"x": x, "y": y}),
            )
        trained = _with_doc_classifier(model, None, corpus, features)
        _keep(
            cache_dir,
            doc_path,
            "lens-doc-",
            say,
            lambda target: _save_arrays(
                target,
                {"key": dkey, "version": MODEL_VERSION},
                {
                    "doc.coef": trained.doc_coef,
                    "doc.intercept": np.array([trained.doc_intercept], dtype=np.float32),
                },
            ),
        )
        return trained


#: Cache files kept per kind: switching between two versions of the data (a branch, an
#: upgrade and back) must not retrain each time, and the folder must not grow without end.
KEEP_PER_KIND = 3


def _keep(
    cache_dir: Path,
    path: Path,
    prefix: str,
    say: Callable[[str], None],
    write: Callable[[Path], None],
) -> None:
    """Write one cache file and drop all but the newest ``KEEP_PER_KIND`` of its kind; a
    read-only or full disk costs only the next start's time."""
    try:
        write(path)
        others = [old for old in cache_dir.glob(f"{prefix}*{path.suffix}") if old != path]
        others.sort(key=lambda old: old.stat().st_mtime, reverse=True)
        for old in others[KEEP_PER_KIND - 1 :]:
            old.unlink(missing_ok=True)
    except OSError as exc:
        say(f"could not keep the review model in {cache_dir} ({exc.strerror or exc})")


def _save_arrays(path: Path, meta: dict[str, str], arrays: dict[str, np.ndarray]) -> None:
    from safetensors.numpy import save_file

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(tmp), metadata=meta)
    os.replace(tmp, path)


def _fit_model(model: LensModel, training: TrainingSet, say: Callable[[str], None]) -> None:
    from tqdm import tqdm

    say(
        f"training the review model from {len(training.texts)} labelled texts "
        f"({len(training.units)} sentences); this happens once and takes a few minutes"
    )
    bar = tqdm(total=100, desc="curio: review model", unit="%", file=sys.stderr, leave=False)

    def progress(fraction: float) -> None:
        bar.n = int(100 * fraction)
        bar.refresh()

    stats = fit(model, training.units, training.targets, progress=progress)
    bar.close()
    say(
        f"review model trained in {stats['lower_seconds'] + stats['train_seconds']:.0f} s "
        f"(loss {stats['final_loss']})"
    )


def _with_doc_classifier(
    model: LensModel,
    training: TrainingSet | None,
    corpus: Sequence[str],
    train_features: tuple[np.ndarray, np.ndarray] | None = None,
) -> TrainedLensModel:
    if train_features is None:
        assert training is not None
        train_features = _training_features(model, training)
    xs, ys = train_features
    coef, intercept = _fit_doc_classifier(model, xs, ys, corpus)
    return TrainedLensModel(model, coef, intercept)


def _doc_vectors(model: LensModel, texts: Sequence[str]) -> list[np.ndarray]:
    """One feature vector per text: its sentences' pooled lower-layer vectors, averaged. One
    batched pass over every sentence (sorted by length inside), then split per text."""
    docs = [[s.text for s in split_sentences(t)] for t in texts]
    flat = [" ".join(s.split())[:600] for d in docs for s in d]
    pooled = model.pooled([Unit(s) for s in flat]) if flat else np.zeros((0, model.hidden))
    xs, at = [], 0
    for d in docs:
        xs.append(_doc_features(pooled[at : at + len(d)]) if d else None)
        at += len(d)
    return xs  # type: ignore[return-value]


def _training_features(model: LensModel, training: TrainingSet) -> tuple[np.ndarray, np.ndarray]:
    """The labelled texts' feature vectors and whether each is about a family: they depend on
    the training data and the frozen base layers only, so they are cached beside the model."""
    vecs = _doc_vectors(model, [lt.text for lt in training.texts])
    ys = [0 if lt.quality == "not-family" else 1 for lt in training.texts]
    keep = [i for i, v in enumerate(vecs) if v is not None]
    if not keep:
        return np.zeros((0, model.hidden), dtype=np.float32), np.zeros(0, dtype=np.int64)
    return (
        np.stack([vecs[i] for i in keep]).astype(np.float32),
        np.array([ys[i] for i in keep], dtype=np.int64),
    )


def _fit_doc_classifier(
    model: LensModel, train_x: np.ndarray, train_y: np.ndarray, corpus_texts: Sequence[str]
) -> tuple[np.ndarray, float]:
    """Logistic regression: does a text speak of one family (1) or of none (0)? The guidance
    corpus's sections are extra examples of none."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    corpus_x = [v for v in _doc_vectors(model, corpus_texts) if v is not None]
    xs = np.concatenate([train_x, np.stack(corpus_x)]) if corpus_x else train_x
    ys = np.concatenate([train_y, np.zeros(len(corpus_x), dtype=np.int64)])
    if len(set(ys.tolist())) < 2:  # no examples of one side: everything reads as case material
        return np.zeros(model.hidden, dtype=np.float32), 5.0
    with threadpool_limits(limits=1, user_api="blas"):
        clf = LogisticRegression(max_iter=2000, C=2.0, class_weight="balanced").fit(xs, ys)
    return clf.coef_[0].astype(np.float32), float(clf.intercept_[0])
