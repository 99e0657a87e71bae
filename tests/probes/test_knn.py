"""The kNN probe (docs/methods.md#interventions): mean neighbour soft label; no self-neighbour on
the training set."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsRegressor

from w2sg.errors import W2SGError
from w2sg.probes.knn import KNNProbe


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 8)).astype(np.float32)
    y = 1 / (1 + np.exp(-3 * x[:, 0]))
    return x, y, rng.normal(size=(40, 8)).astype(np.float32)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_predict_equals_sklearn_regressor(data, metric) -> None:
    x, y, q = data
    ref = KNeighborsRegressor(n_neighbors=50, metric=metric, algorithm="brute").fit(x, y)
    got = KNNProbe(k=50, metric=metric).fit(x, y).predict(q)
    np.testing.assert_allclose(got, ref.predict(q), rtol=1e-6)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_training_predictions_equal_sklearn_without_self(data, metric) -> None:
    x, y, _ = data
    probe = KNNProbe(k=50, metric=metric).fit(x, y)
    got = probe.predict_train()
    # reference: for each point, a regressor fitted on all the other points
    for i in (0, 17, 299):
        others = np.delete(np.arange(len(y)), i)
        ref = KNeighborsRegressor(n_neighbors=50, metric=metric, algorithm="brute")
        ref.fit(x[others], y[others])
        assert got[i] == pytest.approx(ref.predict(x[i : i + 1])[0], rel=1e-6)


def test_published_self_neighbour_leaks_one_kth_of_the_own_label(data) -> None:
    # The published probe queries training points against themselves: each finds itself
    # first, so its prediction is (own label + its k-1 nearest others) / k.
    x, y, _ = data
    with_self = KNNProbe(k=10).fit(x, y).predict(x)
    without = KNNProbe(k=9).fit(x, y).predict_train()
    np.testing.assert_allclose(with_self * 10 - y, without * 9, atol=1e-9)
    assert not np.allclose(with_self, KNNProbe(k=10).fit(x, y).predict_train())


def test_k_larger_than_the_data_is_a_clear_error(data) -> None:
    x, y, _ = data
    with pytest.raises(W2SGError, match="k=50 neighbours need at least 51"):
        KNNProbe(k=50).fit(x[:50], y[:50]).predict_train()
    with pytest.raises(W2SGError, match="k=50 neighbours need at least 50"):
        KNNProbe(k=50).fit(x[:49], y[:49])


@pytest.mark.parametrize(
    ("kwargs", "labels", "message"),
    [
        ({"k": 0}, None, "k must be a positive integer"),
        ({"metric": "manhattan"}, None, "metric must be one of"),
        ({}, 2.0, "soft labels in"),
    ],
)
def test_bad_arguments_name_themselves(data, kwargs, labels, message) -> None:
    x, y, _ = data
    with pytest.raises(W2SGError, match=message):
        KNNProbe(**kwargs).fit(x, y if labels is None else y * labels)
