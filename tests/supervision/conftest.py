"""Generated label matrices with known function accuracies (docs/methods.md#weak-supervision)."""

from __future__ import annotations

import numpy as np
import pytest


def generate_label_matrix(
    seed: int, n: int, accuracies: tuple[float, ...], coverages: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Balanced labels y and conditionally independent functions of the given accuracy."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    matrix = np.full((n, len(accuracies)), -1, dtype=np.int8)
    for j, (acc, cov) in enumerate(zip(accuracies, coverages, strict=True)):
        votes = rng.random(n) < cov
        right = rng.random(n) < acc
        matrix[votes, j] = np.where(right[votes], y[votes], 1 - y[votes])
    return matrix, y


@pytest.fixture
def make_label_matrix():
    """The generator above, as a fixture."""
    return generate_label_matrix
