"""Issue 14, round twenty-eight: one place builds the sparse matrix every learned case-file
reader learns from and reads (the role classifier, the person reader, the status readers).
Before, three near-copies did it; they gave the same matrices, and the shared builder must too.
Every feature here is invented for these tests."""

from __future__ import annotations

import numpy as np

from assistant.casefile import learn_status
from assistant.casefile.learn import feature_matrix, fit_binary


def test_learning_grows_the_vocabulary_in_first_seen_order_and_reading_drops_new_names() -> None:
    vocab: dict[str, int] = {}
    rows = [{"b": 2.0, "a": 1.0}, {}, {"c": 0.5, "a": 3.0}]
    m = feature_matrix(rows, vocab, grow=True, dtype=np.float32)
    assert vocab == {"b": 0, "a": 1, "c": 2}
    assert m.dtype == np.float32 and m.shape == (3, 3)
    assert m.has_sorted_indices
    assert m.toarray().tolist() == [[2.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 3.0, 0.5]]
    # reading: a name never learned is dropped and the vocabulary is left as it was
    r = feature_matrix([{"a": 1.0, "new": 9.0}], vocab, width=5)
    assert vocab == {"b": 0, "a": 1, "c": 2}
    assert r.dtype == np.float64 and r.shape == (1, 5)
    assert r.toarray().tolist() == [[0.0, 1.0, 0.0, 0.0, 0.0]]


def test_a_readers_answer_does_not_turn_on_the_order_of_a_rows_features() -> None:
    examples = [({"a": 1.0, "bias": 1.0}, True), ({"b": 1.0, "bias": 1.0}, False)] * 40
    linear = fit_binary(examples)
    assert linear is not None
    kinds = [({"a": 1.0, "b": 1.0, "bias": 1.0}, True), ({"bias": 1.0}, False)]
    trees = learn_status.fit_trees([({**f, "bias": 1.0}, y) for f, y in examples] + kinds * 600)
    assert trees is not None
    one = {"bias": 1.0, "a": 1.0, "b": 1.0}
    other = {"b": 1.0, "a": 1.0, "bias": 1.0}
    assert learn_status._yes(linear, one) == learn_status._yes(linear, other)
    assert np.array_equal(trees.yes([one]), trees.yes([other]))
