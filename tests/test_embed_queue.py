"""The encoder queue: requests that arrive together share one model call, and nobody can tell.

A merged call must give every caller exactly the rows a call of its own would have given
(bit for bit), in its own array, and one caller's bad input must fail only that caller. The
unit tests use a small batch-exact fake; the integration tests use the real model, whose
``encode_exact`` must not depend on what else is in the batch when the model runs on one
thread, as `curio serve` runs it. (With two threads, torch splits a matrix product's sums
differently for different batch sizes, and rows can move in the last bit.)
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.embed import BatchingEncoder, Embedder
from assistant.index import Index
from assistant.settings import Settings


def fake_vectors(texts: list[str]) -> np.ndarray:
    """A batch-exact stand-in: each row is a function of its own text only."""
    rows = []
    for t in texts:
        digest = hashlib.sha256(t.encode()).digest()
        rows.append(np.frombuffer(digest, dtype=np.uint8)[:8].astype(np.float32))
    return np.stack(rows) if rows else np.zeros((0, 8), dtype=np.float32)


class SlowFake:
    """Counts calls and takes a little time, so that requests pile up behind a call."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        with self.lock:
            self.calls.append(list(texts))
        if self.fail_on is not None and self.fail_on in texts:
            raise ValueError(f"cannot encode {self.fail_on!r}")
        time.sleep(0.05)
        return fake_vectors(texts)


def run_together(encode: Callable[[list[str]], np.ndarray], requests: list[list[str]]) -> list:
    """Call ``encode`` once per request, all threads released at the same moment."""
    results: list = [None] * len(requests)
    start = threading.Barrier(len(requests))

    def one(i: int) -> None:
        start.wait()
        try:
            results[i] = encode(requests[i])
        except Exception as exc:  # kept, so the test can check who failed
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


REQUESTS = [[f"session {n} sentence {k}" for k in range(n % 5 + 1)] for n in range(24)]
REQUESTS[3] = REQUESTS[3] + ["shared guidance sentence"]
REQUESTS[7] = REQUESTS[7] + ["shared guidance sentence"]


def test_requests_that_arrive_together_share_calls_and_get_exact_rows() -> None:
    fake = SlowFake()
    queue = BatchingEncoder(fake)
    try:
        results = run_together(queue.encode, REQUESTS)
    finally:
        queue.close()
    for request, got in zip(REQUESTS, results, strict=True):
        assert isinstance(got, np.ndarray)
        assert np.array_equal(got, fake_vectors(request))  # bit for bit, in the caller's order
    assert len(fake.calls) < len(REQUESTS) / 2, f"{len(fake.calls)} calls for 24 requests"
    encoded = [t for call in fake.calls for t in call]
    assert encoded.count("shared guidance sentence") <= 2  # a text is encoded once per call
    assert queue.stats["requests"] == len(REQUESTS)


def test_each_caller_gets_its_own_array() -> None:
    queue = BatchingEncoder(SlowFake())
    try:
        a, b = run_together(queue.encode, [["same text"], ["same text"]])
    finally:
        queue.close()
    a[0, 0] = -1.0
    assert b[0, 0] != -1.0, "two sessions shared one array"


def test_one_bad_request_fails_only_itself() -> None:
    fake = SlowFake(fail_on="BAD")
    queue = BatchingEncoder(fake)
    requests = [["fine one"], ["BAD"], ["fine two", "fine three"], ["fine four"]]
    try:
        results = run_together(queue.encode, requests)
    finally:
        queue.close()
    assert isinstance(results[1], ValueError)
    for i in (0, 2, 3):
        assert np.array_equal(results[i], fake_vectors(requests[i])), i


def test_a_lone_request_is_not_held_back() -> None:
    fake = SlowFake()
    queue = BatchingEncoder(fake, window_s=1.0)
    try:
        began = time.monotonic()
        queue.encode(["alone"])
        took = time.monotonic() - began
    finally:
        queue.close()
    assert took < 0.5, f"a lone request waited {took:.2f}s for company"
    assert queue.encode([]).shape == (0, 8)


# --------------------------------------------------------------------------- the real model


SENTENCES = [
    "Police attended.",
    "Mr Birch has moved out, so the risk to Ellie is now reduced.",
    "Ms Ash has engaged well with the service and has shown good insight into the impact of "
    "domestic abuse on the children, and she has agreed she will call the police if he returns.",
    "Ellie was quiet during the visit.",
    "The plan is to close the case with a referral to a parenting course.",
    "Nobody asked the school whether Ellie had said anything about home.",
]


@pytest.fixture
def serving_threads() -> Iterator[None]:
    """The model on one thread, as `curio serve` runs it (use_serving_threads)."""
    import torch

    from assistant.embed import SERVING_THREADS, use_serving_threads

    before = torch.get_num_threads()
    use_serving_threads()
    assert torch.get_num_threads() == SERVING_THREADS
    yield
    use_serving_threads(before)


@pytest.mark.integration
def test_the_model_gives_a_text_the_same_vector_whatever_it_is_batched_with(
    embedder: Embedder, serving_threads: None
) -> None:
    alone = np.stack([embedder.encode_exact([s])[0] for s in SENTENCES])
    together = embedder.encode_exact(SENTENCES)
    reordered = embedder.encode_exact(list(reversed(SENTENCES)) + ["an extra, much longer " * 9])
    assert np.array_equal(alone, together)
    assert np.array_equal(alone, reordered[: len(SENTENCES)][::-1])
    library = embedder._model.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
    assert np.abs(library - together).max() < 1e-5  # the same model: only the padding differs


@pytest.mark.integration
def test_concurrent_sessions_through_the_real_queue_get_their_exact_vectors(
    embedder: Embedder, serving_threads: None
) -> None:
    requests = [SENTENCES[i % 6 :] + [f"Session {i} has its own sentence."] for i in range(12)]
    embedder.encode(["the queue's thread has run the model before"])  # as in a long run
    expected = [embedder.encode_exact(r) for r in requests]
    before = dict(embedder.batcher.stats)
    results = run_together(embedder.encode, requests)
    for got, want in zip(results, expected, strict=True):
        assert np.array_equal(got, want)
    served = embedder.batcher.stats["requests"] - before["requests"]
    calls = embedder.batcher.stats["calls"] - before["calls"]
    assert served == 12 and calls < 12, f"{calls} model calls for 12 requests"


@pytest.mark.integration
def test_guidance_cache_gives_the_same_rows_and_never_holds_case_text(
    embedder: Embedder, serving_threads: None
) -> None:
    guidance = ["Separation is not the same as safety.", "Ask what the child has said."]
    first = embedder.encode_guidance(guidance)
    again = embedder.encode_guidance(list(reversed(guidance)))
    assert np.array_equal(first, embedder.encode_exact(guidance))
    assert np.array_equal(first[::-1], again)
    embedder.encode(["Ms Zephyrine Ashdown-77q lives at 9 Marrowby77q Lane."])
    assert not any("Marrowby77q" in key for key in embedder._guidance_cache)


@pytest.mark.integration
def test_after_warming_a_review_encodes_only_its_own_sentences(
    corpus_settings: Settings, corpus_index: Index, tmp_path: Path
) -> None:
    """`curio serve` warms the guidance walkthroughs quote; then a review costs its own text."""
    from assistant.chat import build_curio
    from assistant.review import split_sentences

    curio = build_curio(corpus_settings.model_copy(update={"audit_log": tmp_path / "a.jsonl"}))
    assert curio.warm() > 50
    stats = curio.embedder.batcher.stats
    before = dict(stats)
    draft = (
        "Invented draft. Ms Tamsin Orrell-93k says Mr Quentin Vale-93k has moved out, so the "
        "risk to Fen (3) is now low. She has engaged well and will call the police if he comes "
        "back. The plan is to close the case."
    )
    final = list(curio.respond(curio.new_session(), "review", "Review this.", draft=draft))[-1]
    assert final.flags and final.citations, "the walkthrough quotes guidance"
    own = {" ".join(s.text.split()) for s in split_sentences(draft)}
    encoded = stats["encoded"] - before["encoded"]
    assert encoded <= len(own), f"{encoded} texts encoded for a draft of {len(own)} sentences"


@pytest.mark.integration
def test_the_bundled_model_is_read_without_the_library_and_gives_its_exact_vectors(
    embedder: Embedder,
) -> None:
    """The bundled model is read with transformers alone (importing sentence-transformers
    costs seconds of every start); its vectors must be the library's, bit for bit, or an index
    built before would no longer match the questions asked of it."""
    import subprocess
    import sys

    from assistant.embed import plain_layout

    assert embedder._plain is not None
    assert plain_layout(embedder.model_path) == (256, 384)
    texts = SENTENCES + ["", "word " * 300]  # empty, and longer than the model reads
    plain = embedder.encode_exact(texts)
    library_path = embedder._plain
    embedder._plain = None  # the same rows through the library's modules
    try:
        library = embedder.encode_exact(texts)
    finally:
        embedder._plain = library_path
    assert np.array_equal(plain, library)
    code = (
        "import sys; from assistant.embed import get_embedder; from assistant.settings import "
        "Settings; e = get_embedder(Settings(embed_model=None)); e.encode(['one sentence']); "
        "print('sentence_transformers' in sys.modules, 'sklearn' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert out.stdout.split() == ["False", "False"]


def test_a_model_folder_of_another_shape_goes_through_the_library(tmp_path: Path) -> None:
    from assistant.embed import bundled_model_path, plain_layout

    bundled = bundled_model_path()
    for name in ("modules.json", "sentence_bert_config.json"):
        (tmp_path / name).write_text((bundled / name).read_text())
    (tmp_path / "1_Pooling").mkdir()
    pooling = (bundled / "1_Pooling" / "config.json").read_text()
    (tmp_path / "1_Pooling" / "config.json").write_text(pooling)
    assert plain_layout(tmp_path) == (256, 384)
    (tmp_path / "1_Pooling" / "config.json").write_text(
        pooling.replace('"pooling_mode_cls_token": false', '"pooling_mode_cls_token": true')
    )
    assert plain_layout(tmp_path) is None  # CLS pooling: the library's own code
    (tmp_path / "1_Pooling" / "config.json").write_text(pooling)
    (tmp_path / "modules.json").write_text('[{"idx": 0, "path": "", "type": "x.Transformer"}]')
    assert plain_layout(tmp_path) is None  # no pooling or normalising step
    (tmp_path / "modules.json").unlink()
    assert plain_layout(tmp_path) is None
