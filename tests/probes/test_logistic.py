"""The logistic probe of docs/methods.md#probes: mean BCE on soft targets + l2 ||w||^2, L-BFGS, zero
init."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.probes import LogisticProbe


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 5)).astype(np.float32)
    w_true = np.array([1.5, -2.0, 0.5, 0.0, 1.0])
    p = 1 / (1 + np.exp(-(x @ w_true + 0.3)))
    y = (rng.uniform(size=400) < p).astype(np.float64)
    return x, y, w_true


def test_matches_sklearn_with_matching_regularisation(data) -> None:
    sklearn = pytest.importorskip("sklearn.linear_model")
    x, y, _ = data
    l2 = 1e-2
    # mean BCE + l2 ||w||^2  <=>  C sum BCE + ||w||^2 / 2  with  C = 1 / (2 l2 n)
    ref = sklearn.LogisticRegression(C=1 / (2 * l2 * len(y)), tol=1e-10, max_iter=10_000)
    ref.fit(x, y)
    probe = LogisticProbe(l2=l2).fit(x, y)
    # float32 L-BFGS stops once the loss stops changing in float32: agreement to ~1e-3
    np.testing.assert_allclose(probe.weight, ref.coef_[0], atol=1e-3)
    assert probe.bias == pytest.approx(ref.intercept_[0], abs=1e-3)
    np.testing.assert_allclose(probe.predict(x), ref.predict_proba(x)[:, 1], atol=2e-4)


def test_soft_targets_recover_the_generating_weights(data) -> None:
    # With targets sigmoid(x.w + b) the unregularised optimum is exactly (w, b).
    x, _, w_true = data
    soft = 1 / (1 + np.exp(-(x.astype(np.float64) @ w_true + 0.3)))
    probe = LogisticProbe(l2=0.0).fit(x, soft)
    np.testing.assert_allclose(probe.weight, w_true, atol=2e-3)
    assert probe.bias == pytest.approx(0.3, abs=2e-3)


def test_separable_data_is_classified_perfectly() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    x = rng.normal(size=(200, 3)) + 4.0 * (2 * y[:, None] - 1) * np.array([1.0, 0.0, 0.0])
    probe = LogisticProbe().fit(x, y)
    assert ((probe.predict(x) > 0.5) == y).all()
    assert probe.weight[0] > 0


def test_zero_initialised_uninformative_targets_stay_at_zero(data) -> None:
    x, _, _ = data
    probe = LogisticProbe().fit(x, np.full(len(x), 0.5))
    np.testing.assert_array_equal(probe.weight, np.zeros(5))
    assert probe.bias == 0.0
    np.testing.assert_array_equal(probe.predict(x), np.full(len(x), 0.5))


def test_deterministic(data) -> None:
    x, y, _ = data
    a, b = LogisticProbe().fit(x, y), LogisticProbe().fit(x, y)
    np.testing.assert_array_equal(a.weight, b.weight)
    assert a.bias == b.bias


def test_l2_shrinks_the_weights(data) -> None:
    x, y, _ = data
    small = LogisticProbe(l2=1e-4).fit(x, y)
    big = LogisticProbe(l2=1.0).fit(x, y)
    assert np.linalg.norm(big.weight) < 0.5 * np.linalg.norm(small.weight)


@pytest.mark.parametrize(
    "x, y, match",
    [
        (np.zeros((3, 2)), np.zeros(4), "align"),
        (np.zeros((0, 2)), np.zeros(0), "no training points"),
        (np.array([[0.0, np.nan]]), np.zeros(1), "NaN"),
        (np.zeros((2, 2)), np.array([0.0, 1.5]), r"\[0, 1\]"),
    ],
)
def test_bad_inputs_raise_one_line_errors(x, y, match: str) -> None:
    with pytest.raises(W2SGError, match=match):
        LogisticProbe().fit(x, y)


def test_predict_before_fit_is_an_error() -> None:
    with pytest.raises(W2SGError, match="fit"):
        LogisticProbe().predict(np.zeros((2, 2)))


@pytest.mark.parametrize("n", [20, 50, 300])
def test_l2_for_sklearn_c_fits_what_sklearn_fits_at_every_size(n: int) -> None:
    from sklearn.linear_model import LogisticRegression

    from w2sg.probes.logistic import l2_for_sklearn_c

    rng = np.random.default_rng(n)
    y = rng.integers(0, 2, n)
    x = rng.normal(size=(n, 4)) + 0.8 * (2 * y[:, None] - 1)
    ref = LogisticRegression(C=0.01, tol=1e-10, max_iter=10_000).fit(x, y)
    probe = LogisticProbe(l2=l2_for_sklearn_c(0.01, n)).fit(x, y)
    np.testing.assert_allclose(probe.weight, ref.coef_[0], rtol=2e-3, atol=1e-4)  # float32
    assert probe.bias == pytest.approx(ref.intercept_[0], abs=1e-3)
    if n != 50:  # the old fixed l2 = 1.0 matched C = 0.01 only at 50 points
        fixed = LogisticProbe(l2=1.0).fit(x, y)
        assert np.abs(fixed.weight - ref.coef_[0]).max() > 0.01
