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
from assistant.review.model import TrainingConfig
from assistant.review.render import render_review
from assistant.review.text import (
    EMPTY_TEXT,
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
    "NOT_ENGLISH",
    "NOT_TEXT",
    "NO_FLAGS",
    "DecisionParams",
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
    "load_lens_model",
    "render_review",
    "split_sentences",
]


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
    """A reviewer with the trained model, the catalogue and the thresholds in ``prompts/``."""
    from assistant.lenses import load_catalogue
    from assistant.settings import get_settings

    settings = settings or get_settings()
    prompts = Path(settings.prompts_dir)
    return Reviewer(
        load_lens_model(settings),
        load_catalogue(prompts / "lenses.yaml"),
        retriever,
        params=load_params(prompts / "review.yaml"),
        max_chars=settings.max_text_chars,
    )


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
