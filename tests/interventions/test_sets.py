"""Interventions (docs/methods.md#interventions): pure functions from (activations, weak labels) to
a training set."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.interventions.sets import (
    DEFAULT_INTERVENTIONS,
    InterventionOptions,
    parse_intervention,
    probe_predictions,
    probe_train_predictions,
    training_set,
)
from w2sg.probes.knn import KNNProbe
from w2sg.probes.logistic import LogisticProbe


@pytest.fixture
def pool() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    n = 200
    truth = np.repeat([0, 1], n // 2)
    x = (rng.normal(size=(n, 5)) + 2.5 * truth[:, None]).astype(np.float32)
    weak = np.clip(0.5 + (truth - 0.5) * rng.uniform(0.0, 0.9, n), 0, 1)
    flip = rng.choice(n, 20, replace=False)
    weak[flip] = 1 - weak[flip]
    return x, weak


OPTIONS = InterventionOptions(k=10)


@pytest.mark.parametrize("method", ["knn", "logistic"])
@pytest.mark.parametrize("fraction", [0.0, 0.125])
def test_filter_removes_exactly_the_asked_fraction(pool, method, fraction) -> None:
    x, weak = pool
    options = InterventionOptions(k=10, contamination=fraction)
    ts = training_set(f"filter:{method}", x, weak, options)
    assert ts.n_kept == len(weak) - round(fraction * len(weak))
    np.testing.assert_array_equal(ts.labels, weak[ts.indices])


def test_topo_filter_removes_the_fraction_unless_topocc_alone_removed_more(pool) -> None:
    x, weak = pool
    for fraction in (0.05, 0.3):
        ts = training_set("filter:topo", x, weak, InterventionOptions(k=10, contamination=fraction))
        cc = ts.info["topocc_removed_fraction"]
        assert ts.info["removed_fraction"] == pytest.approx(max(fraction, cc))
        assert ts.n_kept == len(weak) - round(max(fraction, cc) * len(weak))


def test_filter_drops_the_points_most_at_odds_with_the_probe(pool) -> None:
    x, weak = pool
    ts = training_set("filter:knn", x, weak, OPTIONS)
    gap = np.abs(KNNProbe(k=10).fit(x, weak).predict_train() - weak)
    dropped = np.setdiff1d(np.arange(len(weak)), ts.indices)
    assert gap[dropped].min() >= gap[ts.indices].max()


def test_relabel_returns_the_probes_predictions(pool) -> None:
    x, weak = pool
    knn = training_set("relabel:knn", x, weak, OPTIONS)
    np.testing.assert_allclose(knn.labels, KNNProbe(k=10).fit(x, weak).predict_train())
    logistic = training_set("relabel:logistic", x, weak, OPTIONS)
    np.testing.assert_allclose(logistic.labels, LogisticProbe(l2=1e-2).fit(x, weak).predict(x))
    topo = training_set("relabel:topo", x, weak, OPTIONS)
    np.testing.assert_allclose(topo.labels, probe_train_predictions("topo", x, weak, OPTIONS))
    for ts in (knn, logistic, topo):
        np.testing.assert_array_equal(ts.indices, np.arange(len(weak)))


def test_probe_is_fitted_on_the_whole_pool(pool) -> None:
    x, weak = pool
    test_x = x[:7] + 0.1
    ts = training_set("probe:knn", x, weak, OPTIONS)
    assert ts.n_kept == len(weak)
    np.testing.assert_allclose(
        probe_predictions("knn", x, weak, test_x, OPTIONS),
        KNNProbe(k=10).fit(x, weak).predict(test_x),
    )


def test_confident_keeps_the_most_confident_fraction(pool) -> None:
    x, weak = pool
    ts = training_set("confident", x, weak, OPTIONS)
    conf = 2 * np.abs(weak - 0.5)
    assert ts.n_kept == 100
    dropped = np.setdiff1d(np.arange(len(weak)), ts.indices)
    assert conf[ts.indices].min() >= conf[dropped].max()
    assert ts.info["confidence_threshold"] == pytest.approx(conf[ts.indices].min())


def test_overlap_interventions_use_the_detected_partition(pool) -> None:
    from w2sg.overlap.detect import detect_overlap

    x, weak = pool
    detection = detect_overlap(weak, x)
    ts = training_set("overlap", x, weak, OPTIONS)
    np.testing.assert_array_equal(ts.indices, np.sort(detection.overlap))
    both = training_set("overlap+hard", x, weak, OPTIONS)
    expected = np.sort(np.concatenate([detection.overlap, detection.hard_only]))
    np.testing.assert_array_equal(both.indices, expected)


def _valid(ts, n: int) -> None:
    assert ts.indices.dtype.kind == "i"
    assert np.all(np.diff(ts.indices) > 0)  # sorted, no repeats
    assert len(ts.indices) == 0 or (ts.indices.min() >= 0 and ts.indices.max() < n)
    assert len(ts.labels) == len(ts.indices)
    assert np.all((ts.labels >= 0) & (ts.labels <= 1))


@pytest.mark.parametrize("name", DEFAULT_INTERVENTIONS)
def test_every_intervention_gives_a_valid_subset_on_tiny_input(pool, name) -> None:
    x, weak = pool
    ts = training_set(name, x[:12], weak[:12], InterventionOptions(k=3))
    _valid(ts, 12)
    assert ts.name == name


@pytest.mark.parametrize("name", DEFAULT_INTERVENTIONS)
def test_every_intervention_copes_with_one_weak_class(pool, name) -> None:
    x, weak = pool
    one_class = np.clip(weak, 0.6, 1.0)  # every weak label says 1
    ts = training_set(name, x[:40], one_class[:40], InterventionOptions(k=5))
    _valid(ts, 40)
    assert ts.n_kept >= 1 or name.startswith("overlap")


@pytest.mark.parametrize("name", ["filter:knn", "relabel:topo", "filter:topo", "relabel:knn"])
def test_k_larger_than_the_pool_is_a_clear_error(pool, name) -> None:
    x, weak = pool
    with pytest.raises(W2SGError, match="k=50 neighbours need at least 5[01] training points"):
        training_set(name, x[:30], weak[:30], InterventionOptions(k=50))


def test_names_parse_with_clear_errors() -> None:
    assert parse_intervention("Filter:KNN").name == "filter:knn"
    assert parse_intervention("overlap+hard").kind == "overlap+hard"
    with pytest.raises(W2SGError, match="filter needs a probe, one of filter:knn"):
        parse_intervention("filter")
    with pytest.raises(W2SGError, match="relabel needs a probe"):
        parse_intervention("relabel:svm")
    with pytest.raises(W2SGError, match="unknown intervention 'bagging'"):
        parse_intervention("bagging")
    with pytest.raises(W2SGError, match="contamination must lie in"):
        InterventionOptions(contamination=1.0)
    with pytest.raises(W2SGError, match="metric must be one of"):
        InterventionOptions(metric="l1")
    with pytest.raises(W2SGError, match="unknown detector"):
        InterventionOptions(detector="magic")


def test_validation_sets_filter_and_relabel_val_as_the_published_code() -> None:
    """With probe validation targets, filter:M drops val's most-disagreeing rows by the probe
    fitted to the pool, relabel:M gives val the probe's predictions, others keep val."""
    from w2sg.interventions.sets import (
        InterventionOptions,
        probe_predictions,
        validation_set,
    )

    rng = np.random.default_rng(3)
    x, vx = rng.normal(size=(200, 6)), rng.normal(size=(50, 6))
    p = 1 / (1 + np.exp(-x[:, 0] * 3))
    vp = rng.uniform(size=50)
    options = InterventionOptions(k=10, contamination=0.2)
    preds = probe_predictions("knn", x, p, vx, options)
    kept = validation_set("filter:knn", x, p, vx, vp, options)
    assert kept.n_kept == 40  # round(0.2 * 50) dropped
    dropped = np.setdiff1d(np.arange(50), kept.indices)
    assert np.abs(preds - vp)[dropped].min() >= np.abs(preds - vp)[kept.indices].max()
    assert np.array_equal(kept.labels, vp[kept.indices])
    relabel = validation_set("relabel:knn", x, p, vx, vp, options)
    assert relabel.n_kept == 50 and np.allclose(relabel.labels, np.clip(preds, 0, 1))
    plain = validation_set("confident", x, p, vx, vp, options)
    assert plain.n_kept == 50 and np.array_equal(plain.labels, vp)
