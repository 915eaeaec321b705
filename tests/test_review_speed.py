"""The review's speed work must not change what it reads.

The trained lens model reads each string on its own (grouped by length, never padded), so a
sentence gets the same probabilities whether it is read alone, with the rest of its draft, or
merged with other sessions' drafts through the model's queue. A start with the model cached
works out the cache key from the raw bytes of the training files, and must still notice when
the data changes. Uses the real base model and the trained review model.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.embed import BUNDLED_SHA256, bundled_model_path
from assistant.lenses import LENS_IDS
from assistant.review import load_lens_model
from assistant.review.build import KEYS_FILE, Sources, TrainedLensModel, load_or_train
from assistant.review.data import units_for
from assistant.review.model import TrainingConfig

pytestmark = pytest.mark.integration

DRAFTS = [
    "Assessment summary (invented). Ellie (6) lives with her mother, Ms Ash. Police attended "
    "in March after Mr Birch pushed Ms Ash against a wall while she held Ellie. Mr Birch has "
    "moved out, so the risk to Ellie is now reduced. The case will close.",
    "SAFETY PLAN\n- Mum to call 999 if F returns.\n- School to monitor.\nF has a history of "
    "violence towards two previous partners; no police checks were made on him. Nobody has "
    "spoken to Ellie alone about what happens at home.",
    "Team meeting agenda. Item 1: apologies. Item 2: the new referral form. Item 3: any other "
    "business.",
    "Visit note. Ms Ash said he has changed and that he has done a course. We cannot take his "
    "word that he has changed: the course provider has not been contacted. Mr Birch was not "
    "seen. Ellie said she hides in her room when they shout.",
]


@pytest.fixture(scope="module")
def model() -> TrainedLensModel:
    return load_lens_model()


@pytest.fixture
def one_thread() -> Iterator[None]:
    """The model on one thread, as `curio serve` runs it (use_serving_threads)."""
    import torch

    from assistant.embed import use_serving_threads

    before = torch.get_num_threads()
    use_serving_threads(1)
    yield
    use_serving_threads(before)


def test_a_sentence_reads_the_same_alone_with_its_draft_and_with_other_drafts(
    model: TrainedLensModel, one_thread: None
) -> None:
    units = [u for d in DRAFTS for u in units_for(d)]
    alone = np.stack([model.model.predict([u])[0] for u in units])
    together, pooled = model.model.predict(units, with_pooled=True)
    np.testing.assert_allclose(together, alone, rtol=0, atol=1e-5)
    shuffled = list(reversed(units))
    np.testing.assert_allclose(model.model.predict(shuffled)[::-1], alone, rtol=0, atol=1e-5)
    alone_pooled = np.concatenate([model.model.pooled([u]) for u in units])
    np.testing.assert_allclose(pooled, alone_pooled, rtol=0, atol=1e-5)
    assert alone.shape == (len(units), len(model.lenses), 4)
    np.testing.assert_allclose(alone.sum(axis=-1), 1.0, atol=1e-5)


def test_concurrent_reviews_share_model_passes_and_each_gets_its_own_reading(
    model: TrainedLensModel, one_thread: None
) -> None:
    requests = [units_for(DRAFTS[i % len(DRAFTS)] + f" Session {i} note.") for i in range(12)]
    expected = [model.model.predict(r, with_pooled=True) for r in requests]
    model.read(units_for("The queue's thread has run the model before."))
    before = dict(model.queue.stats)
    results: list = [None] * len(requests)
    start = threading.Barrier(len(requests))

    def one(i: int) -> None:
        start.wait()
        results[i] = model.read(requests[i])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for got, (probs, pooled) in zip(results, expected, strict=True):
        np.testing.assert_allclose(got.probs, probs, rtol=0, atol=1e-5)
        assert got.about_family == pytest.approx(model.family_probability(pooled), abs=1e-5)
    results[0].probs[0, 0, 0] = -1.0
    assert results[1].probs[0, 0, 0] != -1.0, "two sessions shared one array"
    calls = model.queue.stats["calls"] - before["calls"]
    assert model.queue.stats["requests"] - before["requests"] == 12
    assert calls < 12, f"{calls} model passes for 12 reviews that arrived together"


TINY = """
- id: T-1
  register: duty-note
  quality: flawed
  text: |
    DUTY NOTE
    F moved out last week. Case to close as F no longer in household.
  labels:
    - quote: "Case to close as F no longer in household."
      shortfall: [perpetrator-absence-plan]
- id: T-2
  register: not-family
  quality: not-family
  text: |
    Team meeting agenda. Item 1: apologies. Item 2: the new MARAC referral form.
  labels: []
"""
SMALL = TrainingConfig(trained_layers=1, epochs=1, batch_size=4)


def test_a_cached_start_skips_the_training_texts_but_still_sees_a_data_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.review.build as build

    folder = tmp_path / "training"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(TINY, encoding="utf-8")
    sources = Sources(bundled_model_path(), BUNDLED_SHA256, folder, ())
    cache = tmp_path / "cache"
    said: list[str] = []
    load_or_train(sources, LENS_IDS, cache, config=SMALL, say=said.append)
    assert (cache / KEYS_FILE).is_file()
    model_files = sorted(cache.glob("lens-model-*.safetensors"))

    def no_reading(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the training texts were parsed on a cached start")

    build._loaded.clear()
    with monkeypatch.context() as patch:
        patch.setattr(build, "build_training_set", no_reading)
        again = load_or_train(sources, LENS_IDS, cache, config=SMALL, say=said.append)
    assert again.read(units_for("F moved out. Case to close.")).probs.shape[0] == 2

    # The data changes: the start reads the texts again, finds a new key and trains anew.
    (folder / "tiny.yaml").write_text(TINY.replace("last week", "last month"), encoding="utf-8")
    build._loaded.clear()
    said.clear()
    load_or_train(sources, LENS_IDS, cache, config=SMALL, say=said.append)
    assert any("training the review model" in s for s in said)
    assert sorted(cache.glob("lens-model-*.safetensors")) != model_files

    # A damaged key file only costs a full reading, never a wrong model.
    (cache / KEYS_FILE).write_text("{not json", encoding="utf-8")
    build._loaded.clear()
    said.clear()
    load_or_train(sources, LENS_IDS, cache, config=SMALL, say=said.append)
    assert not any("training the review model" in s for s in said)


def test_reading_in_bfloat16_moves_probabilities_by_about_a_hundredth_and_blocks_training(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``use_precision`` halves a read's cost where the processor has bfloat16; the same
    weights must give nearly the same probabilities, and training must refuse afterwards
    (the weights were rounded in place)."""
    import torch

    from assistant.review import model as model_module
    from assistant.review.model import LensModel, bfloat16_native
    from assistant.review.training import fit

    full = LensModel(bundled_model_path(), LENS_IDS, TrainingConfig())
    half = LensModel(bundled_model_path(), LENS_IDS, TrainingConfig())  # seeded: the same weights
    units = [u for text in DRAFTS for u in units_for(text)]
    if not bfloat16_native(torch):
        monkeypatch.setattr(model_module, "bfloat16_native", lambda _torch: False)
        assert half.use_precision("auto") == "float32"
        pytest.skip("this processor has no native bfloat16")
    assert half.use_precision("auto") == "bfloat16"
    a, b = full.predict(units), half.predict(units)
    assert a.shape == b.shape
    assert 0.0 < float(np.abs(a - b).max()) < 0.03  # really read in bfloat16, and close
    assert float(np.abs(a - b).mean()) < 0.002
    assert full.use_precision("float32") == "float32"  # a no-op when already there
    with pytest.raises(RuntimeError, match="reduced precision"):
        fit(half, units, np.zeros((len(units), len(LENS_IDS)), dtype=np.int64))
