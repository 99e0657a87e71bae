"""Weak-strong similarity (docs/methods.md#similarity): error agreement, kappa of the errors,
and CAPA as arXiv 2502.04313 defines it."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

import w2sg
from w2sg.errors import W2SGError
from w2sg.stats.similarity import capa, similarity


def test_capa_by_hand() -> None:
    """Two points: cp_obs = (0.9*0.8 + 0.1*0.2 + 0.2*0.4 + 0.8*0.6) / 2 = 0.65; the mean
    probability on the right label is 0.85 and 0.7, so cp_exp = 0.85*0.7 + 0.15*0.3 = 0.64 and
    CAPA = 0.01 / 0.36."""
    assert capa([1, 0], [0.9, 0.2], [0.8, 0.4]) == pytest.approx(0.01 / 0.36)


def _definition(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    observed = np.mean(a * b + (1 - a) * (1 - b))
    qa, qb = np.mean(np.where(y == 1, a, 1 - a)), np.mean(np.where(y == 1, b, 1 - b))
    expected = qa * qb + (1 - qa) * (1 - qb)
    return float((observed - expected) / (1 - expected))


@pytest.mark.parametrize("seed", range(5))
def test_against_the_definitions(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 300)
    a = np.clip(0.5 + (2 * y - 1) * rng.uniform(-0.3, 0.5, 300), 0, 1)
    b = np.clip(a + rng.normal(0, 0.2, 300), 0, 1)
    sim = similarity(y, a, b)
    right_a, right_b = (a > 0.5) == (y == 1), (b > 0.5) == (y == 1)
    assert sim.error_agreement == pytest.approx(np.mean(right_a == right_b))
    assert sim.error_kappa == pytest.approx(cohen_kappa_score(right_a, right_b))
    assert sim.capa == pytest.approx(_definition(y, a, b))
    assert sim.accuracy_a == pytest.approx(right_a.mean())
    assert sim.shared_errors == pytest.approx(np.mean(~right_b[~right_a]))


def test_identical_models_agree_fully_and_independent_ones_not() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    a = np.clip(0.5 + (2 * y - 1) * 0.3 + rng.normal(0, 0.3, 2000), 0, 1)
    same = similarity(y, a, a)
    assert same.error_agreement == 1 and same.error_kappa == pytest.approx(1)
    b = np.clip(0.5 + (2 * y - 1) * 0.3 + rng.normal(0, 0.3, 2000), 0, 1)
    other = similarity(y, a, b)
    assert abs(other.error_kappa or 1) < 0.1 and abs(other.capa or 1) < 0.1


def test_undefined_kappa_when_both_are_always_right() -> None:
    sim = similarity([0, 1, 1], [0.1, 0.9, 0.8], [0.2, 0.7, 0.6])
    assert sim.error_agreement == 1 and sim.error_kappa is None and sim.shared_errors is None
    assert sim.to_json()["n"] == 3


def test_bad_inputs_say_so() -> None:
    with pytest.raises(W2SGError, match="align"):
        similarity([0, 1], [0.2, 0.8], [0.1])
    with pytest.raises(W2SGError, match="probabilities"):
        similarity([0, 1], [0.2, 1.8], [0.1, 0.9])
    with pytest.raises(W2SGError, match="0 or 1"):
        similarity([0, 2], [0.2, 0.8], [0.1, 0.9])


def test_public_api() -> None:
    assert w2sg.similarity is similarity
    assert "Example" in (w2sg.similarity.__doc__ or "")
