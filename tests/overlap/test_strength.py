"""Split strength (docs/methods.md#split-strength): a planted gap is found, a uniform or a
unimodal histogram is cut arbitrarily, at the default study's pool size, in every seed."""

from __future__ import annotations

import numpy as np
import pytest

import w2sg
from w2sg.errors import W2SGError
from w2sg.overlap.changepoint import changepoint_index
from w2sg.overlap.strength import (
    _ordinal,
    describe_split,
    null_reductions,
    split_reduction,
    split_strength,
)

N = 4000  # the default study's strong_train


def _two_level(rng: np.random.Generator, n: int = N) -> np.ndarray:
    """A clear two-level histogram: 40 % of the points low, 60 % high, a gap between."""
    low = int(0.4 * n)
    return np.concatenate([rng.uniform(0.0, 0.3, low), rng.uniform(0.65, 1.0, n - low)])


@pytest.mark.parametrize("seed", range(10))
def test_two_level_histogram_is_found(seed: int) -> None:
    st = split_strength(_two_level(np.random.default_rng(seed)))
    assert st.verdict == "found" and st.found is True
    assert st.effect is not None and st.effect > 0.5
    assert st.p_value == pytest.approx(1 / (1 + st.draws))
    assert 0.3 <= (st.threshold or 0) <= 0.66  # the first high point: the cut sits at the gap
    assert st.split_quantile == pytest.approx(0.4, abs=0.01)


@pytest.mark.parametrize("seed", range(10))
def test_uniform_histogram_is_arbitrary(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    st = split_strength(rng.uniform(0.2, 0.9, N))
    assert st.verdict == "arbitrary" and st.found is False
    assert abs(st.effect or 1) < 0.05
    assert st.split_quantile == pytest.approx(0.5, abs=0.05)  # a uniform histogram: the median


@pytest.mark.parametrize("seed", range(5))
def test_unimodal_histograms_are_arbitrary(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    for scores in (rng.normal(size=N), rng.beta(2, 2, N), rng.exponential(size=N)):
        st = split_strength(scores)
        assert st.verdict == "arbitrary" and (st.effect or 0) < 0


def test_reduction_is_that_of_the_change_point_and_affine_invariant() -> None:
    s = np.sort(_two_level(np.random.default_rng(0), 500))
    k = changepoint_index(s)
    assert k is not None
    st = split_strength(s)
    assert st.reduction == pytest.approx(split_reduction(s, k))
    moved = split_strength(3.0 * s - 7.0)
    assert moved.reduction == pytest.approx(st.reduction)
    assert moved.p_value == st.p_value and moved.effect == pytest.approx(st.effect)


def test_null_of_uniform_scores_is_three_quarters() -> None:
    null = null_reductions(N, draws=200)
    assert null.mean() == pytest.approx(0.75, abs=0.002)
    assert np.array_equal(null, null_reductions(N, draws=200))  # seeded: reproducible


def test_untested_without_enough_points_or_spread() -> None:
    assert split_strength([0.1, 0.5, 0.9]).verdict == "untested"
    flat = split_strength(np.full(50, 0.3))
    assert flat.verdict == "untested" and flat.found is None and "equal" in (flat.reason or "")
    assert "not tested" in describe_split(flat, "confidence split")


def test_bad_inputs_say_so() -> None:
    with pytest.raises(W2SGError, match="NaN"):
        split_strength([0.1, np.nan] * 10)
    with pytest.raises(W2SGError, match="numbers"):
        split_strength("0.1, 0.2")
    with pytest.raises(W2SGError, match="draws"):
        split_strength(np.arange(20.0), draws=0)


def test_words_name_the_verdict_and_the_effect() -> None:
    found = describe_split(split_strength(_two_level(np.random.default_rng(1))), "split")
    assert "a found gap" in found and "effect" in found and "p = 0.001" in found
    cut = describe_split(split_strength(np.random.default_rng(2).uniform(size=N)).to_json())
    assert "an arbitrary cut" in cut
    assert describe_split(None) == ""
    assert "the 40th percentile" in found
    assert [_ordinal(x) for x in (1, 2, 3, 11, 12, 22, 32.4)] == [
        "1st", "2nd", "3rd", "11th", "12th", "22nd", "32nd",
    ]  # fmt: skip


def test_public_api() -> None:
    assert w2sg.split_strength is split_strength
    assert "Example" in (w2sg.split_strength.__doc__ or "")
