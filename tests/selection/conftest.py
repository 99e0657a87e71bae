"""Synthetic pools with known overlap (docs/methods.md#synthetic-data style) for the selection
tests."""

from __future__ import annotations

import numpy as np
import pytest


def synthetic_pool(
    n_per_type: int, seed: int = 0, d_easy: int = 6, d_hard: int = 6
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(weak_probs, strong_acts, types, labels) with easy / hard / overlap points.

    The weak model is confident exactly where the easy block carries the label; the strong
    activations carry the easy and the hard block, so overlap points resemble hard-only ones.
    """
    rng = np.random.default_rng(seed)
    types = np.repeat(np.array(["overlap", "easy_only", "hard_only"]), n_per_type)
    n = len(types)
    labels = rng.integers(0, 2, n)
    sign = 2 * labels - 1
    easy = rng.normal(0, 0.5, (n, d_easy))
    hard = rng.normal(0, 0.5, (n, d_hard))
    has_easy, has_hard = types != "hard_only", types != "easy_only"
    easy[has_easy] += sign[has_easy, None]
    hard[has_hard] += sign[has_hard, None]
    logits = np.where(has_easy, 3.0 * sign + rng.normal(0, 0.5, n), rng.normal(0, 0.3, n))
    probs = 1.0 / (1.0 + np.exp(-logits))
    return probs, np.hstack([easy, hard]).astype(np.float32), types, labels


@pytest.fixture(scope="session")
def pool() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return synthetic_pool(200, seed=0)


@pytest.fixture(scope="session")
def test_set() -> tuple[np.ndarray, np.ndarray]:
    _, acts, _, labels = synthetic_pool(60, seed=99)
    return acts, labels
