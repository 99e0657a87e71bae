"""TopoFilter (docs/methods.md#interventions): TopoCC per class, then the zeta filter up to the
contamination budget."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.probes.topofilter import largest_class_components, topo_predict, topofilter


@pytest.fixture
def two_clusters() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Two well-separated Gaussian clusters, 8% of the labels flipped at known positions."""
    rng = np.random.default_rng(0)
    n = 500
    truth = np.repeat([0, 1], n // 2)
    x = rng.normal(size=(n, 6)) + 6.0 * truth[:, None]
    soft = np.where(truth == 1, rng.uniform(0.7, 0.95, n), rng.uniform(0.05, 0.3, n))
    flipped = rng.choice(n, size=40, replace=False)
    soft[flipped] = 1 - soft[flipped]
    return x.astype(np.float32), soft, truth, np.sort(flipped)


def test_removes_the_planted_mislabelled_points(two_clusters) -> None:
    x, soft, _, flipped = two_clusters
    result = topofilter(x, soft, contamination=0.1, k=20)
    removed = result.removed
    hits = np.intersect1d(removed, flipped)
    precision, recall = len(hits) / len(removed), len(hits) / len(flipped)
    assert recall >= 0.95  # every flipped point sits alone among the other class
    assert precision >= 0.75  # 50 removed for 40 flipped: at most 10 clean ones go
    assert len(removed) == 50


def test_topocc_alone_drops_isolated_flips_and_reports_its_fraction(two_clusters) -> None:
    x, soft, _, flipped = two_clusters
    component = largest_class_components(x, soft, k=20)
    # a flipped point's 20 neighbours are of the other class: no edge keeps it in its class
    assert len(np.intersect1d(component, flipped)) <= 2
    result = topofilter(x, soft, contamination=0.1, k=20)
    assert result.topocc_removed_fraction == pytest.approx(1 - len(component) / len(soft))
    np.testing.assert_array_equal(result.component, component)


def test_stops_at_the_contamination_budget(two_clusters) -> None:
    x, soft, _, _ = two_clusters
    for c in (0.1, 0.2, 0.3):
        result = topofilter(x, soft, contamination=c, k=20)
        assert len(result.kept) == len(soft) - round(c * len(soft))
        assert result.removed_fraction == pytest.approx(c)


def test_topocc_overshoot_removes_nothing_more(two_clusters) -> None:
    x, soft, _, _ = two_clusters
    result = topofilter(x, soft, contamination=0.01, k=20)  # budget 5 < TopoCC's ~40
    np.testing.assert_array_equal(result.kept, result.component)
    assert result.removed_fraction == pytest.approx(result.topocc_removed_fraction)
    assert result.topocc_removed_fraction > 0.01


def test_one_class_only_keeps_its_largest_component() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    soft = np.full(60, 0.9)
    result = topofilter(x, soft, 0.1, k=5)
    assert 0 < len(result.kept) <= 60
    assert len(result.kept) == 60 - max(6, 60 - len(result.component))


def test_prediction_is_the_mean_label_of_topocc_neighbours(two_clusters) -> None:
    x, soft, truth, _ = two_clusters
    pred = topo_predict(x, soft, x[:5] + 0.01, k=20)
    component = largest_class_components(x, soft, k=20)
    d = ((x[component][None] - (x[:5] + 0.01)[:, None]) ** 2).sum(-1)
    expected = soft[component][np.argsort(d, axis=1)[:, :20]].mean(1)
    np.testing.assert_allclose(pred, expected, rtol=1e-6)
    train = topo_predict(x, soft, k=20)
    assert ((train > 0.5) == truth).mean() > 0.97


def test_k_larger_than_the_data_is_a_clear_error() -> None:
    x = np.zeros((10, 2), dtype=np.float32)
    with pytest.raises(W2SGError, match="k=50 neighbours need at least 51"):
        topofilter(x, np.full(10, 0.5), k=50)
    with pytest.raises(W2SGError, match="contamination"):
        topofilter(x, np.full(10, 0.5), contamination=1.0, k=3)
