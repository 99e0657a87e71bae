"""The change-point threshold (docs/methods.md#detection) matches ruptures' Binseg exactly, and
falls back openly."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.overlap.changepoint import changepoint_index, changepoint_threshold

rpt = pytest.importorskip("ruptures")


def _reference(sorted_scores: np.ndarray) -> int:
    algo = rpt.Binseg(model="l2", min_size=2, jump=5).fit(sorted_scores)
    return algo.predict(n_bkps=1)[0]


def _kinds(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    half = n // 2
    return {
        "continuous": rng.normal(size=n),
        "rounded": np.round(rng.uniform(size=n), 1),  # many ties
        "integer": rng.integers(0, 4, size=n).astype(float),
        "bimodal": np.concatenate([rng.normal(0, 0.1, half), rng.normal(3, 0.5, n - half)]),
        "skewed": rng.exponential(size=n) ** 3,
        "two_values": np.where(rng.uniform(size=n) < 0.3, 0.0, 1.0),
    }


@pytest.mark.parametrize("seed", range(40))
def test_index_equals_ruptures_on_random_inputs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n in (7, 8, 12, 13, 27, 64, 101, 250):
        for kind, s in _kinds(rng, n).items():
            s = np.sort(s)
            assert changepoint_index(s) == _reference(s), (seed, n, kind)


def test_constant_scores_match_ruptures() -> None:
    for n in (7, 10, 33, 100):
        s = np.full(n, 0.25)
        k = changepoint_index(s)
        assert k == _reference(s)
        assert changepoint_threshold(s).threshold == 0.25


@pytest.mark.parametrize("n", range(1, 13))
def test_tiny_sizes_fall_back_to_the_median_below_seven(n: int) -> None:
    s = np.sort(np.random.default_rng(n).normal(size=n))
    cp = changepoint_threshold(s)
    if n < 7:
        assert cp.fallback and cp.index is None
        assert cp.threshold == pytest.approx(float(np.median(s)))
        assert "median" in cp.reason
    else:
        assert not cp.fallback and cp.reason is None
        assert cp.index == _reference(s)
        assert cp.threshold == s[cp.index]


def test_unsorted_input_gives_the_threshold_of_the_sorted_scores() -> None:
    rng = np.random.default_rng(3)
    s = np.concatenate([rng.normal(0, 0.1, 40), rng.normal(2, 0.1, 60)])
    shuffled = rng.permutation(s)
    cp = changepoint_threshold(shuffled)
    srt = np.sort(s)
    assert cp.index == _reference(srt)
    assert cp.threshold == srt[cp.index]
    assert 0.5 < cp.threshold < 2.5  # the jump between the two modes


def test_clear_jump_is_found() -> None:
    s = np.array([0.0] * 20 + [1.0] * 30)
    cp = changepoint_threshold(s)
    assert cp.index == 20 and cp.threshold == 1.0


@pytest.mark.parametrize(
    "bad, match",
    [(np.array([0.1, np.nan, 0.3]), "NaN"), (np.array([0.1, np.inf]), "NaN"), (np.array([]), "no")],
)
def test_bad_scores_raise_one_line_errors(bad: np.ndarray, match: str) -> None:
    with pytest.raises(W2SGError, match=match) as err:
        changepoint_threshold(bad)
    assert "\n" not in str(err.value)


@pytest.mark.slow
def test_index_equals_ruptures_on_large_inputs() -> None:
    rng = np.random.default_rng(11)
    for n in (1_000, 5_003):
        for kind, s in _kinds(rng, n).items():
            s = np.sort(s)
            assert changepoint_index(s) == _reference(s), (n, kind)
