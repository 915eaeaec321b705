"""The curiosity review, second generation: a trained lens model reads each sentence in its
context; the whole text is then read lens by lens. See ``engine.py`` for the method.

Public surface: :class:`Reviewer`, :func:`get_reviewer`, :func:`build_reviewer`,
:func:`render_review`, and the text helpers other parts use (sentences and names).
"""

from __future__ import annotations

import threading
from pathlib import Path

from assistant.review.build import Sources, TrainedLensModel, load_or_train
from assistant.review.decide import DecisionParams, load_params
from assistant.review.engine import NO_FLAGS, Reviewer, SupportsRead, SupportsSearch
from assistant.review.judge import Judge, JudgeRow, judge_key, load_or_fit_judge
from assistant.review.model import TrainingConfig
from assistant.review.render import render_review
from assistant.review.text import (
    EMPTY_TEXT,
    NO_FAMILY_NAMED,
    NOT_CASE_MATERIAL,
    NOT_ENGLISH,
    NOT_TEXT,
    Sentence,
    child_names,
    fill_question,
    find_names,
    split_sentences,
)

__all__ = [
    "EMPTY_TEXT",
    "NOT_CASE_MATERIAL",
    "NO_FAMILY_NAMED",
    "NOT_ENGLISH",
    "NOT_TEXT",
    "NO_FLAGS",
    "DecisionParams",
    "Judge",
    "Reviewer",
    "Sentence",
    "Sources",
    "SupportsRead",
    "SupportsSearch",
    "TrainedLensModel",
    "TrainingConfig",
    "build_reviewer",
    "child_names",
    "fill_question",
    "find_names",
    "get_reviewer",
    "load_judge_for",
    "load_lens_model",
    "render_review",
    "split_sentences",
]


#: The labelled whole texts the judge learns from (their ``tune`` split only).
JUDGE_TEXTS = Path(__file__).resolve().parents[2] / "evals" / "scenarios"


def sources_for(prompts_dir: Path, corpus_dir: Path | None) -> Sources:
    """The repository's training data and the bundled base model."""
    from assistant.embed import BUNDLED_SHA256, bundled_model_path

    return Sources(
        base_path=bundled_model_path(),
        base_sha256=BUNDLED_SHA256,
        training_dir=prompts_dir / "training",
        sentence_files=(prompts_dir / "labelled_sentences.jsonl",),
        corpus_dir=corpus_dir,
    )


def load_lens_model(settings=None) -> TrainedLensModel:  # type: ignore[no-untyped-def]
    """The trained lens model for these settings (from the cache, or trained now)."""
    from assistant.lenses import load_catalogue
    from assistant.settings import REPO_ROOT, get_settings

    settings = settings or get_settings()
    catalogue = load_catalogue(Path(settings.prompts_dir) / "lenses.yaml")
    rows = [(t, f"present:{lens.id}") for lens in catalogue for t in lens.present_examples]
    rows += [(t, f"covered:{lens.id}") for lens in catalogue for t in lens.covered_examples]
    corpus = REPO_ROOT / "corpus"
    trained = load_or_train(
        sources_for(Path(settings.prompts_dir), corpus),
        [lens.id for lens in catalogue],
        settings.cache_dir,
        extra_rows=rows,
    )
    trained.model.use_precision(settings.review_precision)
    return trained


def build_reviewer(settings=None, retriever: SupportsSearch | None = None) -> Reviewer:  # type: ignore[no-untyped-def]
    """A reviewer with the trained model, the learned judge, the catalogue and the thresholds
    in ``prompts/``."""
    from assistant.lenses import load_catalogue
    from assistant.settings import get_settings

    settings = settings or get_settings()
    prompts = Path(settings.prompts_dir)
    reviewer = Reviewer(
        load_lens_model(settings),
        load_catalogue(prompts / "lenses.yaml"),
        retriever,
        params=load_params(prompts / "review.yaml"),
        max_chars=settings.max_text_chars,
    )
    # the repository's own labelled texts, not CURIO_EVALS_DIR (a trainer's folder to score)
    reviewer.judge = load_judge_for(reviewer, JUDGE_TEXTS, settings)
    return reviewer


def load_judge_for(reviewer: Reviewer, scenarios_dir: Path, settings=None) -> Judge:  # type: ignore[no-untyped-def]
    """The whole-text judge for this reviewer's lens model, fitted on the ``tune`` scenarios
    (never ``dev`` or ``test``), from the cache when it is there and sound. Texts not about a
    family are among them: one that the "about a family" reading lets through still reaches
    the judge in a review, so the judge learns from their labels (nothing required) too."""
    import numpy as np

    from assistant.errors import CurioError
    from assistant.evaluation import load_scenarios
    from assistant.review.build import _keep, _lock, _stderr
    from assistant.review.engine import exact_gates
    from assistant.settings import get_settings

    settings = settings or get_settings()
    lenses = [lens.id for lens in reviewer.catalogue]
    try:
        tune = [s for s in load_scenarios(scenarios_dir) if s.split == "tune"]
    except CurioError as exc:
        raise CurioError(f"The review judge cannot learn: {exc}") from exc
    if not tune:
        raise CurioError(f"The review judge cannot learn: no tune scenarios in {scenarios_dir}.")

    def rows() -> list[JudgeRow]:
        out = []
        for s in tune:
            _sentences, probs, family = reviewer.read(s.text)
            gates = exact_gates(s.text)
            out.append(
                JudgeRow(
                    probs=probs,
                    about_family=family,
                    gates=np.array([gates.get(lens, True) for lens in lenses]),
                    required=np.array([lens in s.required for lens in lenses]),
                    forbidden=np.array([lens in s.forbidden for lens in lenses]),
                )
            )
        return out

    model_key = getattr(reviewer.model, "key", "")
    key = judge_key(
        model_key,
        [f"{s.id}\x1f{s.text}\x1f{sorted(s.required)}\x1f{sorted(s.forbidden)}" for s in tune],
        lenses,
        reviewer.params.judge_weight,
    )
    cache = settings.cache_dir if model_key else None
    weight = reviewer.params.judge_weight
    try:
        if cache is None:
            return load_or_fit_judge(None, key, rows, lenses, weight, _stderr)
        path = cache / f"lens-judge-{key[:24]}.pkl"
        with _lock(cache / "lens-model.lock"):
            fresh = not path.exists()
            judge = load_or_fit_judge(path, key, rows, lenses, weight, _stderr)
            if fresh and path.exists():
                _keep(cache, path, "lens-judge-", _stderr, lambda _p: None)
        return judge
    except ValueError as exc:  # labels that cannot be learned from: the repository's data
        raise CurioError(f"The review judge cannot learn from {scenarios_dir}: {exc}.") from exc


_default: Reviewer | None = None
_default_lock = threading.Lock()


def get_reviewer(retriever: SupportsSearch | None = None) -> Reviewer:
    """The process-wide reviewer (built on first use; the model is trained once and cached)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = build_reviewer(retriever=retriever)
        elif retriever is not None and _default.retriever is not retriever:
            _default.retriever = retriever
            _default._citation_cache.clear()
        return _default
