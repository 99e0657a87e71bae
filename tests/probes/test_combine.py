"""Combiners of several weak supervisors (docs/methods.md#several-weak-supervisors): on data
where each weak model knows a different half of the features, every combiner beats every
single weak model."""

from __future__ import annotations

import numpy as np
import pytest

import w2sg
from w2sg.errors import W2SGError
from w2sg.probes.combine import COMBINERS, WeakCombiner, out_of_fold_probs
from w2sg.probes.logistic import LogisticProbe
from w2sg.stats.metrics import accuracy


def halves(seed: int, n: int = 3000, d: int = 20, signal: float = 0.18):
    """Rows whose label shows in every feature; weak model a reads the first half of the
    features, b the second."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = (2.0 * y - 1.0)[:, None] * signal + rng.normal(size=(n, d))
    return x[:, : d // 2], x[:, d // 2 :], y


def _members(seed: int):
    """Each weak probe's P(y=1): out-of-fold on its training rows, fitted on them elsewhere."""
    a, b, y = halves(seed)
    train, rest = slice(0, 1000), slice(1000, None)
    out = {"train": [], "rest": []}
    for x in (a, b):
        out["train"].append(out_of_fold_probs(x[train], y[train], l2=1e-3))
        out["rest"].append(LogisticProbe().fit(x[train], y[train]).predict(x[rest]))
    return out, y[train], y[rest]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("combiner", COMBINERS)
def test_ensemble_beats_every_single_weak_model(seed: int, combiner: str) -> None:
    probs, train_y, rest_y = _members(seed)
    single = [accuracy(rest_y, p) for p in probs["rest"]]
    comb = WeakCombiner(combiner)
    if combiner == "agreement":
        comb.fit(probs["rest"])  # no labels: fitted on the rows it labels
    else:
        comb.fit(probs["train"], train_y)
    ensemble = accuracy(rest_y, comb.predict(probs["rest"]))
    assert ensemble > max(single) + 0.01, (combiner, ensemble, single)
    assert comb.weights is not None and (comb.weights > 0).all()


def test_agreement_weights_the_better_of_three_more() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 4000)
    s = 2.0 * y - 1.0
    logits = np.stack([3.0 * s + rng.normal(0, 1.5, 4000) for _ in range(2)], axis=1)
    poor = (0.5 * s + rng.normal(0, 1.5, 4000))[:, None]
    p = 1 / (1 + np.exp(-np.concatenate([logits, poor], axis=1)))
    comb = WeakCombiner("agreement").fit(p)
    assert comb.weights is not None and comb.weights[2] < 0.5 * comb.weights[:2].min()
    assert comb.info["em_iterations"] >= 1


def test_mean_is_the_mean_and_json_names_the_supervisors() -> None:
    p = np.array([[0.2, 0.6], [0.9, 0.7]])
    comb = WeakCombiner().fit(p)
    assert np.allclose(comb.predict(p), [0.4, 0.8])
    assert comb.to_json(["a", "b"])["weights"] == {"a": 0.5, "b": 0.5}


def test_bad_inputs_say_so() -> None:
    with pytest.raises(W2SGError, match="disagree on the rows"):
        WeakCombiner().fit([np.full(5, 0.5), np.full(4, 0.5)])
    with pytest.raises(W2SGError, match="one of"):
        WeakCombiner("vote")
    with pytest.raises(W2SGError, match="labelled rows"):
        WeakCombiner("stacking").fit(np.full((4, 2), 0.5))
    with pytest.raises(W2SGError, match="fitted on 2"):
        WeakCombiner().fit(np.full((4, 2), 0.5)).predict(np.full((4, 3), 0.5))
    with pytest.raises(W2SGError, match="probabilities"):
        WeakCombiner().fit(np.full((4, 2), 1.5))


def test_public_api() -> None:
    assert w2sg.WeakCombiner is WeakCombiner
    assert "Example" in (WeakCombiner.__doc__ or "")
