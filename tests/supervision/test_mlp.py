"""The MLP strong model of the tabular WRENCH runs, on generated features
(docs/methods.md#weak-supervision)."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.supervision.mlp import MLPStudent


@pytest.fixture
def blobs() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 600)
    x = rng.normal(size=(600, 5)) * [1, 1, 50, 1, 1] + np.outer(2 * y - 1, [1.5, -1, 0, 0, 0])
    return x, y


def test_mlp_learns_from_hard_labels(blobs):
    x, y = blobs
    probs = MLPStudent(epochs=30).fit(x[:400], y[:400]).predict(x[400:])
    assert ((probs > 0.5) == y[400:]).mean() > 0.85


def test_soft_labels_of_one_half_teach_nothing(blobs):
    x, _ = blobs
    probs = MLPStudent(epochs=30).fit(x, np.full(len(x), 0.5)).predict(x)
    assert np.abs(probs - 0.5).max() < 0.1


def test_soft_labels_weight_the_loss_like_duplicated_rows(blobs):
    x, y = blobs
    soft = np.where(y == 1, 0.9, 0.1)
    a = MLPStudent(epochs=15, seed=3).fit(x, soft).predict(x)
    b = MLPStudent(epochs=15, seed=3).fit(x, soft).predict(x)
    np.testing.assert_array_equal(a, b)
    assert ((a > 0.5) == y).mean() > 0.85 and a.max() < 0.99


def test_mlp_checks_its_input(blobs):
    x, y = blobs
    with pytest.raises(W2SGError, match="targets must lie in"):
        MLPStudent().fit(x, y * 2.0)
    with pytest.raises(W2SGError, match="call fit"):
        MLPStudent().predict(x)
