"""Issue 14, round twenty-seven: the status readers are boosted trees once the labelled texts
are many. A logistic regression adds up its features one by one, so it cannot learn that a
word means "checked" only beside another ("no trace" under a police heading, not under a
school's); trees can. Held out over the tuning files the trees read more fields right
(evals/casefile/README.md). Every feature here is invented for these tests."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.casefile import learn_status
from assistant.casefile.learn import fit_binary
from assistant.errors import CurioError


def _together(n: int) -> list[tuple[dict[str, float], bool]]:
    """Yes where both cues stand together or neither does: what "b" means turns on "a", so
    no weight for either cue alone tells (the common kinds three times the rarer)."""
    kinds = [
        ({}, True, 3),
        ({"a": 1.0}, False, 3),
        ({"b": 1.0}, False, 1),
        ({"a": 1.0, "b": 1.0}, True, 1),
    ]
    out = []
    for i in range(n):
        for f, y, times in kinds:
            for _ in range(times):
                # words that carry nothing, as most of a clause's words do
                out.append(({**f, "bias": 1.0, f"w{i % 7}": 1.0, f"v{i % 5}": 1.0}, y))
    return out


def test_trees_learn_what_two_cues_mean_together_where_a_linear_reader_cannot() -> None:
    examples = _together(150)
    assert len(examples) >= learn_status.TREES_FROM
    trees = learn_status.fit_reader(examples)
    assert isinstance(trees, learn_status.TreeReader)
    rows = [{"bias": 1.0}, {"bias": 1.0, "a": 1.0}, {"bias": 1.0, "b": 1.0}]
    rows.append({"bias": 1.0, "a": 1.0, "b": 1.0})
    wanted = [True, False, False, True]
    assert [p >= 0.5 for p in trees.yes(rows)] == wanted
    linear = fit_binary(examples)
    assert linear is not None
    assert [learn_status._yes(linear, f) >= 0.5 for f in rows] != wanted


def test_few_examples_give_a_logistic_regression() -> None:
    examples = _together(5)
    assert len(examples) < learn_status.TREES_FROM
    assert not isinstance(learn_status.fit_reader(examples), learn_status.TreeReader)
    assert learn_status.fit_reader([({"a": 1.0}, True)] * 2000) is None  # one label only


def test_trees_are_kept_as_their_own_text_and_read_back(tmp_path: Path) -> None:
    trees = learn_status.fit_reader(_together(150))
    assert isinstance(trees, learn_status.TreeReader)
    model = learn_status.StatusModel(trees, None, trees)
    path = tmp_path / f"{learn_status.CACHE_PREFIX}x.safetensors"
    learn_status._save(path, "k" * 64, model)
    again = learn_status._read_cached(path, "k" * 64)
    assert again is not None and isinstance(again.seen, learn_status.TreeReader)
    assert again.alone is None
    rows = [{"bias": 1.0}, {"bias": 1.0, "a": 1.0}, {"bias": 1.0, "a": 1.0, "b": 1.0}]
    assert np.allclose(again.seen.yes(rows), trees.yes(rows))
    assert learn_status._read_cached(path, "j" * 64) is None  # made for other data
    raw = path.read_bytes()
    assert b"num_leaves=" in raw
    path.write_bytes(raw.replace(b"num_leaves=", b"num_leavez="))  # damaged trees: train again
    assert learn_status._read_cached(path, "k" * 64) is None


def test_trees_keep_only_the_features_they_split_on_and_read_the_same(tmp_path: Path) -> None:
    # most features of a clause are words no tree splits on; keeping their names made the
    # cache tens of megabytes and slow to load, and they cannot change a reading
    trees = learn_status.fit_reader(_together(150))
    assert isinstance(trees, learn_status.TreeReader)
    assert {"a", "b"} <= set(trees.vocab)
    assert len(trees.vocab) < trees.width == 2 + 1 + 7 + 5  # a, b, bias, w0-w6, v0-v4
    full = {k: j for k, j in trees.vocab.items()}
    unused = sorted(set(range(trees.width)) - set(full.values()))
    for n, j in enumerate(unused):
        full[f"unused{n}"] = j
    whole = learn_status.TreeReader(full, trees.width, trees.booster)
    rows = [{"bias": 1.0, "a": 1.0, "w3": 1.0, "v2": 1.0}, {"b": 1.0, "w1": 1.0, "unused0": 1.0}]
    assert np.array_equal(trees.yes(rows), whole.yes(rows))
    path = tmp_path / f"{learn_status.CACHE_PREFIX}x.safetensors"
    learn_status._save(path, "k" * 64, learn_status.StatusModel(trees, None, None))
    again = learn_status._read_cached(path, "k" * 64)
    assert again is not None and isinstance(again.seen, learn_status.TreeReader)
    assert again.seen.vocab == trees.vocab and again.seen.width == trees.width
    assert np.array_equal(again.seen.yes(rows), trees.yes(rows))


def test_a_missing_lightgbm_is_one_line_saying_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "lightgbm", None)  # import lightgbm raises ImportError
    with pytest.raises(CurioError, match=r"lightgbm.*make install") as err:
        learn_status.fit_reader(_together(150))
    assert "\n" not in str(err.value)
